"""The usual line read without the general loop (moomtui/real/usual.py) reads as the general
path reads it: the same reports, rows, decisions, kills and errors, for lines mixing every
prefix, separators, control characters and odd rows."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real.logread import LogReader
from moomtui.real.report import RawReport, ReportError
from moomtui.real.scan import Lines
from moomtui.real.usual import KIND, MESSAGE, USUAL

from . import kformat as kf
from .kformat import KERNELS, T, report

TASKS = [
    T(1, "init", 100, uid=0),
    T(901, "sshd", 288, uid=0, swap=72, ptes=17, adj=-1000),
    T(2211, "java", 900000, swap=50000, ptes=1900),
]
BODIES = [report(layout, TASKS, TASKS[2]) for layout in KERNELS]
STAMPS = ["[ 8123.000001] ", "[12.5]", "[ 1.5]\t", "", "[1.0]  ", "[0.5] ", "[7.25] ", "[1.0]"]
NOISE = [
    "",
    " ",
    "_",
    "1,000",
    "#012x",
    "#012Out of memory: Killed process 901 (sshd)",
    "#012Out of memory: Killed process 901 (sshd)",
    "\t",
    "\r",
    "kernel",
    "web01 kernel: ",
    ":",
    "kern  :warn  : ",
    "'",
    "é",
    "[ T12] ",
    "[   77]  1000  77 5 5 5 5 5 x",
    "[   78] 0 78 +5 5 5 5 5 x ",
    "[  pid  ]   uid  tgid total_vm      rss name",
    "-- Boot 3f --",
    "Linux version 6.1",
    "java invoked oom-killer: gfp_mask=0x1, order=0",
    "<4>",
    "> ",
    "\x1b[1m",
    "Out of memory: Killed process 2211 (java)",
]


def read(data: str, fast: bool) -> object:
    reader = LogReader()
    lines = Lines([data.encode()], reader.shared).read(
        reader.text_line, reader.run if fast else None
    )
    try:
        return reader.log(lines)
    except ReportError as err:
        return err.line, err.message


@st.composite
def logs(draw: st.DrawFn) -> str:
    out: list[tuple[str, str]] = []
    for body in draw(st.lists(st.sampled_from(BODIES), min_size=1, max_size=2)):
        stamps = draw(st.lists(st.sampled_from(STAMPS), min_size=1, max_size=3))
        out += [(stamps[i % len(stamps)], line) for i, line in enumerate(body)]
    # noise right after the stamp (-1), or anywhere in the line (a percentage of its length)
    edits = st.tuples(
        st.integers(0, len(out) - 1), st.sampled_from(NOISE), st.just(-1) | st.integers(0, 99)
    )
    for i, noise, at in draw(st.lists(edits, max_size=6)):
        stamp, line = out[i]
        cut = max(0, len(line) * at // 100)
        out[i] = stamp, line[:cut] + noise + line[cut:]
    text = "\n".join(stamp + line for stamp, line in out)
    return text + draw(st.sampled_from(["\n", "", "\r\n"]))


@settings(max_examples=150, deadline=None)
@given(logs())
def test_the_usual_lines_read_as_the_general_path_reads_them(text: str) -> None:
    assert read(text, fast=True) == read(text, fast=False)


def test_a_row_and_a_message_are_told_apart_and_the_rest_left_alone() -> None:
    row = USUAL.match("[    1.000003] [   1000]  1000  1000   900000 0 java")
    assert row is not None and row.lastindex == KIND["row"]
    assert row.group(1, 2, 3) == ("1.000003", "1000", "1000  1000   900000 0 java")
    message = USUAL.match("[1.5] Out of memory: Killed process 1 (a) x")
    assert message is not None and message.lastindex == MESSAGE
    assert message.end() == len("[1.5] ")
    for other in (
        "[1.5]  two spaces",
        "[1.5] kern  :warn  : x",
        "[1.5] <4>x",
        "[1.5] > x",
        "[1.5] [ T1] x",
        "[1.5] -- Boot 3f --",
        "1.5 x",
    ):
        assert USUAL.match(other) is None, other
    for message in ("[1.5] [   1000] 1,000 java", "[1.5] [   1000] 1 java_x", "[1.5] [  1] 1 a "):
        m = USUAL.match(message)  # not a row the fast way: the reader reads it as a message
        assert m is not None and m.lastindex == MESSAGE, message


def test_each_check_of_the_fast_path_sends_to_the_general_path() -> None:
    """A host after the stamp, rsyslog's #012, a tab, a colour, separators, a stamp going
    back: each read as the general path reads it."""
    body = BODIES[5]
    for where, noise in (
        ("Call Trace:", "web01 kernel: Call Trace:"),
        ("Call Trace:", "Call Trace:#012Out of memory: Killed process 901 (sshd)"),
        ("Call Trace:", "Call\tTrace:"),
        ("Call Trace:", "\x1b[1mCall Trace:"),
        ("Mem-Info:", "Mem-Info:\r"),
        ("Mem-Info:", "kern  :warn  : Mem-Info:"),
        ("Call Trace:", "1,000 pages RAM"),
    ):
        lines = [f"[{i}.5] " + (noise if line == where else line) for i, line in enumerate(body)]
        text = "\n".join(lines) + "\n"
        assert read(text, fast=True) == read(text, fast=False), noise
    back = "\n".join(f"[{100 - 50 * (i == 20)}.5] {line}" for i, line in enumerate(body))
    assert read(back, fast=True) == read(back, fast=False)


# --------------------------------------------------------------- a report's usual messages
USUAL_NAMES = ["java", "sshd", "php-fpm7.4", "kernel", "x_1", "a1_2345", "n" * 64, "Comm"]
ODD_NAMES = ["a1_234", "a(b", "kworker/0:1", "(sd-pam)", "-x", "<4>a", "[a]", "n" * 65, "a b"]
NAMES = st.sampled_from([*USUAL_NAMES, *ODD_NAMES, "a#012", "a'1", "a,1"]) | st.text(
    alphabet="ab1_9:#()<>[-]. k'", min_size=1, max_size=8
)


class Fields:
    """Each field of a line usual (what the fast path takes) but at most one, drawn from
    ``odd``: each check of the fast path met on its own."""

    def __init__(self, draw: st.DrawFn, names: tuple[str, ...]) -> None:
        self.draw = draw
        self.odd = draw(st.sampled_from((None, *names)))

    def __call__(self, name: str, usual: list[str], odd: list[str]) -> str:
        return self.draw(st.sampled_from(odd if name == self.odd else usual))

    def name(self) -> str:
        if self.odd != "name":
            return self.draw(st.sampled_from(USUAL_NAMES))
        return self.draw(st.sampled_from(["a1_234", "x_9_999", "kworker/0:1", "a(b", "-x", "a b"]))


@st.composite
def invoked(draw: st.DrawFn) -> str:
    f = Fields(draw, ("name", "mask", "flags", "nodemask", "order", "tail"))
    mask = f("mask", ["201da", "100cca"], ["1_234", "ABCdefg"])
    flags = f("flags", ["", "(GFP_HIGHUSER_MOVABLE)", "(GFP_KERNEL|__GFP_COMP)"], ["(x1_234)"])
    nodemask = f("nodemask", ["", "nodemask=(null), ", "nodemask=0-1, "], ["nodemask=0,100, "])
    order = f("order", ["0", "3", "-1"], ["1_000", "x"])
    tail = f("tail", ["", ", oom_score_adj=0", ", oom_score_adj=-1000"], [", oomkilladj=0"])
    return f"{f.name()} invoked oom-killer: gfp_mask=0x{mask}{flags}, {nodemask}order={order}{tail}"


@st.composite
def cpu(draw: st.DrawFn) -> str:
    f = Fields(draw, ("name", "uid", "pid", "taint", "version", "tail"))
    uid = f("uid", ["", "UID: 0 "], ["UID: x "])
    pid = f("pid", ["1000", "7"], ["-1", "1_000"])
    taint = f("taint", ["Not tainted ", "Tainted: G        W  O      ", "Tainted: "], ["x "])
    version = f("version", ["5.15.0-107-generic", "6.1.0_1", "3.10.0", "4.9-1_2345"], ["4.9-1_234"])
    tail = f("tail", ["", " #117", " #1 SMP PREEMPT_DYNAMIC", "  #1 x"], [" #0122 pages RAM"])
    return f"CPU: 1 {uid}PID: {pid} Comm: {f.name()} {taint}{version}{tail}"


@st.composite
def kill(draw: st.DrawFn) -> str:
    f = Fields(draw, ("name", "who", "verb", "pid", "rest"))
    who = f("who", ["Out of memory: ", "Memory cgroup out of memory: ", ""], ["x: "])
    verb = f("verb", ["Killed", "Kill"], ["kill"])
    pid = f("pid", ["1000", "7", "123456789"], ["-1", "1_000"])
    sizes = ["total-vm:4000kB", "anon-rss:3000kB", "file-rss:0kB", "shmem-rss:0kB"]
    usual = [" score 956 or sacrifice child"] + [" " + ", ".join(sizes[:k]) for k in (1, 3, 4)]
    usual.append(usual[-1] + ", UID:1000 pgtables:40kB oom_score_adj:-1000")
    odd = ["", " score 9 or sacrifice child ", " sharing same memory", " total-vm:1_000kB"]
    return f"{who}{verb} process {pid} ({f.name()}){f('rest', usual, odd)}"


@st.composite
def reports(draw: st.DrawFn) -> str:
    """A few reports of usual and odd messages, each in a layout of its own, mostly in the
    kernel's order (sometimes a line left out, repeated or moved), a stamp now and then
    going back."""
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        layout = draw(st.sampled_from(list(kf.LAYOUTS)))
        head, *rows = kf.table(layout, TASKS)[-len(TASKS) - 1 :]
        cols = head.split("]", 1)[1]
        head = draw(st.sampled_from(["[  pid  ]", "[ pid ]", "[pid]"])) + draw(
            st.sampled_from([cols, cols, cols, cols + " extra", " uid name", cols + "1"])
        )
        body = [draw(invoked()), draw(cpu()), head, *rows, draw(kill())]
        if draw(st.integers(0, 3)) == 0:
            body[draw(st.integers(0, len(body) - 1))] = draw(st.sampled_from(body))
        if draw(st.integers(0, 3)) == 0:  # a line left out
            del body[draw(st.integers(0, len(body) - 1))]
        if draw(st.integers(0, 3)) == 0:  # no first line: the stack trace's header leads
            del body[0]
        lines += body
    at, out = 100, []
    for line in lines:
        at += -2 if draw(st.integers(0, 30)) == 0 else 1  # two seconds back: a new boot
        out.append(f"[{at:5d}.{len(out):06d}] {line}")
    return "\n".join(out) + "\n"


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(reports())
def test_a_reports_usual_messages_read_as_the_general_path_reads_them(text: str) -> None:
    """Each usual message — invoked, the stack trace's header, the table's header, the kill —
    in the names, versions, numbers and order a log may give them, near their edges
    (separators, ``#012``, colons, a name starting as a prefix may)."""
    assert read(text, fast=True) == read(text, fast=False)


def test_each_usual_message_is_told_apart() -> None:
    body = kf.report("4.19", TASKS, TASKS[2])
    kinds = {}
    for line in body:
        m = USUAL.match("[1.5] " + line)
        kinds[line] = m and m.lastindex
    assert kinds[body[0]] == KIND["invoked"]
    assert kinds[body[1]] == KIND["cpu"]
    assert kinds[kf.LAYOUTS["4.19"][0]] == KIND["header"]
    assert kinds[body[-1]] == KIND["kill"]
    for line in ("Call Trace:", "Mem-Info:", "22 total pagecache pages"):
        assert kinds[line] == MESSAGE, line


def test_each_check_of_a_usual_message_sends_to_the_general_path() -> None:
    """Each edge of each usual message, in a whole report: a separator in a name or a
    version, rsyslog's #012, no first line (the stack trace's header leads), the header
    twice, the kill in two lines, a kill without a report, a stamp going back."""
    body = report("4.19", TASKS, TASKS[2])
    cpu_line, kill_line, java_row = body[1], body[-1], body[-3]
    assert java_row.startswith("[   2211]  1000 ")
    cases: list[list[str]] = [
        [body[0].replace("bash", "a1_234"), *body[1:]],
        [body[0], cpu_line.replace("5.4.0-150", "5.4.0-1_234"), *body[2:]],
        [body[0], cpu_line + " #012Killed process 2211 (java)", *body[2:]],
        [body[0], cpu_line.replace("Comm: bash", "Comm: a1_234"), *body[2:]],
        body[1:],  # the stack trace's header before the report: its lead
        [body[0], cpu_line, cpu_line.replace("5.4.0", "6.1.0"), *body[2:]],
        [*body[:-1], kill_line.replace("(java)", "(a1_234)")],
        [
            *body[:-1],
            "Out of memory: Kill process 2211 (java) score 9 or sacrifice child",
            "Killed process 2211 (java) total-vm:4000kB, anon-rss:1kB, file-rss:0kB",
        ],
        [kill_line, *body],  # a kill without a report
        *(  # a row's numbers: signed, not whole, a name with a sign
            [*body[:-3], java_row.replace("  1000 ", f" {number} ", 1), *body[-2:]]
            for number in ("+1000", "-1000", "0x10", "--5", "5-", "-", "1000 2211 g++")
        ),
        [*body[:-2], java_row, *body[-2:]],  # the row twice
        [*body, kill_line],
    ]
    for lines in cases:
        for back in (None, 0, 1, len(lines) - 1):
            stamps = [100 + i - 50 * (i == back) for i in range(len(lines))]
            text = "".join(f"[{s}.5] {line}\n" for s, line in zip(stamps, lines, strict=True))
            assert read(text, fast=True) == read(text, fast=False), (back, lines)


def test_a_report_opened_is_the_one_the_generated_init_builds() -> None:
    """RawReport.opened() sets every field as RawReport(...) would, fresh containers each."""
    kills: dict[int, int] = {1: 2}
    reaped: dict[int, int] = {}
    fast = RawReport.opened(7, 1.5, "web01", "b00t", "Mar 10 11:19:17", kills, reaped)
    slow = RawReport(7, 1.5, host="web01", boot="b00t", time="Mar 10 11:19:17")
    slow.first_kills, slow.reaped = kills, reaped
    for f in dataclasses.fields(RawReport):
        assert getattr(fast, f.name) == getattr(slow, f.name), f.name
        if isinstance(getattr(slow, f.name), (dict, list)) and f.name not in (
            "first_kills",
            "reaped",
        ):
            other = RawReport.opened(7, 1.5, None, None, None, kills, reaped)
            assert getattr(other, f.name) is not getattr(fast, f.name), f.name
    assert fast == slow
