"""A served session's share of the machine, and what a stranger's page may do to the server.

The servers here are started with small shares — a 128M memory ceiling, 3 s of CPU time, a
3 s life, one seat per address — and a visitor who exceeds one is played by a websocket
client: its page says which share ran out, the server's log says it in one line, and another
visitor's session answers all the while. The rest is what a hostile page or folder tries:
another site's page, a ``moomtui/`` folder where the server was started, a deeply nested
message, screenshots never downloaded.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import aiohttp.web
import pytest
from aiohttp.test_utils import make_mocked_request

from moomtui.web import SCREENSHOT_BYTES, SCREENSHOT_LIFE, SCREENSHOTS_KEPT
from moomtui.web import downloads as downloads_module
from moomtui.web.child import child_command, child_environment, process_usage
from moomtui.web.downloads import Downloads
from moomtui.web.messages import MAX_DEPTH, MessageError, json_depth, parse_message
from moomtui.web.retention import KeptFiles, Retention
from moomtui.web.server import MALFORMED_LIMIT, MoomServer, Session, share_spent
from moomtui.web.visitors import client_key, origin_of
from moomtui.web.wording import format_seconds

from .helpers import (
    BANNER,
    ROOT,
    ServerProcess,
    Visitor,
    alive,
    get,
    moomtui_server,
    server_environment,
    wait_until,
)

pytestmark = pytest.mark.slow  # servers and sessions: seconds each

LSMOD = "OOM chain: out_of_memory() → oom_kill"
"""What ``lsmod`` prints last: a session that shows it has answered."""


def no_traceback(server: ServerProcess) -> None:
    """The server's output (stdout and stderr) so far has no traceback in it."""
    bad = [line for line in server.lines if "Traceback" in line or "Error:" in line]
    assert not bad, "\n".join(server.lines)


async def answers(visitor: Visitor, command: str = "lsmod") -> None:
    """Run ``command`` at ``visitor``'s console (already focused) and see its answer."""
    await visitor.type(f"{command}\r")
    await visitor.until(lambda s: LSMOD in s.text(), 15, f"{command} answered")


# --------------------------------------------------------------------------- the shares
async def test_a_session_at_its_memory_ceiling_is_stopped_and_told_while_another_answers(
    tmp_path: Path,
) -> None:
    """Keys typed faster than the app takes them wait in its queue, a few hundred bytes
    each: 60,000 of them a message, the hog's app grows by megabytes a second until it
    meets its ceiling. Nothing else on the server notices."""
    with moomtui_server(tmp_path, "--session-memory", "128M") as srv:
        async with Visitor(srv.url) as other, Visitor(srv.url, 80, 24) as hog:
            await other.open_console()
            await hog.until(lambda s: "╭─ console" in s.text(), 20, "the hog's screen")
            other_pid, hog_pid = srv.session_pid(1), srv.session_pid(2)
            for _ in range(800):  # 48 MB of keys at most
                try:
                    await hog.type("z" * 60_000)
                except ConnectionError:
                    break
                await hog.pump(0.05)
                if hog.closed:
                    break
            await hog.until_closed(20)
            assert hog.close_code == 1008
            assert "moomtui: this session used its share of memory (128M) and was stopped." in (
                hog.screen.text()
            )
            srv.wait_for(r"^session 2: stopped: it used its share of memory \(\S+ of 128M\)")
            wait_until(lambda: not alive(hog_pid), 10, "the hog's app gone")

            await answers(other)
            assert alive(other_pid)
        srv.wait_for(r"^session 1: ended after")
    no_traceback(srv)


