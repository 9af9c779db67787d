"""Mangled reports: the reader either rebuilds a machine or says which line is wrong."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.presets import parse_preset
from moomtui.real.preset import machine_preset
from moomtui.real.rebuild import rebuild_log
from moomtui.real.report import ReportError, read_log
from moomtui.real.verdict import judge

from .kformat import LAYOUTS, T, report

TASKS = [
    T(901, "sshd", 288, uid=0, swap=3, ptes=17, adj=-1000),
    T(1180, "mongod", 930, uid=0, swap=60, ptes=2),
    T(2211, "java", 900, swap=50, ptes=1),
]

edits = st.lists(
    st.tuples(
        st.sampled_from(["drop", "dup", "cut", "junk", "swap"]),
        st.integers(0, 10_000),
        st.text(max_size=12),
    ),
    max_size=6,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(layout=st.sampled_from(sorted(LAYOUTS)), changes=edits)
def test_mangled_reports_rebuild_or_name_a_line(
    fuzz_examples: Counter[str], layout: str, changes: list[tuple[str, int, str]]
) -> None:
    fuzz_examples["mangled OOM reports"] += 1
    lines = report(layout, TASKS, TASKS[2], score=3, ram=8192, reserved=100)
    for what, where, junk in changes:
        i = where % len(lines)
        if what == "drop":
            del lines[i]
        elif what == "dup":
            lines.insert(i, lines[i])
        elif what == "cut":
            lines[i] = lines[i][: where % (len(lines[i]) + 1)]
        elif what == "junk":
            lines[i] = lines[i][: where % 7] + junk + lines[i][where % 7 :]
        else:
            j = (where // 7) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            lines = ["x"]
    text = "\n".join(lines)  # junk may hold a line break: count lines as the reader does
    try:
        log = read_log(text)
    except ReportError as err:
        assert 1 <= err.line <= len(text.removesuffix("\n").split("\n"))
        assert "\n" not in err.message
        return
    for machine in rebuild_log(log, "fuzz"):
        judge(machine)
        parse_preset(machine_preset(machine, "fuzz").text, "fuzz.toml")
