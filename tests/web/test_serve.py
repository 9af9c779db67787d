"""``moomtui serve`` without a browser: a websocket client speaks to it as the page does.

Each visitor's app is a child process of the server; these tests follow those processes by
the pids the server prints, and check that none outlives its socket or its server.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moomtui.kernel.constants import HZ
from moomtui.kernel.units import parse_duration
from moomtui.web import DRIVER, SERVED_FLAG

from .helpers import (
    BANNER,
    ROOT,
    Screen,
    ServerProcess,
    Visitor,
    alive,
    get,
    moomtui_server,
    wait_until,
)


async def test_a_visitor_runs_lsmod_cannot_save_a_script_and_the_child_ends_with_the_socket(
    server: ServerProcess,
) -> None:
    victim = server.cwd / "victim.txt"  # where `script save victim.txt` would write
    victim.write_text("not yours\n")
    before = victim.stat().st_mtime_ns
    number = server.next_session()
    async with Visitor(server.url) as visitor:
        await visitor.until(lambda s: BANNER in s.text(), 20, "the kernel banner on screen")
        pid = server.session_pid(number)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[:3] == [sys.executable.encode(), b"-I", b"-c"]  # isolated mode
        assert cmdline[4:6] == [str(ROOT).encode(), SERVED_FLAG.encode()]  # the server's moomtui
        assert os.readlink(f"/proc/{pid}/cwd") == "/"  # not the server's folder
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert not [v for v in environ if v.startswith((b"PYTHONPATH=", b"HOME=", b"XDG_"))]
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert re.search(rf"^Max data size +{512 << 20} +{512 << 20} +bytes", limits, re.M)
        assert re.search(r"^Max cpu time +1800 +1805 +seconds", limits, re.M)
        assert re.search(r"^Max core file size +0 +0 +bytes", limits, re.M)

        await visitor.open_console()
        await visitor.type("lsmod\r")
        await visitor.until(
            lambda s: "Used by" in s.text() and "OOM chain: out_of_memory() → oom_kill" in s.text(),
            10,
            "the module list on screen",
        )
        assert re.search(r"^.*oom_kill +\d+ +\d+", visitor.screen.text(), re.M)

        await visitor.type("script save -f victim.txt\r")
        await visitor.until(
            lambda s: "Operation not permitted in a served session" in s.text(),
            10,
            "script save refused",
        )
        assert victim.read_text() == "not yours\n"
        assert victim.stat().st_mtime_ns == before
        assert alive(pid)
    wait_until(lambda: not alive(pid), 10, "gone after its socket closed")
    server.wait_for(rf"^session {number}: ended after")


async def test_a_visitor_who_quits_sees_the_socket_close_and_the_child_end(
    server: ServerProcess,
) -> None:
    number = server.next_session()
    async with Visitor(server.url) as visitor:
        await visitor.until(lambda s: BANNER in s.text(), 20, "the kernel banner on screen")
        pid = server.session_pid(number)
        await visitor.type("q")
        await visitor.until_closed(10)
        assert visitor.close_code == 1000
        wait_until(lambda: not alive(pid), 10, "gone after the app quit")


def test_the_page_fetches_nothing_from_elsewhere(server: ServerProcess) -> None:
    status, kind, body = get(server.url + "/")
    assert status == 200 and kind.startswith("text/html")
    page = body.decode()
    urls = re.findall(r"""(?:src|href)="([^"]+)"|url\("([^"]+)"\)""", page)
    urls = [a or b for a, b in urls]
    assert any(u.endswith(".ttf") for u in urls) and any("favicon" in u for u in urls)
    assert "googleapis" not in page and "http" not in page.replace(server.url, "")
    for url in urls:
        assert url.startswith(server.url + "/"), url
        status, kind, body = get(url)
        assert status == 200 and body, url
    assert get(server.url + "/favicon.svg")[1] == "image/svg+xml"
    assert get(server.url + "/static/")[0] in (403, 404)  # no folder listing


@pytest.mark.slow
async def test_past_the_last_seat_busy_and_stopping_the_server_ends_every_child(
    tmp_path: Path,
) -> None:
    with moomtui_server(tmp_path, "--max-sessions", "2", "--behind-proxy") as srv:
        async with Visitor(srv.url) as one, Visitor(srv.url) as two:
            await one.until(lambda s: BANNER in s.text(), 20, "the first screen")
            await two.until(lambda s: BANNER in s.text(), 20, "the second screen")
            pids = [srv.session_pid(1), srv.session_pid(2)]

            stranger = {"X-Forwarded-For": "198.51.100.7"}  # another visitor (a proxy's word)
            status, _, body = get(srv.url + "/", stranger)
            assert status == 503 and b"all 2 seats are taken" in body
            # the visitor who holds the seats may be reloading: the page, and its websocket
            # waits for a seat the old page gives back
            assert get(srv.url + "/")[0] == 200
            async with Visitor(srv.url) as third:
                await third.until_closed(10)
                assert "moomtui is busy: all 2 seats are taken." in third.screen.text()
                assert third.close_code == 1013  # try again later
            srv.wait_for(r"^busy: refused a session")

            assert srv.stop(signal.SIGTERM) == 0
            for pid in pids:
                assert not alive(pid), pid
            await one.until_closed(5)
            # the visitor is told why, as an idle or a spent session is
            assert "the server was stopped, and every session with it." in one.screen.text()


@pytest.mark.slow
async def test_an_idle_session_is_closed_though_its_page_resizes_and_its_child_ends(
    tmp_path: Path,
) -> None:
    """Only a key is input: a page that resized itself every few seconds kept its session
    (and its seat) for ever."""
    with moomtui_server(tmp_path, "--idle-timeout", "2s") as srv:
        async with Visitor(srv.url) as visitor:
            pid = srv.session_pid(1)
            resizes = 0
            for _ in range(100):  # 30 s at most: the idle timeout is 2 s of the screen's
                resizes += 1
                await visitor.resize(140 + 20 * (resizes % 2), 40)
                await visitor.pump(0.3)
                if visitor.closed:
                    break
            assert visitor.closed and visitor.close_code == 1001, "still open, resized"
            assert resizes > 3
            assert "moomtui: this session was closed after 2s without input." in (
                visitor.screen.text()
            )
            srv.wait_for(r"^session 1: closed after 2s without input")
            wait_until(lambda: not alive(pid), 10, "gone")


@pytest.mark.slow
async def test_a_session_whose_app_reads_no_more_input_is_still_stopped(tmp_path: Path) -> None:
    """An app that stopped reading (hung; here, stopped by SIGSTOP) with its input pipe full
    of a visitor's keys: asking it to quit waited on that pipe for ever, so SIGTERM and
    SIGKILL never came, and the session held its seat and its memory."""
    # The idle clock starts at the first frame: the app is stopped as soon as it drew, the
    # keys follow at once, and the session is closed 4 s after the last of them.
    with moomtui_server(tmp_path, "--idle-timeout", "4s") as srv:
        async with Visitor(srv.url) as visitor:
            await visitor.until(lambda s: BANNER in s.text(), 20, "the first frame")
            pid = srv.session_pid(1)
            os.kill(pid, signal.SIGSTOP)
            for _ in range(4):  # more than the pipe and the server's buffer hold
                await visitor.type("z" * 60_000)
            assert not visitor.closed
            await visitor.until_closed(20)
            srv.wait_for(r"^session 1: closed after 4s without input")
            wait_until(lambda: not alive(pid), 15, "the stopped app gone")
            srv.wait_for(r"^session 1: ended after", 10)


async def test_a_killed_server_takes_its_children_with_it(tmp_path: Path) -> None:
    with moomtui_server(tmp_path) as srv:
        async with Visitor(srv.url) as visitor:
            await visitor.until(lambda s: BANNER in s.text(), 20, "the screen")
            pid = srv.session_pid(1)
            srv.stop(signal.SIGKILL)
            wait_until(lambda: not alive(pid), 5, "gone after its server was killed")


def served_child(**env: str) -> subprocess.Popen[bytes]:
    """A served app as the server starts one, its output in a pipe this test never reads."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TEXTUAL_DRIVER": DRIVER,
        "COLUMNS": "160",
        "ROWS": "48",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "moomtui", SERVED_FLAG],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment,
        start_new_session=True,
    )