def test_an_app_at_its_ceiling_stays_under_it_and_is_seen_there() -> None:
    """The kernel holds the app, started as the server starts it, under its ceiling
    (``RLIMIT_DATA``); the figure the server reads (``VmData``) climbs to it, past the
    server's threshold, before the app dies of it — which the server then counts as
    memory too, should it die between two readings."""
    ceiling = 80 << 20
    child = subprocess.Popen(
        child_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=child_environment(80, 24, memory=ceiling),
        cwd="/",
        start_new_session=True,
    )
    assert child.stdin is not None and child.stdout is not None
    out = child.stdout
    threading.Thread(target=lambda: [*iter(lambda: out.read1(1 << 16), b"")]).start()
    readings: list[int] = []

    def meter() -> None:
        while child.poll() is None:
            if (usage := process_usage(child.pid)) is not None:
                readings.append(usage[0])
            time.sleep(0.05)

    threading.Thread(target=meter).start()
    keys = b"z" * 60_000
    stdin = child.stdin

    def feed() -> None:  # beside the wait: an app that stops reading fails the test, not hangs it
        try:
            for _ in range(2000):  # 120 MB of keys at most
                stdin.write(b"D" + len(keys).to_bytes(4, "big") + keys)
                stdin.flush()
        except (OSError, ValueError):  # the app is gone (a broken pipe), or its pipe closed
            pass

    threading.Thread(target=feed, daemon=True).start()
    try:
        code = child.wait(90)
    finally:
        child.kill()
        child.wait()
    assert code != 0
    # VmData may pass RLIMIT_DATA by a page: brk() is checked against its own sum
    # (check_data_rlimit), not against the data_vm that VmData shows.
    page = os.sysconf("SC_PAGE_SIZE")
    assert ceiling - ceiling // 16 <= max(readings) <= ceiling + page, max(readings)
    session = Session(1, "127.0.0.1", "127.0.0.1", None)  # type: ignore[arg-type]
    session.peak = max(readings)
    assert share_spent(code, False, session, ceiling, 1800) == "memory"


async def test_a_session_that_spent_its_cpu_time_is_stopped_and_told(tmp_path: Path) -> None:
    """``speed max`` keeps a core busy: the kernel ends the app with SIGXCPU at its share."""
    with moomtui_server(tmp_path, "--session-cpu", "3s") as srv:
        async with Visitor(srv.url) as hog:
            await hog.open_console()
            pid = srv.session_pid(1)
            await hog.type("speed max\r")
            await hog.until_closed(40)
            assert hog.close_code == 1008
            assert "moomtui: this session used its share of CPU time (3s) and was stopped." in (
                hog.screen.text()
            )
            srv.wait_for(r"^session 1: stopped: it used its share of CPU time \(\S+s of 3s\)")
            wait_until(lambda: not alive(pid), 10, "its app gone")
    no_traceback(srv)


async def test_a_session_is_closed_at_its_maximum_life_though_its_visitor_types(
    tmp_path: Path,
) -> None:
    with moomtui_server(tmp_path, "--max-life", "3s") as srv:
        async with Visitor(srv.url) as visitor:
            pid = srv.session_pid(1)
            for n in range(200):  # 60 s at most
                await visitor.type("\x1b[B" if n % 2 else "\x1b[A")  # down, up the task list
                await visitor.pump(0.3)
                if visitor.closed:
                    break
            assert visitor.closed and visitor.close_code == 1001
            assert "moomtui: this session reached its maximum life (3s) and was closed." in (
                visitor.screen.text()
            )
            srv.wait_for(r"^session 1: closed at its maximum life \(3s\)")
            wait_until(lambda: not alive(pid), 10, "its app gone")


async def test_one_address_holds_at_most_its_seats(tmp_path: Path) -> None:
    """One page (or script) could take every seat of the server; now it takes its own."""
    with moomtui_server(tmp_path, "--seats-per-client", "1", "--max-sessions", "4") as srv:
        async with Visitor(srv.url) as first:
            await first.until(lambda s: BANNER in s.text(), 20, "the first screen")
            status, _, _ = get(srv.url + "/")
            assert status == 200  # perhaps a reload: the websocket decides, after its wait
            async with Visitor(srv.url) as second:
                await second.until_closed(10)
                assert second.close_code == 1013  # try again later
                assert "moomtui: you have 1 session open here already." in second.screen.text()
            srv.wait_for(r"^refused a session from 127\.0\.0\.1: 1 open from 127\.0\.0\.1")
            assert len(srv.session_pids()) == 1


