"""Every task table layout the kernel has printed is read by its header."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real.rebuild import rebuild_log
from moomtui.real.records import TaskRecord
from moomtui.real.report import KNOWN_COLUMNS, read_log

from .kformat import LAYOUTS, T, report

TASKS = [
    T(412, "systemd-journal", 420, uid=0, swap=164, ptes=26, adj=-250),
    T(944, "sshd", 288, uid=0, swap=72, ptes=17, adj=-1000),
    T(1120, "postgres", 64221, uid=113, swap=31450, ptes=229, adj=-900, shmem=4000),
    T(1640, "java", 3120547, swap=381020, ptes=6438, file=279),
    T(2417, "Web Content", 602318, swap=76104, ptes=1506, adj=200, file=12),
]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_gives_every_task_its_numbers(layout: str) -> None:
    log = read_log("\n".join(report(layout, TASKS, TASKS[3], score=700)))
    (raw,) = log.reports
    assert [r.pid for r in raw.rows] == [t.pid for t in TASKS]
    columns = LAYOUTS[layout][2]
    for rec, task in zip(raw.rows, TASKS, strict=True):
        assert (rec.comm, rec.uid, rec.rss) == (task.name, task.uid, task.rss)
        assert rec.total_vm == 3 * task.rss + 1000
        assert rec.oom_score_adj == (task.adj if "adj" in columns else 0)
        assert rec.swap == (task.swap if "swap" in columns else None)
        if "anon" in columns:
            assert (rec.rss_anon, rec.rss_file, rec.rss_shmem) == (
                task.rss - task.file - task.shmem,
                task.file,
                task.shmem,
            )
        else:
            assert rec.rss_anon is None
        if "oom_adj" in columns:
            assert rec.oom_adj == (-17 if task.adj == -1000 else 0)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_page_tables_are_pages_whatever_the_layout_counts(layout: str) -> None:
    """``nr_ptes`` (+ ``nr_pmds``) are pages; ``pgtables_bytes`` is divided by PAGE_SIZE."""
    (machine,) = rebuild_log(read_log("\n".join(report(layout, TASKS, TASKS[3]))), "r")
    columns = LAYOUTS[layout][2]
    for rec, task in zip(machine.tasks, TASKS, strict=True):
        has = "ptes" in columns or "pgbytes" in columns
        assert rec.pgtables == (task.ptes if has else None)


def test_a_name_with_spaces_and_parentheses_is_kept_whole() -> None:
    tasks = [T(10, "(sd-pam)", 100), T(11, "tmux: server", 200), T(12, "Web Content", 300)]
    log = read_log("\n".join(report("6.x", tasks, tasks[2])))
    assert [r.comm for r in log.reports[0].rows] == ["(sd-pam)", "tmux: server", "Web Content"]


@pytest.mark.parametrize(
    ("layout", "wording"),
    [
        ("2.6.36", "Kill process 1640 (java) score 700 or sacrifice child"),
        ("6.x", "Out of memory: Killed process 1640 (java)"),
    ],
)
def test_the_decision_is_read_in_each_wording(layout: str, wording: str) -> None:
    text = "\n".join(report(layout, TASKS, TASKS[3], score=700))
    assert wording in text
    (raw,) = read_log(text).reports
    assert raw.decision is not None
    assert (raw.decision.pid or raw.decision.killed_pid) == 1640


def test_memory_cgroup_wording_with_a_sacrificed_child() -> None:
    """3.x: ``Memory cgroup out of memory: Kill process N … or sacrifice child`` names the
    chosen task; the ``Killed process`` line after it the child killed in its place."""
    lines = [
        "httpd invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0",
        "Task in /web killed as a result of limit of /web",
        "memory: usage 524288kB, limit 524288kB, failcnt 1811",
        "memory+swap: usage 524288kB, limit 9007199254740988kB, failcnt 0",
        "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name",
        "[ 3001]    48  3001    59012    40100      90        0             0 httpd",
        "[ 3002]    48  3002    59012    90000     180        0             0 httpd",
        "Memory cgroup out of memory: Kill process 3001 (httpd) score 306 or sacrifice child",
        "Killed process 3002 (httpd) total-vm:236048kB, anon-rss:359996kB, file-rss:4kB",
    ]
    (machine,) = rebuild_log(read_log("\n".join(lines)), "r")
    d = machine.decision
    assert d is not None
    assert (d.pid, d.score, d.killed_pid) == (3001, 306, 3002)
    assert machine.constraint == "memcg"
    assert machine.memcg is not None and machine.memcg.limit == 131072


def by_name(pid: int, name: str, v: dict[str, int], line: int) -> TaskRecord:
    """A row's record read plainly: its numbers by their columns' names."""
    pgtables = v["nr_ptes"] + v.get("nr_pmds", 0) if "nr_ptes" in v else None
    return TaskRecord(
        pid=pid,
        comm=name.strip(),
        uid=v["uid"],
        tgid=v.get("tgid"),
        total_vm=v["total_vm"],
        rss=v["rss"],
        rss_anon=v.get("rss_anon"),
        rss_file=v.get("rss_file"),
        rss_shmem=v.get("rss_shmem"),
        swap=v.get("swapents"),
        pgtables=pgtables,
        oom_score_adj=v.get("oom_score_adj", 0),
        oom_adj=v.get("oom_adj"),
        pgtables_bytes=v.get("pgtables_bytes"),
        line=line,
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from([*sorted(KNOWN_COLUMNS - {"name"}), "cpu", "later"]), max_size=9),
    st.data(),
)
def test_a_row_is_read_by_its_headers_names(extra: list[str], data: st.DataObject) -> None:
    """Any header — columns in any order, named twice, unknown — gives each number to the
    field its column names (the last of a name given twice), as a mapping by name would."""
    numeric = data.draw(st.permutations(["uid", "total_vm", "rss", *extra]))
    values = data.draw(
        st.lists(st.integers(-(2**40), 2**40), min_size=len(numeric), max_size=len(numeric))
    )
    comm = data.draw(st.sampled_from(["java", "Web Content", "a  b"]))
    lines = [
        "bash invoked oom-killer: gfp_mask=0x0, order=0",
        "[ pid ] " + " ".join([*numeric, "name"]),
        "[ 77] " + " ".join(map(str, values)) + " " + comm,
        "Killed process 77 (java)",
    ]
    (raw,) = read_log("\n".join(lines)).reports
    assert raw.rows == [by_name(77, comm, dict(zip(numeric, values, strict=True)), 3)]
