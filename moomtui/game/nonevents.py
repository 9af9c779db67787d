"""Why each policy did, or did not, act: one line per loaded policy for a game's report,
and one for each policy an oops took off the chain.

A report explains every kill (:mod:`.kills`); what did *not* happen needs words too — the
classic killer that never fired because a swap slot was free, the blacklist that forgot a
parent, the chain that was empty. :class:`PolicyWatch` counts, from the event stream, the
``out_of_memory()`` calls, each policy's kills and the panics; :meth:`PolicyWatch.lines`
reads each loaded policy's own state at the end (the classic timing statics, the
blacklist, earlyoom's limits against the machine) and says, in one line each, what it did
and why it did no more. No Textual and no Rich.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..kernel import events as ev
from ..kernel.constants import HZ, JIFFIES_MASK
from ..kernel.units import format_duration
from ..text import one_line

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.module import KernelModule


def _s(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


class PolicyWatch:
    """Counts what the policies did; subscribe it to the kernel's bus."""

    KINDS = (ev.OomKill, ev.OutOfMemory, ev.Panic, ev.ModuleUnload)

    def __init__(self) -> None:
        self.calls = 0
        self.kills: Counter[str] = Counter()
        self.parents: Counter[str] = Counter()  # kills of a parent, by oom_kill_parent
        self.panics = 0
        self.oopsed: dict[str, int] = {}  # a policy its oops removed: the call it oopsed in

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.OomKill):
            self.kills[event.module] += 1
            if event.reason == "parent":
                self.parents[event.module] += 1
        elif isinstance(event, ev.OutOfMemory):
            self.calls += 1
        elif isinstance(event, ev.Panic):
            self.panics += 1
        elif isinstance(event, ev.ModuleUnload) and event.reason == "oops":
            self.oopsed[event.name] = self.calls

    def lines(self, kernel: Kernel) -> list[str]:
        """One line per policy loaded now (the chain's order, then the others)."""
        modules = kernel.modules.loaded()
        calls = _s(self.calls, "out_of_memory() call")
        if not kernel.oom.chain:
            head = (
                f"The OOM chain is empty: {calls}, and nobody answered (no OOM at all)."
                if self.calls
                else "The OOM chain is empty, and memory never ran out."
            )
            if not modules:
                return [head]
            out = [head]
        else:
            out = []
        for module in modules:
            out.append(f"{module.name}: {self._line(kernel, module)}")
        loaded = {module.name for module in modules}
        for name, at_call in self.oopsed.items():
            if name in loaded:  # loaded again since: its line above says the rest
                continue
            kills = self.kills[name]
            did = f"killed {_s(kills, 'task')}, then " if kills else ""
            out.append(
                f"{name}: {did}oopsed in out_of_memory() call {max(at_call, 1)} and was "
                "taken off the chain (the Oops and its line, EIP, are in dmesg): the "
                "handlers after it went on without it."
            )
        return out

    def _line(self, kernel: Kernel, module: KernelModule) -> str:
        from ..modules.classic import ClassicKiller
        from ..modules.earlyoom import Earlyoom, MemInfo
        from ..modules.oom_kill_parent import OomKillParent
        from ..modules.oom_panic import OomPanic

        name = module.name
        kills = self.kills[name]
        ahead = _ahead_on_chain(kernel, name)
        if isinstance(module, OomPanic):
            if self.panics and ahead:
                return (
                    f"panicked {_s(self.panics, 'time')}: the first call that reaches it "
                    f"panics; {', '.join(ahead)}, ahead of it on the chain, let the walk go on "
                    "(NOTIFY_DONE)."
                )
            if self.panics:
                return f"panicked {_s(self.panics, 'time')}: the first call panics, swap or not."
            if self.calls and ahead:
                return (
                    f"never panicked: {_s(self.calls, 'out_of_memory() call')}, "
                    f"{'each ' * (self.calls != 1)}ended by {', '.join(ahead)}, ahead of it "
                    "on the chain (NOTIFY_STOP_MASK)."
                )
            return "never panicked: out_of_memory() was never called while it was loaded."
        panicked_ahead = [n for n in ahead if isinstance(kernel.modules.get(n), OomPanic)]
        if self.panics and panicked_ahead and not kills:
            return (
                f"never reached: {panicked_ahead[0]}, ahead of it on the chain, panicked first "
                "(equal priorities run in the order they were registered, higher ones first)."
            )
        if isinstance(module, Earlyoom):
            m = MemInfo(kernel)
            did = f"signalled {_s(kills, 'task')}" if kills else "signalled nobody"
            return (
                f"{did}; it acts at mem ≤ {module.mem_term} % and swap ≤ {module.swap_term} % "
                f"(SIGKILL at ≤ {module.mem_kill} % and ≤ {module.swap_kill} %), the machine "
                f"has {m.mem_percent:.0f} % available and {m.swap_percent:.0f} % swap free now."
            )
        if isinstance(module, ClassicKiller):
            text = self._classic(kernel, module, kills)
            if isinstance(module, OomKillParent):
                text += " " + self._blacklist(module)
            return text
        if kills:
            return f"killed {_s(kills, 'task')}."
        if self.calls:
            return f"killed nobody in {_s(self.calls, 'out_of_memory() call')}."
        return "never acted: out_of_memory() was never called."

    def _classic(self, kernel: Kernel, module: object, kills: int) -> str:
        from ..modules.classic import ClassicKiller

        assert isinstance(module, ClassicKiller)
        h = module.heuristic()
        now = kernel.jiffies
        did = f"killed {_s(kills, 'task')}" if kills else "killed nobody"
        if not self.calls:
            return f"{did}: out_of_memory() was never called."
        swap = kernel.vm.nr_swap_pages
        if not kills and swap > 0:
            return (
                f"{did} in {_s(self.calls, 'call')}: swap was free ({swap} pages), and 2.4's "
                "killer returns while a slot is free."
            )
        since = (now - h["last"]) & JIFFIES_MASK
        if since > 5 * HZ:
            timing = "no failure in the last 5 s: its count starts afresh"
        else:
            failing = ((now - h["first"]) & JIFFIES_MASK) / HZ
            timing = f"count {h['count']} of 10, failing for {failing:.1f} s"
        last = (
            ""
            if not kills
            else f", last kill {((now - h['lastkill']) & JIFFIES_MASK) / HZ:.0f} s ago"
        )
        return f"{did} in {_s(self.calls, 'call')}; its timing rules now: {timing}{last}."

    def _blacklist(self, module: object) -> str:
        from ..modules.oom_kill_parent import OomKillParent

        assert isinstance(module, OomKillParent)
        limit = module.oom_parent_max
        parents = self.parents[module.name]
        killed = f"{_s(parents, 'parent')} killed" if parents else "no parent killed"
        listed = [
            f"{r.pid} ({one_line(r.task.comm)}) {r.value}/{limit}"
            for r in module.blacklist
            if r.pid and r.task is not None
        ]
        now = "; blacklist: " + ", ".join(listed) if listed else "; blacklist empty"
        after = module.forget_after()
        if after is None:
            forgotten = "never forgotten"
        else:
            forgotten = (
                f"forgotten {format_duration(round(after * HZ))} after its last child's kill"
            )
        return f"{killed} (a parent dies at {limit} strikes, {forgotten}){now}."


def _ahead_on_chain(kernel: Kernel, name: str) -> list[str]:
    """The handlers called before module ``name``'s on the OOM chain (none if it is not on
    it: earlyoom is a daemon)."""
    names = [nb.name for nb in kernel.oom.chain]
    return names[: names.index(name)] if name in names else []