async def test_a_reload_waits_for_the_seat_its_old_page_gives_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reload asks for the new page before the old page's session has stopped: the page
    (and the session) waits for that seat rather than refusing the visitor their own, and
    a seat that is not given back is refused after the grace."""
    server = MoomServer(max_sessions=1, seats_per_client=1)
    old = Session(1, "127.0.0.1", "127.0.0.1", None)  # type: ignore[arg-type]
    server.sessions[1] = old
    waiting = asyncio.create_task(server.wait_for_seat("127.0.0.1"))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    server.give_back_seat(old)
    await asyncio.wait_for(waiting, 1)
    assert server.has_seat("127.0.0.1")

    monkeypatch.setattr("moomtui.web.seats.SEAT_GRACE", 0.1)
    server.sessions[2] = Session(2, "127.0.0.1", "127.0.0.1", None)  # type: ignore[arg-type]
    started = time.monotonic()
    await asyncio.wait_for(server.wait_for_seat("127.0.0.1"), 2)
    assert time.monotonic() - started >= 0.1
    assert not server.has_seat("127.0.0.1")


async def test_a_reload_at_the_seat_limit_gets_its_session(tmp_path: Path) -> None:
    """A reload: the new page's websocket comes while the old page's session still holds
    the visitor's one seat, which the browser gives back once the new page is in. The new
    session waits for it, rather than telling the visitor they have a session open."""
    with moomtui_server(tmp_path, "--seats-per-client", "1") as srv:
        old = Visitor(srv.url)
        await old.__aenter__()
        await old.until(lambda s: BANNER in s.text(), 20, "the old page's screen")
        assert get(srv.url + "/")[0] == 200  # the reloaded page
        async with Visitor(srv.url) as new:
            await asyncio.sleep(0.3)
            await old.close()  # the browser leaves the old page
            await new.until(lambda s: BANNER in s.text(), 20, "the new page's screen")
            assert not new.closed
        srv.wait_for(r"^session 2 from 127\.0\.0\.1: started")
        assert not any("refused a session" in line for line in srv.lines)
    no_traceback(srv)


# --------------------------------------------------------------------------- strangers
async def test_another_sites_page_is_refused_and_ours_is_served(server: ServerProcess) -> None:
    """A page on another site may not open sessions here (its browser says where it came
    from in ``Origin``), nor may a page that calls this machine by its own name."""
    evil = {"Origin": "http://evil.example"}
    status, kind, body = get(server.url + "/", evil)
    assert status == 403 and kind.startswith("text/html")
    assert b"refused: this page was opened from another site" in body
    assert server.url.encode() in body  # where to go instead

    status, _, body = get(server.url + "/", {"Origin": server.url})
    assert status == 200 and b"data-session-websocket-url" in body

    port = server.url.rsplit(":", 1)[1]
    status, _, body = get(server.url + "/", {"Host": f"evil.example:{port}"})
    assert status == 403 and b"answers only to this machine" in body

    started = len(server.session_pids())
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        async with Visitor(server.url, origin="http://evil.example"):
            pass
    assert refused.value.status == 403
    server.wait_for(r"^refused a request from 127\.0\.0\.1: Origin 'http://evil\.example'")

    number = server.next_session()
    async with Visitor(server.url, origin=server.url) as visitor:
        await visitor.until(lambda s: BANNER in s.text(), 20, "the screen")
    server.wait_for(rf"^session {number}: ended after")
    assert len(server.session_pids()) == started + 1


async def test_a_moomtui_folder_where_the_server_runs_is_not_the_sessions_code(
    tmp_path: Path,
) -> None:
    """Children ran ``python -m moomtui`` in the server's folder: a ``moomtui/`` there ran
    as every visitor's session. They now run the server's own moomtui, isolated."""
    marker = tmp_path / "hostile-code-ran"
    hostile = tmp_path / "moomtui"
    hostile.mkdir()
    (hostile / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    # The trap works: a plain `python -m moomtui` in that folder runs it.
    subprocess.run(
        [sys.executable, "-m", "moomtui", "--version"],
        cwd=tmp_path,
        env=server_environment(tmp_path),
        capture_output=True,
        timeout=60,
    )
    assert marker.exists()
    marker.unlink()
    # The server itself started so that it does not (-P: not the folder on sys.path).
    with moomtui_server(tmp_path, python=("-P",)) as srv:
        async with Visitor(srv.url) as visitor:
            await visitor.open_console()
            await answers(visitor)
            assert not marker.exists()
    assert not marker.exists()


async def test_a_deeply_nested_message_is_one_line_in_the_log_and_the_session_goes_on(
    server: ServerProcess,
) -> None:
    number = server.next_session()
    async with Visitor(server.url) as visitor:
        await visitor.open_console()
        await visitor.send("[" * 30_000 + "]" * 30_000)  # RecursionError in json.loads
        await visitor.send('["stdin", ' + "[" * 20_000 + "]" * 20_000 + "]")
        await visitor.send('["resize", {"width": {"a": {"b": {"c": 1}}}}]')
        await visitor.send('["ping", "\\"[[[[[["]')  # brackets in a string are text
        await answers(visitor)
    server.wait_for(
        rf"^session {number}: ignored a malformed message \(nested more than {MAX_DEPTH} levels"
    )
    server.wait_for(rf"^session {number}: ended after")
    assert sum(f"session {number}: ignored" in line for line in server.lines) == 1
    no_traceback(server)

    number = server.next_session()
    async with Visitor(server.url) as pest:
        await pest.until(lambda s: BANNER in s.text(), 20, "the screen")
        for _ in range(MALFORMED_LIMIT):
            await pest.send("not json")
        await pest.until_closed(10)
        assert pest.close_code == 1008
    server.wait_for(rf"^session {number}: closed after {MALFORMED_LIMIT} malformed messages")


async def screenshot(visitor: Visitor) -> str:
    """Take a screenshot from the command palette; the key of its download."""
    before = len(visitor.texts)
    await visitor.type("\x10")  # ctrl+p: the palette
    await visitor.until(lambda s: "Search for commands" in s.text(), 10, "the palette")
    await visitor.type("screenshot")
    await visitor.until(lambda s: "Save an SVG" in s.text(), 10, "the command found")
    await visitor.type("\r")
    await visitor.until(
        lambda _: any("deliver_file_start" in t for t in visitor.texts[before:]), 10, "offered"
    )
    offered = [json.loads(t) for t in visitor.texts[before:] if "deliver_file_start" in t]
    return str(offered[0][1])


async def test_screenshots_never_downloaded_are_kept_only_a_few(server: ServerProcess) -> None:
    async with Visitor(server.url) as visitor:
        await visitor.until(lambda s: "╭─ console" in s.text(), 20, "the screen")
        keys = [await screenshot(visitor) for _ in range(SCREENSHOTS_KEPT + 1)]
        assert (await visitor.get(f"{server.url}/download/{keys[0]}"))[0] == 404  # dropped
        for key in keys[1:]:
            status, kind, body = await visitor.get(f"{server.url}/download/{key}")
            assert status == 200 and kind.startswith("image/svg+xml"), key
            assert body.lstrip().startswith(b"<svg") and body.rstrip().endswith(b"</svg>")
            assert (await visitor.get(f"{server.url}/download/{key}"))[0] == 404  # forgotten


# --------------------------------------------------------------------------- the parts
def test_the_depth_of_a_message_is_counted_before_it_is_parsed() -> None:
    assert json_depth('["stdin", "x"]') == 1
    assert json_depth('["resize", {"width": 80, "height": 24}]') == 2
    assert json_depth('["stdin", "[[[[{{{{\\"]]]"]') == 1  # in a string, escaped quote
    assert json_depth('["stdin", "\\\\"]') == 1  # an escaped backslash ends nothing
    assert json_depth("[" * 100_000) == MAX_DEPTH + 1  # stops counting past the limit
    with pytest.raises(MessageError, match="nested more than 4 levels deep"):
        parse_message("[" * 30_000 + "]" * 30_000)
    for bad in ("", "{}", "[]", "[1]", "x", '["stdin", "x"'):
        with pytest.raises(MessageError):
            parse_message(bad)
    assert parse_message('["stdin", "\\u001b[A"]') == ("stdin", "\x1b[A")
    assert parse_message('["focus"]') == ("focus", None)


def test_a_visitors_seat_is_their_address_an_ipv6_one_by_its_64() -> None:
    assert client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_key("not an address" * 10) == ("not an address" * 10)[:64]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://Example.org/moom/", "https://example.org"),
        ("https://example.org:443/", "https://example.org"),
        ("http://example.org:80", "http://example.org"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
        ("null", "://"),
    ],
)
def test_an_origin_is_scheme_host_and_port(url: str, origin: str) -> None:
    assert origin_of(url) == origin


def test_behind_a_proxy_the_visitor_is_the_last_forwarded_address() -> None:
    from aiohttp.test_utils import make_mocked_request

    from moomtui.web.server import MoomServer

    headers = {"X-Forwarded-For": "203.0.113.9, 198.51.100.4", "Host": "example.org"}
    request = make_mocked_request("GET", "/", headers=headers)
    direct = MoomServer().client_of(request)
    assert direct != "198.51.100.4"  # without --behind-proxy the header is not believed
    assert MoomServer(behind_proxy=True).client_of(request) == "198.51.100.4"


def test_which_share_ended_an_app() -> None:
    ceiling = 96 << 20
    session = Session(1, "127.0.0.1", "127.0.0.1", None)  # type: ignore[arg-type]
    session.peak, session.cpu = 40 << 20, 2.0

    def spent(code: int, memory_error: bool = False) -> str | None:
        return share_spent(code, memory_error, session, ceiling, 5)

    assert spent(-signal.SIGXCPU) == "cpu"
    assert spent(-signal.SIGKILL) is None  # far from its CPU time, and from its ceiling
    assert spent(70, memory_error=True) == "memory"
    assert spent(70) is None  # a bug, not a share: the log says which
    assert spent(-signal.SIGABRT) is None
    session.peak = 48 << 20  # half the ceiling: a bad end is put down to memory
    assert spent(-signal.SIGABRT) == "memory" and spent(70) == "memory"
    session.cpu = 4.5
    assert spent(-signal.SIGKILL) == "cpu"


def test_durations_are_told_plainly() -> None:
    assert [format_seconds(s) for s in (2, 90, 600, 3600, 7200, 5400, 3661)] == [
        "2s",
        "1m 30s",
        "10m",
        "1h",
        "2h",
        "1h 30m",
        "1h 01m 01s",  # read back as printed (--idle-timeout '1h 01m 01s')
    ]


def test_retention_keeps_the_newest_within_count_bytes_and_life() -> None:
    kept = Retention(count=3, size=100, life=60)
    assert kept.add("a", 10, now=0) == []
    assert kept.add("b", 10, now=1) == []
    assert kept.add("c", 10, now=2) == []
    assert kept.add("d", 10, now=3) == ["a"]  # the count
    assert kept.add("e", 85, now=4) == ["b", "c"]  # the count, then the bytes (105 > 100)
    assert len(kept) == 2 and kept.bytes == 95
    assert kept.add("huge", 101, now=5) == ["huge"]  # heavier than the allowance alone
    assert "huge" not in kept and "d" in kept and "e" in kept
    assert kept.add("f", 1, now=10) == []
    assert kept.next_expiry() == 63
    assert kept.expire(now=62.9) == [] and kept.expire(now=63) == ["d"]
    assert kept.expire(now=70) == ["e", "f"]
    assert len(kept) == 0 and kept.bytes == 0 and kept.next_expiry() is None


async def test_the_servers_download_records_follow_the_retention() -> None:
    class App:
        def __init__(self, name: str) -> None:
            self.app_service_id = name

    downloads = Downloads(life=3600)
    one, two = App("one"), App("two")
    for n in range(SCREENSHOTS_KEPT + 2):
        for app in (one, two):
            await downloads.create_download(
                app_service=app,  # type: ignore[arg-type]
                delivery_key=f"{app.app_service_id}-{n}",
                file_name="shot.svg",
                open_method="browser",
                mime_type="image/svg+xml",
            )
    assert sorted(downloads.records) == sorted(
        f"{name}-{n}" for name in ("one", "two") for n in range(2, SCREENSHOTS_KEPT + 2)
    )
    await downloads.cancel_app_downloads("one")  # its session ended
    assert all(key.startswith("two-") for key in downloads.records)
    assert "one" not in downloads.retention
    with pytest.raises(KeyError):
        await downloads.get_download_metadata("one-4")

    expiring = Downloads(life=0.01)
    await expiring.create_download(
        app_service=one,  # type: ignore[arg-type]
        delivery_key="k",
        file_name="shot.svg",
        open_method="browser",
        mime_type="image/svg+xml",
    )
    await asyncio.sleep(0.05)
    with pytest.raises(KeyError):
        await expiring.get_download_metadata("k")


async def test_a_download_the_session_never_sends_is_a_504_not_an_empty_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page is answered only once the first chunk has come: a session that does not
    send it within DOWNLOAD_WAIT gives a 504 (textual-serve gave ``200`` and no body), and
    the record is forgotten."""

    class Silent:  # asked for chunks, it never sends one
        app_service_id = "silent"

        async def send_meta(self, meta: dict[str, object]) -> bool:
            return True

    monkeypatch.setattr(downloads_module, "DOWNLOAD_WAIT", 0.05)
    server = MoomServer()
    await server.download_manager.create_download(
        app_service=Silent(),  # type: ignore[arg-type]
        delivery_key="k",
        file_name="shot.svg",
        open_method="browser",
        mime_type="image/svg+xml",
    )
    request = make_mocked_request("GET", "/download/k", match_info={"key": "k"})
    with pytest.raises(aiohttp.web.HTTPGatewayTimeout):
        await server.handle_download(request)
    with pytest.raises(aiohttp.web.HTTPNotFound):  # forgotten
        await server.handle_download(request)


