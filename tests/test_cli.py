"""The moomtui command: headless runs, check, presets; one-line errors, exit 2, no traceback."""

from __future__ import annotations

import errno
import io
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.output import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent


def moomtui(
    *args: str, cwd: Path = ROOT, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moomtui", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("moomtui")
    return lines[0]


def test_presets_lists_the_shipped_presets_with_descriptions() -> None:
    proc = moomtui("presets")
    assert proc.returncode == 0
    keys = [line.split()[0] for line in proc.stdout.splitlines() if not line.startswith(" ")]
    assert "leaky-apache" in keys and "fork-bomb" in keys
    assert keys[-1] == "bench"


def test_check_accepts_names_and_paths_and_fails_with_2(tmp_path: Path) -> None:
    ok = moomtui("check", "fork-bomb", "presets/no-oom.toml")
    assert ok.returncode == 0 and ok.stdout.count(": ok") == 2
    bad = tmp_path / "x.toml"
    bad.write_text('name = "x"\n[[tasks]]\ncomm = "a"\nnice = "high"\n')
    line = one_line_error(moomtui("check", str(bad)))
    assert line.endswith('tasks[0].nice: expected an integer from -20 to 19, got "high"')


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text('name = "x"\n[machine\n')
    line = one_line_error(moomtui("run", str(bad)))
    assert "line 2" in line and "column" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("run", "nope"), "nope: no such preset"),
        (("run", "fork-bomb", "--for", "soon"), "--for"),
        (("run", "fork-bomb", "--set", "machine.cpus=0"), "machine.cpus: expected an integer"),
        (("run", "fork-bomb", "--set", "oops"), "expected KEY=VALUE"),
        (("run", "fork-bomb", "--script", "/nonexistent/s"), "/nonexistent/s"),
        (("--speed", "warp"), "--speed"),
        (("nope",), "nope: no such preset"),
    ],
)
def test_user_errors_are_one_line_with_status_2(args: tuple[str, ...], expected: str) -> None:
    assert expected in one_line_error(moomtui(*args))


