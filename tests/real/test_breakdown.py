"""Where the memory went: Mem-Info's counters and the task table as a chart and in JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

from moomtui.real import cli
from moomtui.real.breakdown import bar, breakdown, breakdown_lines
from moomtui.real.rebuild import rebuild_log
from moomtui.real.report import read_log
from moomtui.text import one_line

from .kformat import T, report

# 6.x's show_free_areas(): the node's line (kernel_stack since 5.9 is a node counter), a
# zone's watermarks, and hugetlb_show_meminfo_node()'s line — numbers made up.
NODE = (
    "Node 0 active_anon:40000kB inactive_anon:3600000kB active_file:40kB inactive_file:48kB "
    "unevictable:0kB mapped:8kB dirty:0kB writeback:0kB shmem:8000kB kernel_stack:8192kB "
    "pagetables:16384kB all_unreclaimable? no"
)
ZONE = (
    "Node 0 Normal free:48000kB boost:0kB min:45056kB low:56320kB high:67584kB "
    "reserved_highatomic:0KB active_anon:40000kB present:4194304kB managed:4096000kB "
    "mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB"
)
HUGE = "Node 0 hugepages_total=16 hugepages_free=4 hugepages_surp=0 hugepages_size=2048kB"
TASKS = [
    T(400, "sshd", 300, uid=0, adj=-1000),
    T(900, "postgres", 60000, uid=113),
    T(901, "postgres", 30000, uid=113),
    T(902, "postgres", 20000, uid=113),
    T(1500, "java", 700000),
    T(1600, "node", 100000),
    T(1700, "bash", 200),
    T(1701, "top", 150),
    T(1702, "less", 100),
    T(1703, "vim", 50),
]


def postmortem(*args: str) -> str:
    """``moomtui postmortem ARGS`` in this process (its output; it must succeed)."""
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_arguments("postmortem", parser)
    out, err = io.StringIO(), io.StringIO()
    assert cli.run("postmortem", parser.parse_args(args), out, err) == 0, err.getvalue()
    return out.getvalue()


def _machine(lines: list[str]):  # type: ignore[no-untyped-def]
    (m,) = rebuild_log(read_log("\n".join(lines) + "\n"), "t")
    return m


def _with_node_lines() -> list[str]:
    lines = report("6.x", TASKS, TASKS[4])
    at = lines.index("Node 0 DMA: 1*4kB 1*8kB 0*16kB = 12kB")
    lines[at:at] = [NODE, ZONE, HUGE]
    lines[lines.index("active_anon:1000 inactive_anon:900000 isolated_anon:0")] = (
        "active_anon:10000 inactive_anon:900000 isolated_anon:0"
    )
    lines[lines.index(" active_file:10 inactive_file:12 isolated_file:0")] = (
        " active_file:10 inactive_file:12 isolated_file:0 unevictable:0 shmem:2000"
    )
    at = lines.index(" free:12000 free_pcp:0 free_cma:0")
    lines[at:at] = [" slab_reclaimable:3000 slab_unreclaimable:5000", " mapped:8 pagetables:4096"]
    return lines


def test_the_zones_and_nodes_lines_are_read_and_summed() -> None:
    m = _machine(_with_node_lines())
    assert m.zones_kb == {
        "kernel_stack": 8192,
        "free": 48000,
        "min": 45056,
        "low": 56320,
        "high": 67584,
        "hugepages": 16 * 2048,
        "hugepages_free": 4 * 2048,
    }


def test_the_counters_split_the_ram_and_the_rest_is_what_no_counter_names() -> None:
    m = _machine(_with_node_lines())
    b = breakdown(m)
    parts = {p.key: p.pages for p in b.parts}
    # 1048576 pages RAM less 24576 reserved; anonymous less shmem (both on the anon lists).
    assert b.total == 1048576 - 24576
    assert parts["user"] == 10000 + 900000 - 2000
    assert parts["page_cache"] == 22
    assert parts["shmem"] == 2000
    assert parts["slab_unreclaimable"] == 5000
    assert parts["slab_reclaimable"] == 3000
    assert parts["kernel_stacks_page_tables"] == 8192 // 4 + 4096
    assert parts["huge_pages"] == 16 * 2048 // 4
    assert parts["free"] == 12000
    named = sum(v for k, v in parts.items() if k != "unaccounted" and v is not None)
    assert parts["unaccounted"] == b.total - named
    assert sum(v for v in parts.values() if v is not None) == b.total


def test_the_tasks_are_grouped_by_name_largest_first_and_the_rest_summed() -> None:
    b = breakdown(_machine(_with_node_lines()))
    assert [(g.comm, g.tasks, g.pages) for g in b.groups] == [
        ("java", 1, 700000),
        ("postgres", 3, 110000),
        ("node", 1, 100000),
        ("sshd", 1, 300),
        ("bash", 1, 200),
    ]
    assert b.others is not None
    assert (b.others.tasks, b.others.pages) == (3, 150 + 100 + 50)


def test_the_chart_draws_each_part_to_scale() -> None:
    lines = breakdown_lines(breakdown(_machine(_with_node_lines())), one_line)
    assert lines[0] == "  where the memory went: 3.9G of RAM (totalram_pages)"
    java = next(line for line in lines if line.lstrip().startswith("java"))
    # 700000 of 1024000 pages: 68 %, 27.34 of 40 cells: 27 and 2 eighths.
    assert " 68%  " in java
    assert java.endswith(" " + "█" * 27 + "▎")
    assert any(line.lstrip().startswith("postgres ×3") for line in lines)
    assert any("3 other tasks" in line for line in lines)
    assert not any("(not in the report" in line for line in lines)
    assert bar(1, 1000) == "▏"  # a part too small to draw still shows
    assert bar(0, 1000) == ""


def test_a_name_that_would_move_the_cursor_is_shown_not_sent() -> None:
    tasks = [T(1500, "java", 700000), T(1600, "ev\x1b[2Jil", 100000)]
    lines = breakdown_lines(breakdown(_machine(report("6.x", tasks, tasks[0]))), one_line)
    assert not any("\x1b" in line for line in lines)
    assert any("ev\\x1b[2Jil" in line for line in lines)


def test_a_report_without_counters_says_so() -> None:
    tasks = [T(1500, "java", 700000), T(1600, "node", 100000)]
    lines = report("4.19", tasks, tasks[0])
    start = lines.index("Mem-Info:")
    del lines[start + 1 : start + 4]  # the counters, not the rest of show_mem()
    m = _machine(lines)
    assert "free" not in m.meminfo and m.totalram == 1048576 - 24576
    b = breakdown(m)
    assert b.notes == ["the report prints no Mem-Info counters: only the tasks are known"]
    assert {p.pages for p in b.parts if p.key != "page_cache"} == {None}
    lines = breakdown_lines(b, one_line)
    # 800000 of 1024000 pages held by the tasks: 78 %, 31.25 of 40 cells.
    assert lines[1].split() == [
        "the",
        "tasks'",
        "resident",
        "memory",
        "3.1G",
        "78%",
        "█" * 31 + "▎",
    ]


def test_a_memory_cgroup_is_drawn_within_its_limit() -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "examples" / "reports" / "k8s-memcg-6.8.txt").read_text()
    (m,) = rebuild_log(read_log(text), "k8s")
    b = breakdown(m)
    assert m.memcg is not None and m.memcg.usage is not None
    assert b.scope == "memcg" and b.total == m.memcg.limit
    parts = {p.key: p.pages for p in b.parts}
    rss = sum(t.rss_anon if t.rss_anon is not None else t.rss for t in m.tasks)
    assert parts["user"] == rss
    assert parts["charged_other"] == m.memcg.usage - rss
    assert parts["free"] == (m.memcg.limit or 0) - m.memcg.usage


def test_print_and_json_carry_the_breakdown(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("\n".join(_with_node_lines()) + "\n")
    (rep,) = json.loads(postmortem("--json", str(path)))["reports"]
    b = rep["breakdown"]
    assert b["scope"] == "machine" and b["total"] == 1024000
    assert b["tasks"][0] == {"comm": "java", "count": 1, "pages": 700000}
    assert b["other_tasks"] == {"count": 3, "pages": 300}
    assert [p["key"] for p in b["parts"]][-1] == "unaccounted"
    text = postmortem("--print", str(path))
    assert text.index("where the memory went") < text.index("rule  ")


def test_a_kernel_before_2_6_28_has_one_part_for_its_two_lists() -> None:
    # show_free_areas() of 2.6.18–2.6.27: "Active:%lu inactive:%lu dirty:%lu …" and
    # " free:%lu slab:%lu mapped:%lu pagetables:%lu bounce:%lu".
    tasks = [T(1500, "java", 700000), T(1600, "node", 100000)]
    lines = report("2.6.25", tasks, tasks[0], kernel="2.6.18-419.el5")
    start = lines.index("Mem-Info:")
    lines[start + 1 : start + 4] = [
        "Active:600000 inactive:210000 dirty:0 writeback:0 unstable:0",
        " free:12000 slab:9000 mapped:50 pagetables:1800 bounce:0",
    ]
    b = breakdown(_machine(lines))
    parts = {p.key: p.pages for p in b.parts}
    assert parts["lru"] == 810000 and parts["slab"] == 9000
    assert parts["user"] is None and parts["page_cache"] is None
    assert parts["unaccounted"] == 1024000 - 810000 - 9000 - 1800 - 12000
    assert b.notes == ["this kernel's Mem-Info does not split anonymous memory from the page cache"]
    chart = breakdown_lines(b, one_line)
    assert any(line.lstrip().startswith("anonymous and page cache") for line in chart)
