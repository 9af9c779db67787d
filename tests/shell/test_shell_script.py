"""Script files: parse_script, format_script and `script save`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moomtui.kernel.units import MAX_DURATION
from moomtui.shell import ScriptError, format_script, parse_script
from moomtui.shell.script import format_time, parse_time

from .helpers import fails, ok, shell

GOOD = """\
# a scenario
0s      insmod oom_kill
2.5s    spawn hog rate=1M/s

250j    sysctl -w kernel.panic=10
1m      echo 5 > /proc/sys/kernel/panic
500ms\tkill -9 1
1m30s   renice 5 1
"""


def test_parse_script_reads_times_and_commands() -> None:
    assert parse_script(GOOD, "storm.txt") == [
        (0, "insmod oom_kill"),
        (250, "spawn hog rate=1M/s"),
        (250, "sysctl -w kernel.panic=10"),
        (6000, "echo 5 > /proc/sys/kernel/panic"),
        (50, "kill -9 1"),
        (9000, "renice 5 1"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0s frobnicate\n", "storm.txt:1: frobnicate: command not found"),
        ("\n# x\nsoon insmod oom_kill\n", "storm.txt:3: bad time 'soon': expected a duration"),
        ("5s\n", "storm.txt:1: no command after the time '5s'"),
        ("1s echo 'open\n", "storm.txt:1: syntax error: No closing quotation"),
        ("1s ps aux | | cat\n", "storm.txt:1: syntax error near unexpected token `|'"),
        ("1s ps aux || cat\n", "storm.txt:1: syntax error: '||' is not supported"),
        ("1s ps aux | grep -Z x\n", "storm.txt:1: grep: invalid option -- Z"),
        ("1s dmesg | frob\n", "storm.txt:1: frob: command not found"),
        ("1s sysctl --bogus\n", "storm.txt:1: sysctl: unrecognized arguments: --bogus"),
        (
            "1s insmod\n",
            "storm.txt:1: Usage: insmod [-fkmpqsvxXyY] [-o module_name] module [symbol=value ...]",
        ),
    ],
)
def test_a_bad_line_fails_at_load_with_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ScriptError) as err:
        parse_script(text, "storm.txt")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_format_script_round_trips_through_parse_script() -> None:
    recorded = [(0, "insmod oom_kill"), (1234, "spawn hog rate=1M/s --comm 'my hog'"), (7, "ps")]
    text = format_script(recorded)
    assert text.splitlines()[1:] == [
        "0.00s insmod oom_kill",
        "12.34s spawn hog rate=1M/s --comm 'my hog'",
        "0.07s ps",
    ]
    assert parse_script(text) == recorded


def test_script_save_then_parse_round_trips(tmp_path: Path) -> None:
    sh = shell()
    ok(sh, "sysctl -w kernel.panic=3")
    ok(sh, "step 1.5s")
    ok(sh, "spawn idle rss=1M --comm 'idle one'")
    ok(sh, "kill -9 7")
    target = tmp_path / "session.txt"
    assert ok(sh, f"script save {target}") == f"saved 4 commands to {target}"
    assert parse_script(target.read_text(), str(target)) == sh.session.recorded
    assert sh.session.recorded[-1] == (150, "kill -9 7")


def test_script_save_refuses_to_overwrite_without_f(tmp_path: Path) -> None:
    sh = shell()
    ok(sh, "uptime")
    target = tmp_path / "s.txt"
    target.write_text("keep me\n")
    assert fails(sh, f"script save {target}") == (
        f"script: {target}: File exists (-f overwrites it)"
    )
    assert target.read_text() == "keep me\n"
    ok(sh, f"script save -f {target}")
    assert parse_script(target.read_text()) == [(0, "uptime")]


def test_script_save_io_error_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "s.txt"
    out = fails(shell(), f"script save {target}")
    assert out == f"script: {target}: No such file or directory"


def test_script_save_writes_only_a_regular_file_and_never_waits(tmp_path: Path) -> None:
    """``script save -f FIFO`` used to open the FIFO for writing and wait for a reader for
    ever: it is refused like every host file that is not a regular file."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sh = shell()
    ok(sh, "uptime")
    assert fails(sh, f"script save -f {fifo}") == f"script: {fifo}: not a regular file (a FIFO)"
    assert fails(sh, f"script save {fifo}") == f"script: {fifo}: File exists (-f overwrites it)"
    assert fails(sh, "script save -f /dev/null") == (
        "script: /dev/null: not a regular file (a character device)"
    )
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_script_save_needs_a_file() -> None:
    assert fails(shell(), "script save", 2).endswith("script: script save needs a FILE")


def test_a_replayed_script_reproduces_the_machine() -> None:
    typed = shell()
    for line in ("spawn hog rate=512K/s limit=2M", "step 3s", "renice 5 7", "step 2s"):
        ok(typed, line)
    replay = shell()
    for ticks, line in parse_script(format_script(typed.session.recorded)):
        replay.kernel.run_for(ticks - replay.kernel.ticks)
        ok(replay, line)
    a, b = typed.kernel.tasks[7], replay.kernel.tasks[7]
    assert (a.mm.rss, a.nice, a.utime) == (b.mm.rss, b.nice, b.utime)
    assert typed.kernel.ticks == replay.kernel.ticks == 500


@given(st.integers(0, MAX_DURATION))
def test_script_times_read_back_exactly(jiffies: int) -> None:
    """``script save`` writes times that the script reads back to the jiffy."""
    assert parse_time(format_time(jiffies)) == jiffies
