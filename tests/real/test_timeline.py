"""A log of many OOMs: a timeline first (when, where, who died, which era's rule, the repeat
victims), then each report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real.report import read_log
from moomtui.real.timeline import HOST, WHERE, Row, Timeline, _tail, _when
from moomtui.text import one_line

from .kformat import T, decision, report, table
from .test_breakdown import postmortem

JAVA = T(1500, "java", 500000)
NODE = T(1600, "node", 300000)
JAVA2 = T(1700, "java", 400000)


def stamped(lines: list[str], at: float) -> list[str]:
    return [f"[{at:12.6f}] {line}" for line in lines]


def memcg_report() -> list[str]:
    """A cgroup v2 OOM of 4.19–5.x (its decision names the cgroup)."""
    victim = T(2100, "ev\x1b[2Jil", 250000)
    return [
        "worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
        "CPU: 1 PID: 2100 Comm: worker Not tainted 5.4.0-150-generic #167",
        "memory: usage 1048576kB, limit 1048576kB, failcnt 12",
        "swap: usage 0kB, limit 0kB, failcnt 0",
        *table("4.19", [victim]),
        *decision("4.19", victim, memcg=True),
    ]


def the_log() -> str:
    lines = [
        *stamped(report("6.x", [JAVA, NODE], JAVA), 100.5),
        *stamped(memcg_report(), 180.25),
        *stamped(report("3.6", [NODE, JAVA2], JAVA2, score=400), 3600.0),
        *report("4.0", [NODE, JAVA2], NODE, score=300),  # pasted without timestamps
    ]
    return "\n".join(lines) + "\n"


def test_every_report_is_a_row_in_order_with_its_repeat_victims() -> None:
    t = Timeline.of(read_log(the_log()))
    rows = [(r.number, r.uptime, r.where, r.cgroup, r.pid, r.comm, r.nth, r.rule) for r in t.rows]
    assert rows == [
        (1, 100.5, "global", "/app", 1500, "java", 1, "5.9–6.x"),  # task_memcg=/app
        (2, 180.25, "/app", None, 2100, "ev\x1b[2Jil", 1, "5.3–5.8"),
        (3, 3600.0, "global", None, 1700, "java", 2, "3.6–3.13"),
        (4, None, "global", None, 1600, "node", 1, "3.14–4.16"),
    ]
    assert t.repeats() == [("java", 2)]


def test_the_print_starts_with_the_timeline_shown_safely(tmp_path: Path) -> None:
    path = tmp_path / "kern.log"
    path.write_text(the_log())
    text = postmortem("--print", str(path))
    head = text.split("\n\n", 1)[0].splitlines()
    assert head[0] == "timeline: 4 OOM reports"
    assert head[2].split() == ["1", "[100.500]", "global", "/app", "1500", "(java)", "5.9–6.x"]
    assert "2100 (ev\\x1b[2Jil)" in head[3] and "\x1b" not in text
    assert head[4].split()[-4:] == ["1700", "(java)", "#2", "3.6–3.13"]
    assert "line " in head[5]  # no timestamp: its line in the file
    assert head[6] == "  killed more than once: java ×2"
    assert text.index("timeline:") < text.index("report 1 (")


def test_one_report_has_no_timeline_and_json_always_has_one(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("\n".join(report("6.x", [JAVA, NODE], JAVA)) + "\n")
    assert "timeline" not in postmortem("--print", str(path))
    doc = json.loads(postmortem("--json", str(path)))
    assert doc["timeline"]["reports"][0]["killed"] == {"pid": 1500, "comm": "java", "nth": 1}
    path.write_text(the_log())
    doc = json.loads(postmortem("--json", str(path)))
    assert [r["where"] for r in doc["timeline"]["reports"]] == [
        "global",
        "/app",
        "global",
        "global",
    ]
    assert [r["task_memcg"] for r in doc["timeline"]["reports"]] == ["/app", None, None, None]
    assert doc["timeline"]["repeat_victims"] == [{"comm": "java", "killed": 2}]


def test_a_central_log_shows_each_report_s_host_and_the_wall_clock_it_was_logged_at() -> None:
    """Two hosts interleaved in one syslog: each row says which host, and when as the log
    wrote it (syslog has no dmesg time)."""
    web = [f"Mar 10 11:19:17 web01 kernel: {line}" for line in report("6.x", [JAVA], JAVA)]
    db = [f"Mar 10 11:20:05 db-\x1b]0;x\x07 kernel: {line}" for line in report("6.x", [NODE], NODE)]
    lines = [line for pair in zip(web, db, strict=False) for line in pair]
    lines += web[len(db) :] + db[len(web) :]
    t = Timeline.of(read_log("\n".join(lines) + "\n"))
    assert [(r.host, r.time, r.comm) for r in t.rows] == [
        ("web01", "Mar 10 11:19:17", "java"),
        ("db-\x1b]0;x\x07", "Mar 10 11:20:05", "node"),
    ]
    text = t.lines(lambda s: s.encode("unicode_escape").decode())
    assert text[0] == "timeline: 2 OOM reports from 2 hosts"
    assert "Mar 10 11:19:17  web01" in text[2] and "1500 (java)" in text[2]
    assert "db-\\x1b]0;x\\x07" in text[3] and "\x1b" not in "".join(text)
    assert [d["host"] for d in t.json()["reports"]] == ["web01", "db-\x1b]0;x\x07"]


def test_report_10000_and_on_keep_the_timelines_columns() -> None:
    t = Timeline.of(read_log(the_log()))
    t.rows[2] = t.rows[2]._replace(number=9999)  # a NamedTuple's own copy-with
    t.rows[3] = t.rows[3]._replace(number=12345)
    lines = t.lines(str)
    head, rows = lines[1], lines[2:6]
    assert head.startswith("      # ") and rows[3].startswith("  12345 ")
    assert {row.index(" global ") for row in rows if " global " in row} == {head.index(" where")}


def lines_row_by_row(t: Timeline, name: Callable[[str], str]) -> list[str]:
    """The timeline as it was written before each row took one format (its reference)."""
    rows = t.rows
    hosts = {r.host for r in rows}
    several = len(hosts) > 1
    whens = [_when(r, name) for r in rows]
    width = max([14, *map(len, whens)])
    shown = [_tail(name(r.host or "-"), HOST) for r in rows] if several else []
    host = max([4, *map(len, shown)]) if several else 0
    digits = max([4, *(len(str(r.number)) for r in rows)])
    head = f"  {'#':>{digits}} {'when':>{width}}  " + (f"{'host':<{host}} " if several else "")
    out = [
        f"timeline: {len(rows)} OOM reports" + (f" from {len(hosts)} hosts" if several else ""),
        f"{head}{'where':<30} {'killed':<28} rule",
    ]
    for i, (r, when) in enumerate(zip(rows, whens, strict=True)):
        when = when.rjust(width)
        if several:
            when = f"{when}  {shown[i].ljust(host)}"
        who = "nobody" if r.pid is None else f"{r.pid} ({name(r.comm or '?')})"
        if r.nth > 1:
            who = f"{who} #{r.nth}"
        where = _tail(name(r.where), WHERE)
        if r.cgroup is not None and len(where) < WHERE - 2:
            where += " " + _tail(name(r.cgroup), WHERE - len(where) - 1)
        rule = r.rule or "not modelled"
        out.append(
            f"  {str(r.number).rjust(digits)} {when}  {where.ljust(30)} {who[:28].ljust(28)} "
            f"{rule}".rstrip()
        )
    repeats = t.repeats()
    if repeats:
        listed = ", ".join(f"{name(c)} ×{n}" for c, n in repeats[:10])
        more = f" and {len(repeats) - 10} more" if len(repeats) > 10 else ""
        out.append(f"  killed more than once: {listed}{more}")
    return out


TEXTS = st.sampled_from(
    ["java", "", " ", "a b ", "x" * 40, "/sys/fs/cgroup/" + "d" * 30, "\x1b[2J"]
)
ROWS = st.builds(
    Row,
    st.integers(-99999, 123456),
    st.none() | st.integers(1, 10**6),
    st.none() | st.floats(0, 1e7, allow_nan=False) | st.sampled_from([1.0005, 2.5e-4]),
    st.none() | TEXTS,
    st.none() | TEXTS,
    TEXTS,
    st.none() | TEXTS,
    st.none() | st.integers(0, 10**7),
    st.none() | TEXTS,
    st.integers(0, 12),
    st.none() | st.sampled_from(["5.9–6.x", "2.4 badness()", "x "]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(ROWS, max_size=8), st.sampled_from([one_line, str, repr]))
def test_a_row_in_one_format_is_the_row_written_piece_by_piece(
    rows: list[Row], name: Callable[[str], str]
) -> None:
    t = Timeline(rows=rows, deaths={"java": 3, "": 2, "x": 1})
    assert t.lines(name) == lines_row_by_row(t, name)