def test_the_served_app_frees_the_screenshots_it_no_longer_keeps() -> None:
    """What the served driver keeps of the files it offered the page (``KeptFiles``):
    the oldest past the count, all of them past their life; closing a file frees it."""
    timers: list[tuple[float, Callable[[], None]]] = []
    kept = KeptFiles(lambda delay, callback: timers.append((delay, callback)))
    files = [io.StringIO("<svg>" + "x" * 1000 + "</svg>") for _ in range(SCREENSHOTS_KEPT + 1)]
    for n, svg in enumerate(files):
        assert kept.offer(f"k{n}", svg)
    assert files[0].closed  # the oldest: freed
    assert not any(f.closed for f in files[1:])
    assert [delay for delay, _ in timers] == [SCREENSHOT_LIFE] * len(files)

    files[1].close()  # the page downloaded it (the web driver closes it then)
    heavy = io.BytesIO(b"x" * (SCREENSHOT_BYTES + 1))  # heavier than all may be together
    assert not kept.offer("heavy", heavy)
    assert heavy.closed and not any(f.closed for f in files[2:])

    kept.retention.life = 0  # every one's life is over: the timer says so
    timers[-1][1]()
    assert all(f.closed for f in files)
    assert len(kept.retention) == 0


def test_a_share_below_what_a_session_needs_is_refused() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "moomtui", "serve", "--session-memory", "10M"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "moomtui serve: --session-memory: at least 128M (a session needs about 75M)"
    ]
