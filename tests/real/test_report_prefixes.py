"""Reports as people paste them: every log prefix, quoting, separators, several per file."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real import prefixes
from moomtui.real.rebuild import rebuild_log
from moomtui.real.report import normalize, read_log

from .kformat import T, report

TASKS = [
    T(901, "sshd", 288, uid=0, swap=72, ptes=17, adj=-1000),
    T(1180, "mongod", 930000, uid=0, swap=60000, ptes=2000),
    T(2211, "java", 900000, swap=50000, ptes=1900),
]


def plain(lines: list[str]) -> list[str]:
    return lines


def dmesg(lines: list[str]) -> list[str]:
    return [f"[{401233 + i / 1000:12.6f}] {line}" for i, line in enumerate(lines)]


def dmesg_human(lines: list[str]) -> list[str]:
    """``dmesg -T``."""
    return [f"[Mon Jan  6 01:49:{i % 60:02d} 2025] {line}" for i, line in enumerate(lines)]


def journal(lines: list[str]) -> list[str]:
    """``journalctl -k``."""
    return [f"Jan 06 01:49:41 web01 kernel: {line}" for line in lines]


def journal_iso(lines: list[str]) -> list[str]:
    """``journalctl -k -o short-iso-precise``."""
    return [f"2025-01-06T01:49:41.123456+01:00 web01 kernel: {line}" for line in lines]


def messages(lines: list[str]) -> list[str]:
    """``/var/log/messages`` with the kernel's own timestamp kept."""
    return [
        f"Jan  6 01:49:41 web01 kernel: [812345.{i:06d}] {line}" for i, line in enumerate(lines)
    ]


def monotonic(lines: list[str]) -> list[str]:
    """``journalctl -k -o short-monotonic``."""
    return [f"[ 8123.{i:06d}] web01 kernel: {line}" for i, line in enumerate(lines)]


def dmesg_x(lines: list[str]) -> list[str]:
    """``dmesg -x``: facility and level first."""
    return [f"kern  :warn  : [ 8123.{i:06d}] {line}" for i, line in enumerate(lines)]


def printk_level(lines: list[str]) -> list[str]:
    """``dmesg -r``: the raw level, and the caller id of newer kernels."""
    return [f"<4>[ 8123.{i:06d}][ T2211] {line}" for i, line in enumerate(lines)]


def quoted(lines: list[str]) -> list[str]:
    """An e-mail reply quoting a dmesg paste."""
    return [f"> {line}" for line in dmesg(lines)]


def quoted_twice(lines: list[str]) -> list[str]:
    return [f"> > {line}" for line in journal(lines)]


def crlf_tabs(lines: list[str]) -> list[str]:
    return [line.replace("    ", "\t") + "\r" for line in dmesg(lines)]


STYLES: list[Callable[[list[str]], list[str]]] = [
    plain,
    dmesg,
    dmesg_human,
    journal,
    journal_iso,
    messages,
    monotonic,
    dmesg_x,
    printk_level,
    quoted,
    quoted_twice,
    crlf_tabs,
]


@pytest.mark.parametrize("style", STYLES, ids=lambda f: f.__name__)
def test_every_prefix_style_gives_the_same_machine(style: Callable[[list[str]], list[str]]) -> None:
    lines = report("3.6", TASKS, TASKS[2], score=412, ram=2097152, reserved=50000)
    (machine,) = rebuild_log(read_log("\n".join(style(lines))), "r")
    assert machine.kernel == "3.10.0-1160.el7.x86_64"
    assert [(t.pid, t.comm, t.rss, t.swap, t.pgtables) for t in machine.tasks] == [
        (t.pid, t.name, t.rss, t.swap, t.ptes) for t in TASKS
    ]
    assert machine.totalram == 2097152 - 50000
    assert machine.decision is not None and machine.decision.pid == 2211
    assert machine.decision.score == 412


def test_the_dmesg_timestamp_is_the_uptime() -> None:
    (machine,) = rebuild_log(read_log("\n".join(dmesg(report("3.6", TASKS, TASKS[2])))), "r")
    assert machine.uptime == pytest.approx(401233.0)


