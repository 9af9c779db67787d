"""The usual line read without the general loop (moomtui/real/usual.py) reads as the general
path reads it: the same reports, rows, decisions, kills and errors, for lines mixing every
prefix, separators, control characters and odd rows."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real.logread import LogReader
from moomtui.real.report import ReportError
from moomtui.real.scan import Lines
from moomtui.real.usual import KIND, MESSAGE, USUAL

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
