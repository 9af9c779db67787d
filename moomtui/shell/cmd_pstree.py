"""``pstree``: psmisc 21's tree of tasks, threads (tasks sharing their leader's mm) in
``{braces}``, equal neighbouring subtrees compacted as ``N*[…]`` unless ``-p``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ArgParser, CommandError, command, int_arg, parse
from .completion import complete_pids, options
from .ps_fields import ps_user

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from .shell import Shell


def _pstree_parser() -> ArgParser:
    p = ArgParser(
        "pstree",
        "Show the tasks as a tree (psmisc); threads in {braces}.",
        usage_line="usage: pstree [ -p ] [ -u ] [ pid ]",
    )
    p.add_argument("-p", dest="pids", action="store_true", help="show pids; do not compact")
    p.add_argument("-u", dest="uids", action="store_true", help="show uid transitions")
    p.add_argument("pid", nargs="?", type=int_arg, help="start at this task (default init)")
    return p


def _complete_pstree(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if prefix.startswith("-"):
        return options(prefix, ("-p", "-u"))
    return complete_pids(sh, prefix)


class _Tree:
    def __init__(self, k: Kernel, show_pids: bool, show_uids: bool) -> None:
        self.show_pids = show_pids
        self.show_uids = show_uids
        self.children: dict[int, list[Task]] = {}
        for task in k.for_each_task():
            parent = task.p_pptr
            if parent is not None:
                self.children.setdefault(parent.pid, []).append(task)

    def label(self, task: Task) -> str:
        name = f"{{{task.comm}}}" if task.thread_leader is not None else task.comm
        if self.show_pids:
            name += f"({task.pid})"
        parent = task.p_pptr
        if self.show_uids and parent is not None and parent.uid != task.uid:
            name += f"({ps_user(task.uid)})"
        return name

    @staticmethod
    def _order(task: Task) -> tuple[bool, str, int]:
        """psmisc sorts by name; threads (``{name}``) after processes."""
        return task.thread_leader is not None, task.comm, task.pid

    def render(self, task: Task) -> list[str]:
        label = self.label(task)
        kids = sorted(self.children.get(task.pid, []), key=self._order)
        groups = self._groups([self.render(kid) for kid in kids])
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

    def _groups(self, subtrees: list[list[str]]) -> list[list[str]]:
        """psmisc's compaction: equal neighbouring subtrees become ``N*[subtree]``."""
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


@command("pstree", "show the task tree", parser=_pstree_parser, complete=_complete_pstree)
def pstree(sh: Shell, argv: list[str]) -> str:
    args = parse(_pstree_parser(), argv)
    k = sh.kernel
    tree = _Tree(k, args.pids, args.uids)
    if args.pid is not None:
        root = k.tasks.get(args.pid)
        if root is None:
            raise CommandError(f"pstree: {args.pid}: No such process")
        return "\n".join(tree.render(root))
    roots = [t for t in k.for_each_task() if t.p_pptr is None or t.p_pptr.pid not in k.tasks]
    return "\n".join(line for root in roots for line in tree.render(root))
