"""Listings on hostile machines: ``ls``, ``pstree`` and ``ps``'s forest cost what they print.

``ls`` fitted its columns by trying every number of columns, each measured over every name:
30,000 tasks took more than five minutes. ``pstree`` and ``ps --forest`` recursed (a chain
of 3,000 tasks was an internal error) and drew deep trees bottom up, a comb of 4,000 tasks
in megabytes. The old implementations are kept here as oracles: the new ones print exactly
what they printed, on every input they could finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel import TaskSpec
from moomtui.shell import cmd_pstree
from moomtui.shell.cmd_files import columns
from moomtui.shell.cmd_ps import FOREST_DEPTH
from moomtui.shell.cmd_pstree import WIDTH

from ..fixtures import machine
from .helpers import ok, shell


# ------------------------------------------------------------------ ls
def old_columns(names: list[str], width: int = 80) -> str:
    if not names:
        return ""
    for ncols in range(len(names), 0, -1):
        nrows = -(-len(names) // ncols)
        cols = [names[i * nrows : (i + 1) * nrows] for i in range(ncols)]
        cols = [c for c in cols if c]
        widths = [max(len(n) for n in col) + 2 for col in cols]
        if sum(widths) - 2 <= width or ncols == 1:
            break
    rows = []
    for r in range(nrows):
        cells = [col[r].ljust(w) for col, w in zip(cols, widths, strict=True) if r < len(col)]
        rows.append("".join(cells).rstrip())
    return "\n".join(rows)


@pytest.mark.slow
@settings(max_examples=1500, derandomize=True, deadline=None)
@given(
    st.lists(st.text(alphabet="ab7._", max_size=14), max_size=120),
    st.integers(1, 120),
)
def test_ls_columns_are_the_old_ones(names: list[str], width: int) -> None:
    assert columns(names, width) == old_columns(names, width)


class _Counted(list[str]):
    """Names that count how many of them the layouts measured."""

    taken = 0

    def __getitem__(self, index: Any) -> Any:
        part = super().__getitem__(index)
        if isinstance(index, slice):
            _Counted.taken += len(part)
        return part


def test_ls_measures_each_name_a_bounded_number_of_times() -> None:
    names = _Counted(str(pid) for pid in range(7, 30_007))
    _Counted.taken = 0
    laid = columns(names)
    assert laid.splitlines()[0].split()[0] == "7"
    assert _Counted.taken <= 41 * len(names)  # at most (80 + 2) // 2 layouts measured


def test_ls_of_a_crowded_proc_is_the_old_layout() -> None:
    sh = shell(machine(*[TaskSpec(comm="t") for _ in range(300)]))
    names = ok(sh, "ls -1 /proc").splitlines()
    assert ok(sh, "ls /proc") == old_columns(names)


# ------------------------------------------------------------------ pstree
@dataclass(eq=False)
class _Task:
    pid: int
    comm: str
    uid: int = 0
    p_pptr: _Task | None = None
    thread_leader: _Task | None = None


class _Kernel:
    def __init__(self, tasks: list[_Task]) -> None:
        self.tasks = {t.pid: t for t in tasks}

    def for_each_task(self) -> list[_Task]:
        return list(self.tasks.values())


class OldTree(cmd_pstree._Tree):
    """pstree as it was: drawn bottom up, uncut."""

    def render(self, task: Any) -> list[str]:
        label = self.label(task)
        kids = sorted(self.children.get(task.pid, []), key=self._order)
        groups = self._old_groups([self.render(kid) for kid in kids])
        if not groups:
            return [label]
        if len(groups) == 1:
            pad = " " * (len(label) + 3)
            sub = groups[0]
            return [f"{label}---{sub[0]}"] + [pad + line for line in sub[1:]]
        indent = " " * (len(label) + 1)
        lines: list[str] = []
        for i, sub in enumerate(groups):
            if i == 0:
                first, cont = f"{label}-+-", f"{indent}| "
            elif i == len(groups) - 1:
                first, cont = f"{indent}`-", f"{indent}  "
            else:
                first, cont = f"{indent}|-", f"{indent}| "
            lines.append(first + sub[0])
            lines += [cont + line for line in sub[1:]]
        return lines

    def _old_groups(self, subtrees: list[list[str]]) -> list[list[str]]:
        if self.show_pids:
            return subtrees
        out: list[list[str]] = []
        counts: list[int] = []
        for sub in subtrees:
            if out and out[-1] == sub:
                counts[-1] += 1
            else:
                out.append(sub)
                counts.append(1)
        merged = []
        for sub, n in zip(out, counts, strict=True):
            if n == 1:
                merged.append(sub)
                continue
            head = f"{n}*["
            pad = " " * len(head)
            lines = [head + sub[0]] + [pad + line for line in sub[1:]]
            lines[-1] += "]"
            merged.append(lines)
        return merged


@st.composite
def trees(draw: st.DrawFn) -> list[_Task]:
    """A random tree under pid 1, names from a few letters so that subtrees repeat."""
    tasks = [_Task(1, "init")]
    for pid in range(2, draw(st.integers(2, 40))):
        parent = tasks[draw(st.integers(0, len(tasks) - 1))]
        comm = draw(st.sampled_from(["a", "b", "httpd", "ab"]))
        thread = draw(st.integers(0, 5)) == 0 and parent.pid != 1
        task = _Task(pid, comm, draw(st.sampled_from([0, 0, 1])), parent)
        if thread:
            task.thread_leader = parent
        tasks.append(task)
    return tasks


@pytest.mark.slow
@settings(max_examples=800, derandomize=True, deadline=None)
@given(trees(), st.booleans(), st.booleans())
def test_pstree_draws_what_it_drew(tasks: list[_Task], pids: bool, uids: bool) -> None:
    k: Any = _Kernel(tasks)
    old = [cmd_pstree._cut(line) for line in OldTree(k, pids, uids).render(tasks[0])]
    assert cmd_pstree._Tree(k, pids, uids).render(tasks[0]) == old


def test_a_deep_chain_is_drawn_and_each_line_is_cut() -> None:
    tasks = [_Task(1, "init")]
    for pid in range(2, 30_002):
        tasks.append(_Task(pid, "t", 0, tasks[-1]))
    k: Any = _Kernel(tasks)
    (line,) = cmd_pstree._Tree(k, False, False).render(tasks[0])
    assert line.startswith("init---t---t---") and len(line) == WIDTH + 1 and line[-1] == "+"


def test_a_deep_comb_draws_lines_of_at_most_133_columns() -> None:
    """A chain whose every task has a second child: its lines grew with the depth."""
    tasks = [_Task(1, "init")]
    spine = tasks[0]
    for pid in range(2, 8002, 2):
        node = _Task(pid, "c", 0, spine)
        tasks += [node, _Task(pid + 1, "leaf", 0, node)]
        spine = node
    k: Any = _Kernel(tasks)
    lines = cmd_pstree._Tree(k, False, False).render(tasks[0])
    assert len(lines) == 4000 and max(map(len, lines)) <= WIDTH + 1


# ------------------------------------------------------------------ ps's forest
def test_ps_forest_walks_any_depth_and_indents_at_most_32_levels() -> None:
    """A chain of 3,000 tasks, each the child of the last: ``ps`` recursed (an internal
    error), and would have indented the last one by 12,000 columns."""
    chain = [TaskSpec(comm="t", pid=7 + i, ppid=6 + i if i else 1) for i in range(3000)]
    sh = shell(machine(*chain))
    for line in ("ps axf", "ps -ef --forest", "ps -H"):
        out = ok(sh, line).splitlines()
        assert len(out) >= 1 + 3000
        assert max(len(row) for row in out) <= 60 + 4 * FOREST_DEPTH
    rows = ok(sh, "ps axf").splitlines()
    assert rows[-1].endswith("    " * (FOREST_DEPTH - 1) + " \\_ t")
    assert rows[8].endswith(" \\_ t") and "    \\_" not in rows[8]  # the first child
