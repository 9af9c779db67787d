"""Bad input is one line naming the line: no report, a truncated table, garbage."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.real.report import ReportError, read_log

from .kformat import T, report

ROOT = Path(__file__).resolve().parents[2]
TASKS = [T(901, "sshd", 288, uid=0, adj=-1000), T(2211, "java", 900000)]


def moomtui(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moomtui", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def error(text: str) -> ReportError:
    with pytest.raises(ReportError) as info:
        read_log(text)
    return info.value


def test_no_report_names_the_last_line() -> None:
    err = error("hello\nworld\n\nnothing to see\n")
    assert err.line == 4
    assert "no kernel OOM report" in err.message


def test_a_table_cut_off_before_the_decision_is_truncated() -> None:
    lines = report("6.x", TASKS, TASKS[1])[:-2]
    err = error("\n".join(lines))
    assert err.line == len(lines)
    assert "truncated" in err.message


def test_a_row_that_does_not_fit_its_header_names_its_line() -> None:
    lines = report("3.6", TASKS, TASKS[1])
    at = next(i for i, line in enumerate(lines) if "sshd" in line)
    lines[at] = "[  901]     0   901     9204      oops"
    err = error("\n".join(lines))
    assert err.line == at + 1
    assert "does not fit the header" in err.message


def test_a_header_without_rows() -> None:
    lines = report("3.6", TASKS, TASKS[1])
    kept = [line for line in lines if not line.startswith("[ ") or "pid" in line]
    err = error("\n".join(kept))
    assert "no rows" in err.message


def test_a_report_cut_before_its_table() -> None:
    lines = report("6.x", TASKS, TASKS[1])
    cut = lines[: next(i for i, line in enumerate(lines) if "pages RAM" in line)]
    assert "truncated" in error("\n".join(cut)).message


def test_random_bytes_are_no_report_not_a_crash() -> None:
    rng = random.Random(14)
    for _ in range(50):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
        text = blob.decode("utf-8", errors="replace")
        with pytest.raises(ReportError):
            read_log(text)


def test_cli_no_report_is_one_line_with_the_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("line one\nline two\n")
    assert one_line(moomtui("postmortem", str(bad))).startswith(
        f"moomtui: {bad}:2: no kernel OOM report"
    )


def test_cli_truncated_table_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cut.txt"
    lines = report("6.x", TASKS, TASKS[1])[:-2]
    bad.write_text("\n".join(lines) + "\n")
    assert one_line(moomtui("postmortem", str(bad), "--json")).startswith(
        f"moomtui: {bad}:{len(lines)}: the task table ends the file"
    )


def test_cli_garbage_on_stdin_is_one_line() -> None:
    line = one_line(moomtui("postmortem", "-", stdin="\x00\x01garbage\n[ pid ] what\n"))
    assert line.startswith("moomtui: <stdin>:2:")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("postmortem", "/nonexistent/report.txt"), "no such file"),
        (("postmortem", "/"), "is a directory"),
        (("postmortem", "examples/reports/java-5.15.txt", "--report", "3"), "has 1 report"),
        (("snapshot", "--proc", "/nonexistent"), "not a Linux /proc"),
    ],
)
def test_cli_user_errors(args: tuple[str, ...], expected: str) -> None:
    assert expected in one_line(moomtui(*args, "--print"))
