"""The report reader on hostile input: linear in reports and lines, and what it reads unchanged.

The patterns that backtracked for minutes on one long line were rewritten
(moomtui/real/report.py and prefixes.py); the old ones are kept here as an oracle and both read
generated lines — short ones, which the old patterns could finish — to the same result. The one
difference is deliberate: a task name in the stack trace's header is read up to 64
characters (the kernel's has at most 15), where the old pattern took any length. The oracle
has the rules added since written the same plain way: a line indented as a whole, a log
viewer's gutter, a syslog line with an empty host name, terminal escapes.
"""

from __future__ import annotations

import gc
import io
import random
import re
import tracemalloc
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moomtui.cli import main
from moomtui.kernel import units
from moomtui.real import prefixes as P
from moomtui.real import report as R
from moomtui.real.logread import read_text
from moomtui.real.rebuild import rebuild_log
from moomtui.shell import cmd_tasks

from ..fixtures import load_bench
from ..test_patterns import Checker

# ------------------------------------------------------------------ the old patterns, an oracle
OLD_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
OLD_SYSLOG = re.compile(
    r"^(?:[A-Z][a-z]{2}[ \t]+\d{1,2}[ \t]+\d{1,2}:\d{2}:\d{2}(?:\.\d+)?|"
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
    r"[ \t]+(?:\S+[ \t]+)?kernel(?:\[\d+\])?:[ \t]?"
)
OLD_INDENT = re.compile(r"^ +")
OLD_GUTTER = re.compile(r"^ *\d{1,9} ?[|\u2502] ?")
OLD_ANSI = re.compile(r"\x1b\[[0-9;]*m")
OLD_HOST_KERNEL = re.compile(r"^[\w.-]+[ \t]+kernel(?:\[\d+\])?:[ \t]?")
OLD_FACILITY = re.compile(r"^[a-z]+[ \t]*:[a-z]+[ \t]*:[ \t]?")
OLD_LEVEL = re.compile(r"^<\d>")
OLD_STAMP = re.compile(r"^\[[ \t]*(\d+\.\d+)\][ \t]?")
OLD_HUMAN_STAMP = re.compile(r"^\[[^\]\[]*\d{1,2}:\d{2}:\d{2}[^\]\[]*\][ \t]?")
OLD_CALLER = re.compile(r"^\[[ \t]*[TC]\d+\][ \t]?")
OLD_INVOKED = re.compile(
    r"^(?P<comm>.*?) invoked oom-killer: gfp_mask=(?P<gfp>0x[0-9a-fA-F]+)\S*?,"
    r"(?:\s*nodemask=.*?,)?\s*order=(?P<order>-?\d+)"
    r"(?:,\s*oom(?:kill)?adj=(?P<oom_adj>-?\d+))?(?:,\s*oom_score_adj=(?P<adj>-?\d+))?"
)
OLD_CPU = re.compile(
    r"(?:CPU: \d+ (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: |Pid: (?P<pid2>\d+), comm: )"
    r"(?P<comm>.+?)\s+(?:Kdump: \S+\s+)?(?:Not tainted|Tainted: [A-Z ]*?)\s*"
    r"(?P<version>\d+\.\d+\S*)"
)
OLD_MEMCG_FILE = re.compile(
    r"^(memory\.max|memory\.swap\.max|swap\.max|memory\.limit_in_bytes|"
    r"memory\.memsw\.limit_in_bytes)\s*[:=]?\s*(\S+)$"
)
OLD_KEYVALS = re.compile(r"(\w+):(\d+)(?=\s|$)")
OLD_KILL = re.compile(
    r"^(?:(?P<message>[A-Za-z][^:]*?(?:\([a-z_]+\))?):\s*)?"
    r"(?P<verb>[Kk]ill|[Kk]illed) process (?P<pid>\d+)(?:, UID \d+,)? "
    r"\((?P<comm>.*)\)(?P<rest>(?:\s+(?:score|total-vm|sharing|or|and)\b.*|[.,]?\s*))$"
)
OLD_PANIC = re.compile(
    r"(Kernel panic - not syncing: .*[Oo]ut of [Mm]emory.*|"
    r"Out of memory and no killable processes.*|System is deadlocked on memory)"
)
OLD_HEADER = re.compile(r"^\[\s*pid\s*\]\s+(?P<cols>.*\S)\s*$")
OLD_ROW = re.compile(r"^\[\s*(?P<pid>\d+)\]\s+(?P<rest>.*)$")
OLD_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", re.ASCII)
OLD_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|j|jiffies)?\s*", re.ASCII)
OLD_TOML_INT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*", re.ASCII)


