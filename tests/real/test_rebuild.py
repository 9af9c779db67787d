"""The machine at the moment of the OOM: totalpages as the kernel computed it, the era,
the page size, and every assumption stated."""

from __future__ import annotations

from moomtui.real.rebuild import A_CAPS, A_PARENTS, A_THREADS, A_TIMES, rebuild_log
from moomtui.real.records import Machine
from moomtui.real.report import read_log

from .kformat import T, report, table

TASKS = [T(901, "sshd", 288, uid=0, adj=-1000), T(2211, "java", 900000, ptes=1900)]


def machine(lines: list[str]) -> Machine:
    (m,) = rebuild_log(read_log("\n".join(lines)), "r")
    return m


def test_global_totalpages_is_managed_ram_plus_swap() -> None:
    """``oc->totalpages = totalram_pages() + total_swap_pages;`` where ``show_mem()`` prints
    ``reserved`` as present less managed pages."""
    m = machine(report("6.x", TASKS, TASKS[1], ram=4194173, reserved=102390, swap_kb=2097148))
    assert (m.totalram, m.swap_total) == (4194173 - 102390, 524287)
    assert m.totalpages == 4194173 - 102390 + 524287
    assert m.constraint == "global"


def memcg_report(*limits: str, swap_kb: int | None = None) -> list[str]:
    lines = [
        "python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
        "CPU: 2 PID: 2211 Comm: python3 Not tainted 6.8.0-50-generic #51-Ubuntu",
        *limits,
        "Memory cgroup stats for /app:",
        "anon 3600000000",
        *table("6.x", TASKS),
        "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
        "oom_memcg=/app,task_memcg=/app,task=java,pid=2211,uid=1000",
        "Memory cgroup out of memory: Killed process 2211 (java) total-vm:10804000kB, "
        "anon-rss:3600000kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:7600kB "
        "oom_score_adj:0",
    ]
    if swap_kb is not None:
        lines[2:2] = [f"Total swap = {swap_kb}kB"]
    return lines


def test_memcg_v2_with_no_swap_allowed_is_its_limit() -> None:
    """``max += min(READ_ONCE(memcg->swap.max), (unsigned long)total_swap_pages);``"""
    m = machine(
        memcg_report(
            "memory: usage 4194304kB, limit 4194304kB, failcnt 12",
            "swap: usage 0kB, limit 0kB, failcnt 0",
        )
    )
    assert m.constraint == "memcg"
    assert m.memcg is not None and m.memcg.path == "/app"
    assert m.totalpages == 1048576


def test_memcg_v2_swap_max_is_added_when_swap_is_known() -> None:
    m = machine(
        memcg_report(
            "memory: usage 4194304kB, limit 4194304kB, failcnt 12",
            "swap: usage 10240kB, limit 1048576kB, failcnt 0",
            swap_kb=8388604,
        )
    )
    assert m.totalpages == 1048576 + 262144
    assert any("swappiness" in a for a in m.assumptions)


def test_memcg_v1_memsw_limit_bounds_the_swap() -> None:
    """v1: ``unsigned long swap = READ_ONCE(memcg->memsw.max) - max; max += min(swap,
    (unsigned long)total_swap_pages);`` — an unlimited memsw leaves all the swap."""
    capped = machine(
        memcg_report(
            "memory: usage 1048576kB, limit 1048576kB, failcnt 3",
            "memory+swap: usage 1148576kB, limit 1310720kB, failcnt 0",
            swap_kb=8388604,
        )
    )
    assert capped.totalpages == 262144 + 65536
    unlimited = machine(
        memcg_report(
            "memory: usage 1048576kB, limit 1048576kB, failcnt 3",
            "memory+swap: usage 1148576kB, limit 9007199254740988kB, failcnt 0",
            swap_kb=8388604,
        )
    )
    assert unlimited.totalpages == 262144 + 2097151


def test_pasted_cgroup_files_give_the_limits() -> None:
    m = machine(memcg_report("memory.max: 2G", "memory.swap.max: 0"))
    assert m.totalpages == 524288


