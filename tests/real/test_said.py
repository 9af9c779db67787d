"""A log of many reports: a block an earlier report printed in full is named, not repeated."""

from __future__ import annotations

import json
from pathlib import Path

from moomtui.real import said
from moomtui.real.said import Said

from .kformat import T, report
from .test_breakdown import postmortem

JAVA = T(1500, "java", 500000)
NODE = T(1600, "node", 300000)


def three_reports(tmp_path: Path) -> Path:
    """6.x, 3.6, then 6.x again: the third says what the first said."""
    lines = [
        *report("6.x", [JAVA, NODE], JAVA),
        *report("3.6", [NODE, JAVA], JAVA, score=620),
        *report("6.x", [NODE, JAVA], NODE),
    ]
    path = tmp_path / "kern.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def reports_of(text: str) -> list[str]:
    return text.split("\nreport ")[1:]


def test_a_block_printed_before_is_one_line_naming_the_report(tmp_path: Path) -> None:
    path = three_reports(tmp_path)
    first, second, third = reports_of(postmortem("--print", str(path)))
    assert "  era: version " in first and "  assumed:\n    - " in first
    assert "  era: version " in second  # another kernel, another era
    assert "  era: as for report 1\n" in third
    assert "  assumed: as for report 1\n" in third and "CPU time, start time" not in third
    # --json is data: every report's assumptions and evidence in full.
    data = json.loads(postmortem("--json", str(path)))["reports"]
    assert data[2]["assumptions"] == data[0]["assumptions"] != []
    assert data[2]["era_evidence"] == data[0]["era_evidence"]


def test_one_report_prints_every_block(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("\n".join(report("6.x", [JAVA, NODE], JAVA)) + "\n")
    text = postmortem("--print", str(path))
    assert "as for report" not in text and "  assumed:\n    - " in text


def test_the_blocks_remembered_are_bounded() -> None:
    """Memory that does not grow with the log: the oldest block is forgotten, printed in full
    again when it comes back, and named after its new first report from then on."""
    s = Said()
    assert s.before(("assumed", "a"), 1) is None
    assert s.before(("assumed", "a"), 2) == 1
    for n in range(said.KEEP):
        assert s.before(("note", str(n)), 3 + n) is None
    assert len(s.first) == said.KEEP
    assert s.before(("assumed", "a"), 100) is None  # forgotten: in full again
    assert s.before(("assumed", "a"), 101) == 100
    assert len(s.first) == said.KEEP


def test_several_notes_said_before_are_one_line(tmp_path: Path) -> None:
    """A RHEL 6 kernel (2.6.32 with the 2.6.36 table: a note) in a cpuset OOM (another)."""
    cpuset = "oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=(null),cpuset=/,mems_allowed=0"
    lines = report("2.6.36", [JAVA, NODE], JAVA, kernel="2.6.32-431.el6.x86_64")
    lines.insert(-3, cpuset)
    path = tmp_path / "kern.log"
    path.write_text("\n".join(lines + lines) + "\n")
    first, second = reports_of(postmortem("--print", str(path)))
    assert first.count("  note: ") == 2 and "  notes: as for report 1\n" in second
    assert "  note: " not in second