def old_normalize(raw: str) -> tuple[str, float | None]:
    line = OLD_ANSI.sub("", raw.rstrip("\r\n").replace("\t", " "))
    line = OLD_GUTTER.sub("", line, count=1)
    stamp: float | None = None
    while True:
        before = line
        line = OLD_INDENT.sub("", line, count=1)
        line = OLD_QUOTE.sub("", line, count=1)
        line = OLD_SYSLOG.sub("", line, count=1)
        line = OLD_FACILITY.sub("", line, count=1)
        line = OLD_LEVEL.sub("", line, count=1)
        m = OLD_STAMP.match(line)
        if m is not None:
            stamp = float(m[1]) if stamp is None else stamp
            line = line[m.end() :]
            line = OLD_HOST_KERNEL.sub("", line, count=1)
        line = OLD_HUMAN_STAMP.sub("", line, count=1)
        line = OLD_CALLER.sub("", line, count=1)
        if line == before:
            break
    while True:
        collapsed = P._THOUSANDS.sub("", line)
        if collapsed == line:
            return line.strip(), stamp
        line = collapsed


def old_summary(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ("constraint", "oom_memcg", "task_memcg", "task", "pid", "uid"):
        m = re.search(rf"(?:^|,){key}=(.*?)(?=,\w+=|,global_oom|$)", body)
        if m is not None:
            out[key] = m[1]
    if re.search(r"(?:^|,)global_oom(?:,|$)", body):
        out["global_oom"] = "1"
    return out


FRAGMENTS = [
    " ",
    "  ",
    "\t",
    ")",
    "(",
    ",",
    ", ",
    ":",
    "=",
    "[",
    "]",
    "a",
    "x_y",
    "0",
    "12",
    "1,234",
    "Kernel panic - not syncing: ",
    "out of memory",
    "Out of Memory",
    "Out of memory and no killable processes",
    "System is deadlocked on memory",
    "java invoked oom-killer: ",
    " invoked oom-killer: ",
    "gfp_mask=0x1a",
    "(GFP_KERNEL)",
    "gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), ",
    "nodemask=(null),",
    "nodemask=0,2-3,",
    "nodemask=a b,",
    "order=0",
    "order=-1",
    ", oom_score_adj=0",
    ", oom_adj=0",
    ", oomkilladj=3",
    " score 12",
    " total-vm:12kB",
    "CPU: 1 PID: 2 Comm: ",
    "Pid: 3, comm: ",
    "Kdump: loaded ",
    "UID: 0 ",
    "Not tainted ",
    "Tainted: G  ",
    "OE ",
    "5.15.0-107-generic",
    "2.6.32",
    "[Mon Jan  6 01:49:41 2025] ",
    "<4>",
    "> ",
    "> > ",
    "kern  :warn  : ",
    "[ T12] ",
    "[  812.5] ",
    "Jan  6 01:49:41 web01 kernel: ",
    "2025-01-06T01:49:41.123+01:00 web01 kernel: ",
    "web01 kernel: ",
    "a:1",
    "x_y:22 ",
    "memory.max",
    "memory.swap.max",
    " 512M",
    "max",
    "Killed process 12 (a b)",
    "Kill process 3 (c)",
    " or sacrifice child",
    "Memory cgroup out of memory: ",
    "Out of memory (oom_kill_allocating_task): ",
    ", UID 1000,",
    "[ pid ]",
    "[  pid  ]",
    "   uid  tgid total_vm      rss name",
    "[  12]",
    "[ 1234]",
    "constraint=CONSTRAINT_NONE",
    ",nodemask=(null)",
    ",task=a",
    ",pid=3",
    ",uid=0",
    ",global_oom",
    ",oom_memcg=/x",
]
lines = st.lists(st.sampled_from(FRAGMENTS), max_size=10).map("".join)


def _kill_tuple(m: re.Match[str] | None) -> object:
    if m is None:
        return None
    return (m["message"], m["verb"], m["pid"], m["comm"], m["rest"])


@pytest.mark.slow
@settings(
    max_examples=3000,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(lines)
def test_the_rewritten_patterns_read_what_the_old_ones_read(line: str) -> None:
    assert R.normalize(line) == old_normalize(line)
    text = R.normalize(line)[0]
    m = OLD_INVOKED.search(text)
    invoker = R._invoker(text)
    if m is None:
        assert invoker is None
    else:
        assert invoker is not None
        adj = int(m["adj"]) if m["adj"] is not None else None
        assert (invoker.comm, invoker.gfp_mask, invoker.order, invoker.oom_score_adj) == (
            m["comm"].strip(),
            m["gfp"],
            int(m["order"]),
            adj,
        )
    old, new = OLD_CPU.search(text), R._CPU.search(text)
    if old is None or len(old["comm"]) <= 64:
        assert (old and old.group("pid", "pid2", "version")) == (
            new and new.group("pid", "pid2", "version")
        )
    old_panic = OLD_PANIC.search(text)
    assert R._panic(text) == (old_panic[1] if old_panic else None)
    kill = R._kill(text)
    new_kill = None
    if kill is not None:
        km, comm, rest = kill
        new_kill = (km.groupdict().get("message"), km["verb"], km["pid"], comm, rest)
    assert new_kill == _kill_tuple(OLD_KILL.search(text))
    for old_p, new_p in (
        (OLD_MEMCG_FILE, R._MEMCG_FILE),
        (OLD_HEADER, R._HEADER),
        (OLD_ROW, R._ROW),
    ):
        a, b = old_p.match(text), new_p.match(text)
        assert (a and a.groups()) == (b and b.groups())
    assert R._KEYVALS.findall(text) == OLD_KEYVALS.findall(text)
    body = text.partition("oom-kill:")[2] or text
    assert R._summary(body) == old_summary(body)


@pytest.mark.slow
@settings(max_examples=2000, derandomize=True, deadline=None)
@given(st.text(alphabet=" \t0123456789.kKmMgGbBsjhiefp_+-x", max_size=14))
def test_the_rewritten_unit_patterns_take_what_the_old_ones_took(text: str) -> None:
    old, new = OLD_SIZE.fullmatch(text), units._SIZE.fullmatch(text)
    assert (old and (old[1], old[2])) == (new and (new[1], new[2] or ""))
    old, new = OLD_DURATION.fullmatch(text), units._DURATION.fullmatch(text)
    assert (old and old.groups()) == (new and new.groups())
    assert bool(OLD_TOML_INT.fullmatch(text)) == bool(cmd_tasks._TOML_INT.fullmatch(text))


# ------------------------------------------------------------------ linear in lines and reports
def test_a_line_is_read_up_to_its_first_64_kib() -> None:
    line = "[  812.5] memory.max" + " " * (1 << 20) + "512M"
    text, stamp = R.normalize(line)
    assert stamp == 812.5 and len(text) <= P.MAX_LINE and text == "memory.max"


def reports(n: int) -> str:
    """``n`` small reports of a 5.15 kernel, each killing its own java: ``bench/hostile.py``'s
    generator, the one its 10,000-report case reads."""
    return load_bench("hostile").reports(n)


class _Discard(io.StringIO):
    """stdout that keeps nothing: what is measured is postmortem's memory, not its output."""

    def write(self, text: str) -> int:
        return len(text)


def _peak(tmp_path: Path, kills: int, n: int, mode: str) -> int:
    """The peak memory of ``postmortem`` on ``kills`` kills printed without a report (a
    ratelimited log) followed by ``n`` reports."""
    path = tmp_path / f"{kills}-{n}.txt"
    history = "".join(f"Out of memory: Killed process {10**6 + i} (x)\n" for i in range(kills))
    path.write_text(history + reports(n))
    tracemalloc.start()
    try:
        with redirect_stdout(_Discard()):
            assert main(["postmortem", mode, str(path)]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["--print", "--json"])
def test_a_report_costs_a_few_kilobytes_whatever_came_before(tmp_path: Path, mode: str) -> None:
    """8,000 reports took 2 GB: each report kept a set of every kill before it, so after
    5,000 kills each report cost 530 KB more. Now one costs the same few kilobytes (its
    lines and what was read of them) whatever the history; each machine is judged, printed
    and forgotten."""
    extra = _peak(tmp_path, 5000, 160, mode) - _peak(tmp_path, 5000, 40, mode)
    assert extra / 120 < 20_000, extra / 120


def _mangled(n: int) -> str:
    """``reports(n)`` with a line of random fragments after each of its lines."""
    rnd = random.Random(n)
    out = []
    for line in reports(n).splitlines():
        out.append(line)
        stamp = line[: line.index("]") + 1]
        out.append(f"{stamp} " + "".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randrange(9))))
    return "\n".join(out) + "\n"