def test_page_size_from_the_victims_total_vm() -> None:
    """``total-vm:%lukB`` is ``K(mm->total_vm)``: kB over pages is the page size."""
    big = [T(901, "sshd", 18, uid=0), T(2211, "java", 56250, total_vm=168800, ptes=30)]
    lines = report("4.19", big, big[1])
    lines = [
        line.replace(f"total-vm:{168800 * 4}kB", f"total-vm:{168800 * 64}kB")
        .replace("1*4kB 1*8kB", "1*64kB 1*128kB")
        .replace(f"{30 * 4096:8d}", f"{2 * 65536:8d}")
        for line in lines
    ]
    m = machine(lines)
    assert m.page_size == 65536
    assert m.task(2211) is not None and m.task(2211).pgtables == 2  # type: ignore[union-attr]


def test_without_a_version_the_layout_names_the_era() -> None:
    assert machine(report("6.x", TASKS, TASKS[1], kernel=None)).era == "5.9"
    assert machine(report("3.6", TASKS, TASKS[1], kernel=None, score=1)).era == "3.6"
    m = machine(report("2.6.36", TASKS, TASKS[1], kernel=None, score=1))
    assert (m.era, m.era_source) == ("2.6.37", "layout")
    assert machine(report("2.6.25", TASKS, TASKS[1], kernel=None)).era is None


def test_a_2_6_32_with_oom_score_adj_is_a_backport() -> None:
    m = machine(report("2.6.36", TASKS, TASKS[1], kernel="2.6.32-431.el6.x86_64", score=1))
    assert (m.era, m.era_source) == ("2.6.37", "layout")
    assert any("backported" in n for n in m.notes)
    plain = machine(report("2.6.25", TASKS, TASKS[1], kernel="2.6.32-5-amd64"))
    assert plain.era is None


def test_what_the_report_lacks_is_stated() -> None:
    m = machine(report("2.6.36", TASKS, TASKS[1], score=1))
    said = " ".join(m.assumptions)
    for words in ("CPU time", "parent", "capabilit", "threads", "no swap entries", "page tables"):
        assert words in said, words
    full = " ".join(machine(report("6.x", TASKS, TASKS[1])).assumptions)
    assert "no swap entries" not in full and "page tables:" not in full


def test_a_machine_is_built_field_by_field() -> None:
    """rebuild() makes the machine in one call, by position: each field holds what it
    names (a report of the 5.15 kernel, as bench/hostile.py's, with its RAM, swap and
    zones)."""
    lines = report("6.x", TASKS, TASKS[1], ram=4194173, reserved=102390, swap_kb=2097148)
    log = read_log("\n".join(lines))
    (raw,) = log.reports
    m = rebuild_log(log, "r")[0]
    assert (m.source, m.line, m.kernel, m.layout) == (
        f"report 1 (r:{raw.line})",
        raw.line,
        raw.kernel,
        " ".join(raw.columns or ()),
    )
    assert (m.page_size, m.era, m.era_source, m.constraint, m.memcg) == (
        4096,
        "5.9",
        "version",
        "global",
        None,
    )
    assert (m.ram_pages, m.totalram, m.swap_total, m.swap_free) == (
        4194173,
        4194173 - 102390,
        524287,
        0,  # "Free swap  = 0kB"
    )
    assert (m.totalpages, m.totalpages_estimated, m.uptime) == (
        4194173 - 102390 + 524287,
        False,
        raw.uptime,
    )
    assert m.tasks == raw.rows and m.tasks is not raw.rows
    assert (m.decision, m.invoker) == (raw.decision, raw.invoker)
    assert (m.meminfo, m.zones_kb) == (raw.meminfo, raw.zones_kb)
    assert m.meminfo is not raw.meminfo and m.zones_kb is not raw.zones_kb
    assert (m.first_kills, m.reaped, m.init_pid, m.era_evidence) == (log.first_kills, {}, 1, ())
    assert raw.uptime is None
    assert m.assumptions == [
        A_TIMES,
        A_PARENTS,
        A_CAPS,
        A_THREADS,
        "no timestamps: the uptime is unknown, 2.4's run time is 0",
    ]
    assert m.notes == []
