"""The process view's model without a screen: tree rows, folding, filtering, sorting, the
next victim, the change tracker's ghosts, and the console history file."""

from __future__ import annotations

from pathlib import Path

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel.constants import HZ, PF_MEMDIE, SIGKILL
from moomtui.modules.classic import badness, select_bad_process
from moomtui.tui.history import History
from moomtui.tui.model import (
    COMMAND,
    ChangeTracker,
    Context,
    ProcessModel,
    columns_for_width,
    format_cpu,
    select_victim,
)

from ..fixtures import machine


def server_machine() -> Kernel:
    """init, the kernel threads, a small daemon, and a server (pid 300) with 3 children."""
    return machine(
        TaskSpec(comm="syslogd", total_vm=64, rss=32),
        TaskSpec(comm="httpd", pid=300, total_vm=512, rss=128),
        TaskSpec(comm="worker", pid=301, ppid=300, total_vm=1024, rss=256),
        TaskSpec(comm="worker", pid=302, ppid=300, total_vm=2048, rss=256),
        TaskSpec(comm="worker", pid=303, ppid=300, total_vm=256, rss=64),
        ram_pages=8192,
    )


def rows(model: ProcessModel, k: Kernel, ghosts: dict | None = None) -> list[tuple[int, str]]:
    model.rebuild(k, ghosts or {}, Context(k.jiffies, badness))
    return [(r.pid, r.prefix) for r in model.rows]


def test_tree_rows_follow_pstree_with_children_under_their_parent() -> None:
    k = server_machine()
    got = rows(ProcessModel(), k)
    pids = [pid for pid, _ in got]
    assert pids[0] == 1
    assert pids.index(300) < pids.index(301) < pids.index(302) < pids.index(303)
    prefixes = dict(got)
    assert prefixes[301] == "  ├─" and prefixes[303] == "  └─"
    assert prefixes[300] == "└─"  # the last child of init


def test_folding_a_parent_hides_its_subtree_and_keeps_the_count() -> None:
    k = server_machine()
    model = ProcessModel()
    model.collapsed.add(300)
    pids = [pid for pid, _ in rows(model, k)]
    assert 300 in pids and 301 not in pids and 303 not in pids
    row = model.rows[model.index[300]]
    assert row.collapsed and row.children == 3


def test_filter_keeps_matches_and_the_ancestors_that_lead_to_them() -> None:
    k = server_machine()
    model = ProcessModel()
    model.filter = "work"
    pids = [pid for pid, _ in rows(model, k)]
    assert pids == [1, 300, 301, 302, 303]
    assert [r.ancestor_only for r in model.rows] == [True, True, False, False, False]
    model.filter = "302"
    assert [pid for pid, _ in rows(model, k)] == [1, 300, 302]


def test_sorting_by_virt_descending_orders_siblings_and_the_flat_list() -> None:
    k = server_machine()
    model = ProcessModel()
    model.sort_key, model.reverse = "virt", True
    pids = [pid for pid, _ in rows(model, k)]
    assert pids.index(302) < pids.index(301) < pids.index(303)
    model.tree = False
    pids = [pid for pid, _ in rows(model, k)]
    assert pids[:2] == [302, 301]
    assert model.sorts_by_value


def test_next_victim_is_the_one_select_bad_process_would_kill() -> None:
    k = server_machine()
    ctx = Context(k.jiffies, badness)
    victim = select_victim(k.tasks.values(), ctx)
    chosen = select_bad_process(k)
    assert chosen is not None and victim == chosen.pid == 302
    k.tasks[302].flags |= PF_MEMDIE  # badness 0 now: the next one in line
    assert select_victim(k.tasks.values(), Context(k.jiffies, badness)) == 301


def test_tracker_keeps_a_dead_task_as_a_ghost_for_a_moment_then_drops_it() -> None:
    k = server_machine()
    now = [100.0]
    tracker = ChangeTracker(clock=lambda: now[0])
    tracker.attach(k)
    generation = tracker.generation
    k.send_sig(k.tasks[301], SIGKILL)
    k.run_for(2)
    assert tracker.settle() and tracker.generation > generation
    assert 301 not in k.tasks and 301 in tracker.ghosts
    model = ProcessModel()
    shown = dict(rows(model, k, tracker.ghosts))
    assert 301 in shown and model.rows[model.index[301]].ghost is not None
    now[0] += tracker.flash + 0.1
    assert tracker.settle()
    assert 301 not in dict(rows(model, k, tracker.ghosts))


def test_tracker_marks_forked_tasks_new_until_the_flash_ends() -> None:
    k = machine(
        TaskSpec(comm="spawner", program="prefork", args={"children": 2, "child": "idle"}),
        ram_pages=8192,
    )
    now = [0.0]
    tracker = ChangeTracker(clock=lambda: now[0])
    tracker.attach(k)
    k.spawn(k.programs["idle"](), comm="fresh")
    tracker.settle()
    fresh = next(t.pid for t in k.tasks.values() if t.comm == "fresh")
    assert fresh in tracker.new
    now[0] += tracker.flash
    tracker.settle()
    assert fresh not in tracker.new


def test_narrow_widths_drop_the_least_important_columns_first() -> None:
    wide = [c.key for c in columns_for_width(200)]
    assert wide[-1] == COMMAND.key and {"user", "cpu", "flags", "oom"} <= set(wide)
    narrow = [c.key for c in columns_for_width(44)]
    assert {"pid", "rss", "oom", "command"} <= set(narrow)
    assert "user" not in narrow
    assert sum(c.width + 1 for c in columns_for_width(44)[:-1]) + COMMAND.width <= 44


def test_cpu_time_is_shown_like_top() -> None:
    assert format_cpu(0) == "0:00.00"
    assert format_cpu(61 * HZ + 25) == "1:01.25"


def test_history_appends_at_once_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "moomtui" / "history"
    history = History(path)
    history.add("insmod oom_kill_parent")
    history.add("insmod oom_kill_parent")
    history.add("sysctl -w kernel.panic=5")
    assert path.read_text().splitlines() == [
        "insmod oom_kill_parent",
        "sysctl -w kernel.panic=5",
    ]
    again = History(path)
    assert again.previous("draft") == "sysctl -w kernel.panic=5"
    assert again.previous("") == "insmod oom_kill_parent"
    assert again.previous("") is None
    assert again.next() == "sysctl -w kernel.panic=5"
    assert again.next() == "draft"


def test_history_survives_bad_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary"
    binary.write_bytes(b"lsmod\n\xff\xfe\x00garbage\nfree\n")
    assert History(binary).lines == ["lsmod", "free"]
    folder = tmp_path / "folder"
    folder.mkdir()
    history = History(folder)
    assert history.lines == [] and history.warning == (
        f"history: {folder}: is a directory: this session's history is kept in memory only"
    )
    history.add("lsmod")  # kept in memory, not written: no exception
    assert history.lines == ["lsmod"] and history.path is None