def test_reading_a_log_leaves_nothing_for_the_collector() -> None:
    """postmortem turns the collector off while it reads (moomtui/real/cli.py): reading,
    hostile lines in every report and all, makes no reference cycle, so memory does not
    wait for a collection, whatever the log's size."""

    def unreachable(text: str) -> tuple[int, int]:
        gc.collect()
        gc.disable()
        try:
            log = read_text(text)
            return gc.collect(), len(log.reports) + len(log.skipped)
        finally:
            gc.enable()

    for n in (50, 400):
        left, read = unreachable(_mangled(n))
        assert read > n // 2 and left == 0


def test_postmortem_gives_the_collector_back_as_it_found_it(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(reports(3))
    bad.write_text("nothing here\n")
    for path, status in ((good, 0), (bad, 2), (tmp_path / "none.txt", 2)):
        for collecting in (True, False):
            (gc.enable if collecting else gc.disable)()
            try:
                with redirect_stdout(_Discard()), redirect_stderr(_Discard()):
                    assert main(["postmortem", "--print", str(path)]) == status
                assert gc.isenabled() is collecting
            finally:
                gc.enable()


def test_rebuilt_machines_hold_no_copy_of_the_history() -> None:
    def held(kills: int) -> int:
        history = "".join(f"Out of memory: Killed process {10**6 + i} (x)\n" for i in range(kills))
        log = R.read_log(history + reports(100))
        tracemalloc.start()
        try:
            machines = rebuild_log(log, "r")
            assert len(machines) == 100
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    assert held(4000) < 1.2 * held(1000)


def test_the_log_keeps_one_mapping_of_kills_for_every_report() -> None:
    log = R.read_log(reports(50))
    machines = rebuild_log(log, "r")
    assert all(m.first_kills is log.first_kills for m in machines)
    assert machines[10].killed_earlier(1005) and not machines[10].killed_earlier(1010)


# ------------------------------------------------------------------ where a pattern is tried
def _first_characters(pattern: re.Pattern[str]) -> set[str]:
    """Every character a match of ``pattern`` may start with (of the first 12,288 code
    points and those it names), as tests/test_patterns.py reads it."""
    checker = Checker(pattern.pattern, pattern.flags, scans=False)
    assert not checker.nullable(checker.tree, checker.flags), "matches an empty string"
    bits = checker.first(checker.tree, checker.flags)
    return {c for i, c in enumerate(checker.alphabet.chars) if bits >> i & 1}


ONLY_THERE = [
    (P._QUOTE, P._QUOTE_START | {"\t"}),  # normalize has replaced the tabs
    (P._FACILITY, P._FACILITY_START),
    (P._LEVEL, {"<"}),
    (P._STAMP, {"["}),
    (P._BRACKETED, {"["}),
    (P._CALLER, {"["}),
]
"""Patterns the reader tries only where a character of the set is."""
THERE_OR_NOT_ASCII = [
    (P._SYSLOG, P._SYSLOG_START),
    (P._HOST_KERNEL, P._HOST_START),
    *(
        (p, R._FACT_STARTS)
        for p in (
            R._PAGES,
            R._SWAP,
            R._BUDDY,
            R._MEMCG,
            R._MEMCG_FILE,
            R._TASK_IN,
            R._MEMCG_STATS,
            R._TASKS_STATE,
            R._SUMMARY,
        )
    ),
]
"""Patterns the reader tries where a character of the set is, or one outside ASCII."""


@pytest.mark.parametrize(("pattern", "starts"), ONLY_THERE)
def test_a_prefix_is_tried_wherever_it_can_start(
    pattern: re.Pattern[str], starts: set[str]
) -> None:
    assert _first_characters(pattern) <= starts


@pytest.mark.parametrize(("pattern", "starts"), THERE_OR_NOT_ASCII)
def test_a_line_is_tried_wherever_it_can_start(pattern: re.Pattern[str], starts: set[str]) -> None:
    assert {c for c in _first_characters(pattern) if c.isascii()} <= starts