def test_bad_script_line_is_reported_at_load_with_its_line_number(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("1s lsmod\n2s frobnicate now\n")
    line = one_line_error(moomtui("run", "fork-bomb", "--script", str(script)))
    assert "s.txt:2" in line


def test_run_is_byte_identical_for_the_same_preset_seed_and_script(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("5s insmod oom_kill_parent\n20s ps aux\n")
    args = ("run", "leaky-apache", "--for", "60s", "--script", str(script))
    first, second = moomtui(*args), moomtui(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "moomsh# ps aux" in first.stdout
    other_seed = moomtui(*args, "--seed", "7")
    assert other_seed.returncode == 0


def test_a_scripted_command_is_echoed_before_what_it_prints(tmp_path: Path) -> None:
    """Issue 24, item 10: ``insmod``'s kernel log line came before ``moomsh# insmod …``,
    the echo written once the command had run. The echo comes first, then what the command
    made the kernel log and what it printed, as at a console."""
    script = tmp_path / "s.txt"
    script.write_text("5s insmod oom_kill_parent\n6s echo hello\n")
    proc = moomtui("run", "leaky-apache", "--for", "10s", "--script", str(script))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    echo = lines.index("moomsh# insmod oom_kill_parent")
    assert lines[echo + 1].endswith("Out of Memory: Installing oom_kill_parent handler")
    assert not any("oom_kill_parent handler" in line for line in lines[:echo])
    assert lines[lines.index("moomsh# echo hello") + 1] == "hello"


def test_json_document_has_the_promised_fields(tmp_path: Path) -> None:
    proc = moomtui("run", "threaded-server", "--for", "60s", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for key in ("jiffies", "meminfo", "modules", "dmesg", "tasks"):
        assert key in doc
    assert doc["modules"] == ["oom_kill"]
    task = doc["tasks"][0]
    for key in (
        "pid",
        "ppid",
        "comm",
        "state",
        "uid",
        "euid",
        "nice",
        "caps",
        "flags",
        "mm",
        "total_vm",
        "rss",
        "swap",
        "utime",
        "stime",
        "start_time",
        "oom_score",
    ):
        assert key in task
    kthread = next(t for t in doc["tasks"] if t["comm"] == "kswapd")
    assert kthread["mm"] is None
    assert "CAP_SYS_RAWIO" in task["caps"]


def test_for_0_runs_no_jiffy_and_trace_writes_json_lines(tmp_path: Path) -> None:
    proc = moomtui("run", "classic-leak", "--for", "0", "--json")
    doc = json.loads(proc.stdout)
    assert doc["ticks"] == 0
    trace = tmp_path / "t.jsonl"
    proc = moomtui("run", "classic-leak", "--for", "90s", "--trace", str(trace))
    assert proc.returncode == 0
    header, *events = (json.loads(line) for line in trace.read_text().splitlines())
    assert header == {
        "moomtui": "trace",
        "version": SCHEMA_VERSION,
        "preset": "classic-leak",
        "seed": 1,
        "hz": 100,
    }
    assert all("jiffies" in e and "event" in e for e in events)
    kinds = {e["event"] for e in events}
    assert {"printk", "out_of_memory", "oom_kill"} <= kinds
    oom = next(e for e in events if e["event"] == "out_of_memory")
    assert {"nr_swap_pages", "free_pages"} <= oom.keys()
    kill = next(e for e in events if e["event"] == "oom_kill")
    assert {"pid", "comm", "module", "reason"} <= kill.keys()


JSON_COMMANDS = {
    "run": ("run", "classic-leak", "--for", "5s", "--json"),
    "compare": (
        "compare",
        "no-oom",
        "--policies",
        "none,oom_kill",
        "--seeds",
        "1",
        "--for",
        "5s",
        "--jobs",
        "1",
        "--json",
    ),
    "postmortem": ("postmortem", "examples/reports/mongod-3.10.txt", "--json"),
    "sweep": ("sweep", "tests/lab/tiny.toml", "--dry-run", "--json"),
    "snapshot": ("snapshot", "--json"),
}


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_every_json_document_starts_with_its_version(command: str) -> None:
    """A program reading moomtui's JSON can tell which layout it reads."""
    proc = moomtui(*JSON_COMMANDS[command])
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert next(iter(doc.items())) == ("version", SCHEMA_VERSION)


def test_every_json_producing_option_is_tested_for_the_version() -> None:
    """A new command with --json joins JSON_COMMANDS."""
    from moomtui.arguments import SUBCOMMANDS, build_sub_parser

    with_json = {
        command
        for command in SUBCOMMANDS
        if any("--json" in a.option_strings for a in build_sub_parser(command)._actions)
    }
    assert with_json == set(JSON_COMMANDS)


# ============================================================ - for standard input
CLASSIC = (ROOT / "presets" / "classic-leak.toml").read_text()


def test_run_dash_reads_the_preset_from_stdin_as_from_its_file() -> None:
    piped = moomtui("run", "-", "--for", "30s", stdin=CLASSIC)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == moomtui("run", "presets/classic-leak.toml", "--for", "30s").stdout
    doc = json.loads(moomtui("run", "-", "--for", "1s", "--json", stdin=CLASSIC).stdout)
    assert doc["preset"] == "The classic leak"  # no file, so no file name: the preset's name


def test_check_dash_names_stdin_in_its_verdicts() -> None:
    ok = moomtui("check", "-", "fork-bomb", stdin=CLASSIC)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0] == "<stdin>: ok (The classic leak)"
    bad = CLASSIC.replace('comm = "leaky"', 'comm = "leaky"\nnice = "high"', 1)
    assert bad != CLASSIC
    line = one_line_error(moomtui("check", "-", stdin=bad))
    assert line.startswith("moomtui: <stdin>: tasks[") and "nice" in line


@pytest.mark.parametrize("command", ["run", "check"])
def test_stdin_is_bounded_like_a_preset_file(command: str) -> None:
    """The cap of moomtui.userfiles: 1 MiB, whatever the pipe holds."""
    big = "# " + "x" * (1 << 20) + "\n" + CLASSIC
    assert one_line_error(moomtui(command, "-", stdin=big)) == "moomtui: <stdin>: larger than 1 MiB"


def test_a_script_can_come_from_stdin_but_not_with_the_preset() -> None:
    proc = moomtui("run", "classic-leak", "--for", "10s", "--script", "-", stdin="2s lsmod\n")
    assert proc.returncode == 0, proc.stderr
    assert "moomsh# lsmod" in proc.stdout
    line = one_line_error(moomtui("run", "fork-bomb", "--script", "-", stdin="1s frobnicate\n"))
    assert line.startswith("moomtui: <stdin>:1: ")
    both = one_line_error(moomtui("run", "-", "--script", "-", stdin=CLASSIC))
    assert both.startswith("moomtui: --script -: standard input is the preset's already")
    twice = one_line_error(moomtui("check", "-", "-", stdin=CLASSIC))
    assert twice == "moomtui: check: - (standard input) can be read only once"


def test_compare_dash_reads_stdin_once_for_every_policy() -> None:
    args = ("--policies", "none,oom_kill", "--seeds", "1", "--for", "30s", "--jobs", "1")
    piped = moomtui("compare", "-", *args, "--csv", stdin=CLASSIC)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == moomtui("compare", "classic-leak", *args, "--csv").stdout


# ============================================================ the screen needs a terminal
def test_the_screen_without_a_terminal_refuses_in_one_line() -> None:
    """Piped, in cron, under nohup: no screen drawn for nobody, a hint instead."""
    line = one_line_error(moomtui())
    assert line == (
        "moomtui: the screen needs a terminal (stdin and stdout are not one); "
        "try 'moomtui run leaky-apache' for a headless run"
    )
    named = one_line_error(moomtui("fork-bomb", "--paused"))
    assert named.endswith("try 'moomtui run fork-bomb' for a headless run")


def test_what_was_typed_is_checked_before_the_terminal() -> None:
    assert "nope: no such preset" in one_line_error(moomtui("nope"))


@pytest.mark.parametrize("tty", ["stdin", "stdout"])
def test_half_a_terminal_is_not_enough_and_the_message_says_which_half(tty: str) -> None:
    import os
    import pty

    main, side = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "moomtui", "classic-leak"],
            cwd=ROOT,
            stdin=side if tty == "stdin" else subprocess.DEVNULL,
            stdout=side if tty == "stdout" else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
        )
    finally:
        os.close(side)
        os.close(main)
    other = "stdout" if tty == "stdin" else "stdin"
    assert proc.returncode == 2
    assert proc.stderr == (
        f"moomtui: the screen needs a terminal ({other} is not one); "
        "try 'moomtui run classic-leak' for a headless run\n"
    )


def test_postmortem_without_a_terminal_still_prints_its_verdicts() -> None:
    proc = moomtui("postmortem", "examples/reports/mongod-3.10.txt")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("report 1 (examples/reports/mongod-3.10.txt:1)")


# ============================================================ COLUMNS when piped
def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("columns", [60, 200])
def test_presets_piped_are_wrapped_to_columns(columns: int) -> None:
    proc = moomtui("presets", env={"COLUMNS": str(columns)})
    assert proc.returncode == 0, proc.stderr
    assert widest(proc.stdout) <= columns
    # nothing lost: the words are the same whatever the width
    assert proc.stdout.split() == moomtui("presets", env={"COLUMNS": "1000"}).stdout.split()
    assert widest(proc.stdout) > columns * 3 // 4  # wrapped near the edge, not far short
    lines = {c: moomtui("presets", env={"COLUMNS": str(c)}).stdout.count("\n") for c in (60, 200)}
    assert lines[60] > lines[200] >= 10


def test_presets_piped_without_columns_fit_80() -> None:
    assert widest(moomtui("presets").stdout) <= 80


@pytest.mark.parametrize("columns", [60, 200])
def test_compare_piped_lays_its_tables_out_for_columns(columns: int) -> None:
    args = ("--policies", "none,oom_kill", "--seeds", "1", "--for", "5s", "--jobs", "1")
    proc = moomtui("compare", "classic-leak", *args, env={"COLUMNS": str(columns)})
    assert proc.returncode == 0, proc.stderr
    assert widest(proc.stdout) <= columns
    # the eleven criteria: beside each other at 200, stacked in more tables than at 80
    tables = proc.stdout.count("┏")
    if columns == 200:
        assert tables == 1
    else:
        assert tables > 3
    assert moomtui("compare", "classic-leak", *args).stdout.count("┏") == 3  # 80 columns


class _Full(io.RawIOBase):
    """A file on a full disk: every write fails as the kernel says ``ENOSPC`` (until the
    disk has room again: what is left is then thrown away)."""

    full = True

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return len(data)


@pytest.mark.parametrize(
    "args", [("presets",), ("run", "classic-leak", "--for", "1s"), ("postmortem", "--print")]
)
def test_output_to_a_full_disk_is_one_line_and_status_1(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``moomtui … > /dev/full``: the output cannot be written, which is not a bug in moomtui
    (it said ``internal error`` and exited 70)."""
    from moomtui.cli import main

    if args[0] == "postmortem":
        args = (*args, str(ROOT / "examples" / "reports" / "mongod-3.10.txt"))
    disk = _Full()
    full = io.TextIOWrapper(io.BufferedWriter(disk), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", full)
    status = main(list(args))
    disk.full = False
    full.close()
    assert status == 1
    assert capsys.readouterr().err == (
        f"moomtui: the output could not be written: {os.strerror(errno.ENOSPC)}\n"
    )


def test_python_m_moomtui_on_an_older_python_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run from a copy of the repository (no pip to check ``requires-python``), an older
    Python met a 3.11 pattern and printed an internal error asking for a bug report."""
    monkeypatch.setattr(sys, "version_info", (3, 10, 13, "final", 0))
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module("moomtui", run_name="__main__")
    assert stopped.value.code == (
        f"moomtui: needs Python 3.11 or newer; this is Python 3.10.13 ({sys.executable})"
    )
