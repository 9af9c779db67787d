"""``pstree``: psmisc 21's tree of tasks, threads (tasks sharing their leader's mm) in
``{braces}``, equal neighbouring subtrees compacted as ``N*[…]`` unless ``-p``; a line is cut
at 132 columns, as psmisc cuts it when it writes to no terminal."""

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

    def render(self, root: Task) -> list[str]:
        """The lines of ``root``'s tree, each cut at :data:`WIDTH` columns as psmisc cuts
        them when it does not write to a terminal (:func:`_cut`).

        Two passes, neither recursive (a chain of tasks may be 32,000 deep) and both linear
        in the tasks: children first, each subtree gets a number that equal subtrees share
        (what psmisc's ``N*[…]`` compacts); then the tree is drawn from the top, line by
        line, with what is left of the width. Drawn bottom up, a deep tree cost the square
        of its depth, and its lines grew as long as the tree is deep."""
        groups = self._groups(root)
        lines: list[str] = []
        stack: list[tuple[Task, str, str, str]] = [(root, "", "", "")]
        while stack:
            task, first, cont, close = stack.pop()
            label = self.label(task)
            head = first + label
            kids = groups[task.pid]
            if not kids:
                lines.append(_cut(head + close))
                continue
            frames: list[tuple[tuple[Task, int], str, str, str]] = []
            if len(kids) == 1:
                frames.append((kids[0], head + "---", _clip(cont + " " * (len(label) + 3)), close))
            else:
                indent = " " * (len(label) + 1)
                for i, group in enumerate(kids):
                    last = i == len(kids) - 1
                    mark = "-+-" if i == 0 else ("`-" if last else "|-")
                    start = head + mark if i == 0 else cont + indent + mark
                    after = _clip(cont + indent + ("  " if last else "| "))
                    frames.append((group, start, after, close if last else ""))
            for (child, count), start, after, end in reversed(frames):
                if count > 1:
                    wrap = f"{count}*["
                    start, after, end = start + wrap, _clip(after + " " * len(wrap)), "]" + end
                stack.append((child, _clip(start), after, _clip(end)))
        return lines

    def _groups(self, root: Task) -> dict[int, list[tuple[Task, int]]]:
        """Each task's children, sorted, equal neighbours as one (with their count) unless
        ``-p``: equal when their subtrees are, which a number per subtree tells."""
        shape: dict[int, int] = {}
        shapes: dict[tuple[object, ...], int] = {}
        groups: dict[int, list[tuple[Task, int]]] = {}
        kids: dict[int, list[Task]] = {}
        stack = [root]
        while stack:
            task = stack[-1]
            if task.pid not in kids:
                kids[task.pid] = sorted(self.children.get(task.pid, []), key=self._order)
                stack.extend(kids[task.pid])
                continue
            stack.pop()
            merged: list[tuple[Task, int]] = []
            for kid in kids.pop(task.pid):
                if merged and not self.show_pids and shape[merged[-1][0].pid] == shape[kid.pid]:
                    merged[-1] = (merged[-1][0], merged[-1][1] + 1)
                else:
                    merged.append((kid, 1))
            key = (self.label(task), *((shape[k.pid], n) for k, n in merged))
            shape[task.pid] = shapes.setdefault(key, len(shapes))
            groups[task.pid] = merged
        return groups


WIDTH = 132
"""psmisc cuts a line at the terminal's width, or at 132 columns when it writes to none."""


def _clip(text: str) -> str:
    """What is drawn before a line's task names: more than the width is never seen."""
    return text[: WIDTH + 2]


def _cut(line: str) -> str:
    """psmisc's ``out_char``: the first :data:`WIDTH` columns, then ``+`` when more than
    one column more would follow."""
    return line if len(line) <= WIDTH + 1 else line[:WIDTH] + "+"


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