@pytest.mark.parametrize("sep", [",", "'", "\u00a0", "\u202f", "_"])
def test_thousands_separators_inside_numbers(sep: str) -> None:
    lines = report("6.x", TASKS, TASKS[2], ram=2097152)
    grouped = [
        line.replace("2097152", f"2{sep}097{sep}152").replace("930000", f"930{sep}000")
        for line in lines
    ]
    assert any(f"930{sep}000" in line for line in grouped)
    (machine,) = rebuild_log(read_log("\n".join(grouped)), "r")
    assert machine.ram_pages == 2097152
    assert machine.task(1180) is not None and machine.task(1180).rss == 930000  # type: ignore[union-attr]


def test_separators_do_not_join_separate_fields() -> None:
    text, _ = normalize("gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, x=1,234")
    assert text.endswith("order=0, x=1234")


def test_several_reports_in_one_file_are_each_read() -> None:
    first = report("4.19", TASKS, TASKS[2])
    second = report("4.19", TASKS[:2], TASKS[1])
    noise = ["systemd[1]: app.service: A process of this unit has been killed by the OOM killer."]
    log = read_log("\n".join(journal([*first, *noise, *second])))
    machines = rebuild_log(log, "r")
    assert [len(m.tasks) for m in machines] == [3, 2]
    assert [m.decision.pid for m in machines if m.decision] == [2211, 1180]
    assert machines[1].killed_earlier(2211) and not machines[0].killed_earlier(2211)
    assert not machines[1].killed_earlier(1180)  # killed by the second report itself
    assert machines[0].first_kills is machines[1].first_kills  # one for the log, not a copy


def test_lines_of_other_messages_inside_a_table_are_passed_over() -> None:
    lines = report("4.19", TASKS, TASKS[2])
    at = next(i for i, line in enumerate(lines) if "mongod" in line)
    lines.insert(at, 'audit: type=1400 audit(1736124581.123:42): apparmor="DENIED"')
    (machine,) = rebuild_log(read_log("\n".join(dmesg(lines))), "r")
    assert [t.pid for t in machine.tasks] == [901, 1180, 2211]


def test_rsyslog_escaped_newlines_split_lines() -> None:
    lines = report("3.6", TASKS, TASKS[2])
    joined = [*lines[:4], "#012".join(lines[4:8]), *lines[8:]]
    (machine,) = rebuild_log(read_log("\n".join(messages(joined))), "r")
    assert machine.meminfo["inactive_anon"] == 900000


def test_kills_without_a_report_are_counted_not_rebuilt() -> None:
    """A 2.4 kernel's single line, and a ratelimited dump_header(): no table to rebuild."""
    lines = [
        "Out of Memory: Killed process 300 (httpd).",
        "Out of memory: Kill process 301 (httpd) score 12 or sacrifice child",
        "Killed process 301 (httpd) total-vm:20480kB, anon-rss:4096kB, file-rss:0kB",
        *report("3.6", TASKS, TASKS[2]),
    ]
    log = read_log("\n".join(dmesg(lines)))
    assert len(log.reports) == 1
    assert [(d.pid, d.killed_pid) for d in log.bare_kills] == [(None, 300), (301, 301)]


PIECES = [
    "[ 8123.000001] ",
    "[12.5]",
    "[ 1.5]\t",
    "<4>",
    "> ",
    " > ",
    ">",
    "kern  :warn  : ",
    "a:b:",
    "Jan  6 01:49:41 web01 kernel: ",
    "2025-01-06T01:49:41.123+01:00 h kernel: ",
    "web01 kernel: ",
    "kernel",
    "[Mon Jan  6 01:49:41 2025] ",
    "[ T2211]",
    "[C1]",
    "[  pid  ]   uid name",
    "[   1000]  1000 java",
    "java invoked oom-killer: gfp_mask=0x1, order=0",
    "Out of memory: Killed process 1 (a)",
    "1,234",
    "x_y 1'000",
    "é",
    "\u00a0",
    "[",
    "]",
    " ",
    ":",
    "\t",
    "\r",
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["[ 8123.000001] ", "[12.5]", "[ 1.5]\t", ""]),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=6),
)
def test_a_dmesg_line_is_stripped_as_the_general_loop_strips_it(
    stamp: str, pieces: list[str]
) -> None:
    """The usual line (a stamp, then a message no prefix may start) skips the loop: what is
    left and the stamp are the loop's, for any mix of prefixes and text after it."""
    raw = stamp + "".join(pieces)
    line = raw[: prefixes.MAX_LINE].rstrip("\r\n").replace("\t", " ")
    pos, time = prefixes.strip_prefixes(line, "kernel" in line, ":" in line)
    assert normalize(raw) == (prefixes.ungrouped(line[pos:]), time)