def test_a_child_blocked_on_its_full_output_pipe_still_ends_on_sigterm() -> None:
    """Textual's own web driver catches SIGTERM on the asyncio loop, which a blocked write()
    stops: the signal was ignored. A served child dies of it."""
    child = served_child()
    try:
        wait_until(
            lambda: "pipe_write" in Path(f"/proc/{child.pid}/wchan").read_text(),
            20,
            "blocked writing to its full stdout",
        )
        child.send_signal(signal.SIGTERM)
        assert child.wait(5) == -signal.SIGTERM
    finally:
        child.kill()
        child.wait()


def test_a_child_whose_input_ends_leaves() -> None:
    """End of file on stdin: the server has gone (the stock driver's input thread just ended
    and the app ran on, drawing for nobody)."""
    child = served_child()
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"__GANGLION__\n"  # the driver is up
        child.stdin.close()  # type: ignore[union-attr]
        started = time.monotonic()
        while child.poll() is None and time.monotonic() - started < 10:
            child.stdout.read1(65536)  # keep its output flowing while it leaves
        assert child.poll() is not None, "still running 10 s after its input ended"
    finally:
        child.kill()
        child.wait()


def test_serve_without_the_web_extra_says_how_to_get_it() -> None:
    code = (
        "import sys; sys.modules['textual_serve'] = None;"
        "from moomtui.cli import main; sys.exit(main(['serve']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 2
    # The hint names this copy of moomtui and this interpreter's pip (tests/test_install.py
    # has the cases: from an index, from a clone, editable, not installed).
    from moomtui.install import distribution, install_hint

    hint = install_hint("web", distribution())
    assert hint.startswith(f"{shlex.quote(sys.executable)} -m pip install ")
    assert proc.stderr.splitlines() == [
        f"moomtui serve: needs the web extra (textual_serve is missing): {hint}"
    ]


def test_serve_on_a_taken_port_is_one_line(server: ServerProcess) -> None:
    port = server.url.rsplit(":", 1)[1]
    proc = subprocess.run(
        [sys.executable, "-m", "moomtui", "serve", "--port", port],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"moomtui serve: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_a_served_session_opens_only_shipped_presets(tmp_path: Path) -> None:
    own = tmp_path / "mine.toml"
    own.write_text((ROOT / "presets" / "classic-leak.toml").read_text())
    proc = subprocess.run(
        [sys.executable, "-m", "moomtui", SERVED_FLAG, str(own)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"moomtui: {own}: no such preset (shipped presets: ")
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("host", "loud"), [("127.0.0.1", False), ("localhost", False), ("0.0.0.0", True)]
)
def test_listening_beyond_this_machine_is_said_loudly(
    host: str, loud: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    from moomtui.web.server import MoomServer

    MoomServer(host=host, port=8000).announce(8000)
    out, err = capsys.readouterr()
    assert out.startswith(f"moomtui serve: http://{host}:8000  (at most 8 sessions")
    if loud:
        assert err.startswith(f"WARNING: listening on {host}:8000, not only on this machine.")
    else:
        assert err == "" and "Only this machine can connect" in out


def test_the_screen_reader_follows_cursor_moves() -> None:
    screen = Screen(20, 3)
    screen.feed(b"\x1b[?1049h\x1b[2;3H\x1b[1;31mab\x1b[0mc\x1b[1;1Hx\xe2\x94")
    screen.feed(b"\x80")
    assert screen.text() == "x─\n  abc\n"


@pytest.mark.parametrize(
    ("public_url", "page", "socket"),
    [
        (None, "http://10.0.0.5:8000/static/", "ws://10.0.0.5:8000/ws"),
        (
            "https://example.org/moom/",
            "https://example.org/moom/static/",
            "wss://example.org/moom/ws",
        ),
    ],
)
def test_the_page_finds_its_files_where_the_visitor_found_it(
    public_url: str | None, page: str, socket: str
) -> None:
    """Without --public-url, the address the browser used (a LAN address, for --host 0.0.0.0);
    with it, the proxy's."""
    from aiohttp.test_utils import make_mocked_request

    from moomtui.web.server import MoomServer

    server = MoomServer(host="0.0.0.0", public_url=public_url)
    request = make_mocked_request("GET", "/", headers={"Host": "10.0.0.5:8000"})
    assert server._url(request, "/static/") == page
    assert server._url(request, "/ws", websocket=True) == socket


@given(st.integers(1, 24 * 3600))
def test_the_idle_timeout_as_printed_reads_back(seconds: int) -> None:
    """``closed after 1m 30s without input``: ``--idle-timeout '1m 30s'`` is that."""
    from moomtui.web.wording import format_seconds

    assert parse_duration(format_seconds(seconds)) == seconds * HZ
