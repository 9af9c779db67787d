"""Why this victim? Each loaded policy's verdict on one task: its score worked out step by
step, its rank among the candidates, who is next and why, and when the policy will act.

What ``explain PID`` prints and the screen's explain panel shows. Read-only: nothing here
changes the machine, and nothing is scored that the policies would not score themselves —
the steps are the policies' own (:func:`~.classic.badness_steps`,
:func:`~.oom_score_adj.oom_badness_steps`, :meth:`~.earlyoom.EarlyoomDaemon.badness_steps`)
and the candidates are ranked by the rules of each policy's own selection loop:

* the classic killers (``select_bad_process`` of the seed): every task but pid 0, init
  included; strictly more points wins, so ties go to the oldest; 0 points is never chosen;
* ``oom_score_adj`` (2.6.36): processes only (thread group leaders), never init or a kernel
  thread; no kill at all while an earlier victim is alive and unreaped;
* ``earlyoom``: pids above 1 with resident memory, not ``oom_score_adj`` -1000; ties go to
  the larger VmRSS.

The policies are explained in the order the OOM chain calls them, then earlyoom (a daemon,
not on the chain). With no policy loaded, the classic ``badness()`` that
``/proc/PID/oom_score`` shows is explained, with what happens instead: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel.constants import HZ, JIFFIES_MASK, PF_MEMDIE
from ..kernel.oops import describe
from ..kernel.proc_pid import OOM_SCORE_ADJ_MIN
from ..kernel.units import format_tenths
from . import guarded_score
from .classic import ClassicKiller, badness, badness_steps
from .earlyoom import Earlyoom, EarlyoomDaemon, MemInfo
from .oom_kill_allocating import OomKillAllocating
from .oom_kill_parent import OomKillParent
from .oom_panic import OomPanic
from .oom_score_adj import OomScoreAdj, is_process, oom_badness_steps, oom_unkillable_task
from .oom_score_adj import totalpages as oom_totalpages
from .steps import Step, score_of

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.module import KernelModule
    from ..kernel.task import Task

TOP = 5
"""Candidates shown in the ranking."""


@dataclass(frozen=True, slots=True)
class Candidate:
    pid: int
    comm: str
    points: int


@dataclass(slots=True)
class Verdict:
    """One policy's view of one task.

    ``steps`` is None for a policy that scores nothing (it panics, or kills whoever
    allocates). ``rank`` is the task's place among ``candidates`` (1 = next), None when it
    is not a candidate (``why_not`` says why). ``next_why`` explains the choice of
    ``candidates[0]``; ``when`` says when the policy acts at all.
    """

    policy: str
    title: str
    steps: list[Step] | None = None
    rank: int | None = None
    why_not: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    count: int = 0
    next_why: list[str] = field(default_factory=list)
    when: list[str] = field(default_factory=list)

    @property
    def points(self) -> int | None:
        return score_of(self.steps) if self.steps else None

    @property
    def next(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(slots=True)
class Explanation:
    pid: int
    comm: str
    jiffies: int
    verdicts: list[Verdict]


def explain(k: Kernel, task: Task, top: int = TOP) -> Explanation:
    """Every policy's verdict on ``task`` now, in the order they act."""
    modules = k.modules
    policies: list[KernelModule] = []
    for nb in k.oom.chain:
        module = modules.get(nb.name)
        if module is not None and module not in policies:
            policies.append(module)
    policies += [m for m in modules.loaded() if isinstance(m, Earlyoom) and m not in policies]
    verdicts = [_verdict(k, module, task, top) for module in policies]
    if not verdicts:
        verdicts.append(_no_handler(k, task, top))
    return Explanation(task.pid, task.comm, k.jiffies, verdicts)


def _verdict(k: Kernel, module: KernelModule, task: Task, top: int) -> Verdict:
    if isinstance(module, ClassicKiller):
        return _classic(k, module, task, top)
    if isinstance(module, OomScoreAdj):
        return _oom_score_adj(k, module, task, top)
    if isinstance(module, Earlyoom):
        return _earlyoom(k, module, task, top)
    if isinstance(module, OomPanic):
        return _panic(k)
    if isinstance(module, OomKillAllocating):
        return _allocating(k, task)
    return _other(k, module, task, top)


# ---------------------------------------------------------------------------- ranking
def _ranked(scored: list[tuple[Task, int]], task: Task, top: int, verdict: Verdict) -> Verdict:
    """Fill in the ranking from ``scored`` (already in the policy's order of preference)."""
    verdict.count = len(scored)
    verdict.candidates = [Candidate(t.pid, t.comm, points) for t, points in scored[:top]]
    for place, (candidate, _) in enumerate(scored, start=1):
        if candidate is task:
            verdict.rank = place
            break
    if len(scored) >= 1:
        first, points = scored[0]
        if len(scored) == 1:
            verdict.next_why.append(f"{first.pid} ({first.comm}) is the only candidate")
        else:
            second, runner = scored[1]
            if runner == points:
                verdict.next_why.append(
                    f"{first.pid} ({first.comm}) and {second.pid} ({second.comm}) tie at "
                    f"{points}: {_tie_rule(verdict.policy)}"
                )
            else:
                verdict.next_why.append(
                    f"{first.pid} ({first.comm}) has the most points, {points}; next is "
                    f"{second.pid} ({second.comm}) with {runner}"
                )
    return verdict


def _tie_rule(policy: str) -> str:
    if policy == "earlyoom":
        return "the larger VmRSS wins, then the first found"
    return "only strictly more points wins, so the older task is chosen"


def classic_candidates(k: Kernel) -> list[tuple[Task, int]]:
    """``select_bad_process``'s walk: every task but pid 0 with points above 0, most points
    first, ties in task-list order (oldest first)."""
    jiffies = k.jiffies
    scored = [(t, badness(t, jiffies)) for t in k.for_each_task() if t.pid]
    ordered = [(t, p) for t, p in scored if p > 0]
    return sorted(ordered, key=lambda pair: -pair[1])  # sorted() is stable: oldest first


def _classic(k: Kernel, module: ClassicKiller, task: Task, top: int) -> Verdict:
    title = f"{module.name}: badness() of the seed's mm/{module.name}.c"
    verdict = Verdict(module.name, title, steps=badness_steps(task, k.jiffies))
    if task.pid == 0:
        verdict.why_not = "pid 0 is skipped"
    elif (verdict.points or 0) <= 0:
        verdict.why_not = "0 points: never chosen (maxpoints starts at 0)"
    _ranked(classic_candidates(k), task, top, verdict)
    verdict.when = _classic_when(k, module)
    if isinstance(module, OomKillParent):
        verdict.when += _parent_notes(module, task)
    return verdict


def _classic_when(k: Kernel, module: ClassicKiller) -> list[str]:
    """``out_of_memory_killer``'s timing rules, each with where it stands now."""
    h = module.heuristic()
    now = k.jiffies
    swap = k.vm.nr_swap_pages
    lines = [
        "it kills only when all of these hold at an out_of_memory() call:",
        f"  {_mark(swap == 0)} no swap free (nr_swap_pages = {swap})",
    ]
    since_last = (now - h["last"]) & JIFFIES_MASK
    if since_last > 5 * HZ:
        lines.append("  ✗ failures for 1 s: none in the last 5 s (the next starts afresh)")
        lines.append("  ✗ 10 failures counted (count = 0)")
    else:
        since_first = (now - h["first"]) & JIFFIES_MASK
        count = h["count"]
        first = f"now - first = {format_tenths(since_first)} s"
        lines.append(f"  {_mark(since_first >= HZ)} failures for 1 s ({first})")
        lines.append(f"  {_mark(count >= 9)} 10 failures counted (count = {count})")
    since_kill = (now - h["lastkill"]) & JIFFIES_MASK
    kill = f"now - lastkill = {_secs(since_kill)}"
    lines.append(f"  {_mark(since_kill >= 5 * HZ)} 5 s since its last kill ({kill})")
    return lines


def _parent_notes(module: OomKillParent, task: Task) -> list[str]:
    notes = []
    limit = module.oom_parent_max
    parent = task.p_opptr
    if parent is not None and parent.pid > 1:
        record = module.find_in_blacklist(parent)
        strikes = f"{record.value} strikes" if record is not None else "not blacklisted"
        notes.append(
            f"killing it blacklists its parent {parent.pid} ({parent.comm}): {strikes}, "
            f"killed itself once it reaches {limit}"
        )
    else:
        notes.append("its original parent is init (or none): no parent is blacklisted")
    record = module.find_in_blacklist(task)
    if record is not None:
        notes.append(f"it is blacklisted itself: {record.value}/{limit} strikes")
    return notes


def _oom_score_adj(k: Kernel, module: OomScoreAdj, task: Task, top: int) -> Verdict:
    total = oom_totalpages(k)
    verdict = Verdict(
        module.name,
        f"{module.name}: oom_badness() of Linux 2.6.36",
        steps=oom_badness_steps(task, total),
    )
    waiting: Task | None = None
    scored: list[tuple[Task, int]] = []
    for p in k.for_each_task():
        if p.dead or not is_process(p) or oom_unkillable_task(p):
            continue
        if p.flags & PF_MEMDIE and not (p.mm is not None and p.mm.oom_reaped):
            waiting = waiting or p
            continue
        points = score_of(oom_badness_steps(p, total))
        if points > 0:
            scored.append((p, points))
    scored.sort(key=lambda pair: -pair[1])
    if task.dead:
        verdict.why_not = "a zombie: it has exited"
    elif not is_process(task):
        verdict.why_not = f"a thread: its group leader {task.thread_leader.pid} is scored"  # type: ignore[union-attr]
    elif oom_unkillable_task(task) or (verdict.points or 0) <= 0:
        verdict.why_not = "never chosen"
    _ranked(scored, task, top, verdict)
    if waiting is not None:
        verdict.next_why.insert(
            0,
            f"but nothing is killed while {waiting.pid} ({waiting.comm}), an earlier victim, "
            "is alive and unreaped",
        )
    vm = k.vm
    verdict.when = ["no timing rules: it acts at every out_of_memory() call"]
    if vm.nr_swap_pages > 0:
        verdict.when.append(
            f"  (a call while the swap disk is still writing counts as progress: "
            f"{vm.nr_swap_pages} swap pages free)"
        )
    if module.panic_on_oom.value:
        verdict.when.append("vm.panic_on_oom is set: it panics instead of killing")
    elif module.oom_kill_allocating_task.value:
        verdict.when.append("vm.oom_kill_allocating_task is set: the allocating task dies first")
    return verdict


def earlyoom_candidates(k: Kernel, daemon: EarlyoomDaemon) -> list[tuple[Task, int]]:
    """``find_largest_process``: pids above 1 with resident memory, not -1000, badness not
    below 0; most badness first, then the larger VmRSS, then the first found."""
    total = oom_totalpages(k)
    found = []
    for index, p in enumerate(list(k.tasks.values())):
        if p.pid <= 1 or p.dead or p.mm is None or p.mm.rss == 0:
            continue
        if p.oom_score_adj == OOM_SCORE_ADJ_MIN:
            continue
        points = daemon.badness(p, total)
        if points >= 0:
            found.append((p, points, p.mm.rss, index))
    found.sort(key=lambda item: (-item[1], -item[2], item[3]))
    return [(p, points) for p, points, _, _ in found]


def _earlyoom(k: Kernel, module: Earlyoom, task: Task, top: int) -> Verdict:
    daemon = module.daemon
    title = "earlyoom: a daemon reading /proc/PID/oom_score (2.6.36's) every 100 ms"
    if daemon is None or daemon.dead or not isinstance(daemon.program, EarlyoomDaemon):
        return Verdict(module.name, title, when=["its daemon is not running: nothing happens"])
    program = daemon.program
    verdict = Verdict(module.name, title, steps=program.badness_steps(task, oom_totalpages(k)))
    if task.pid <= 1:
        verdict.why_not = "pids 0 and 1 are skipped"
    elif task.mm is None or task.dead or task.mm.rss == 0:
        verdict.why_not = "no resident memory: skipped"
    elif task.oom_score_adj == OOM_SCORE_ADJ_MIN:
        verdict.why_not = "oom_score_adj -1000: skipped"
    _ranked(earlyoom_candidates(k, program), task, top, verdict)
    if verdict.next is not None and verdict.next.pid == daemon.pid:
        verdict.next_why.append("that is earlyoom itself: it refuses and sleeps a second")
    m = MemInfo(k)
    verdict.when = [
        "it signals when both available memory and free swap are at or below its limits:",
        f"  SIGTERM at mem ≤ {module.mem_term} % and swap ≤ {module.swap_term} %; "
        f"SIGKILL at ≤ {module.mem_kill} % and ≤ {module.swap_kill} %",
        f"  now: mem {m.mem_percent:.1f} % available, swap {m.swap_percent:.1f} % free",
    ]
    if module.dryrun:
        verdict.when.append("dryrun=1: it only says what it would do")
    return verdict


def _panic(k: Kernel) -> Verdict:
    timeout = k.panic_timeout.value
    after = (
        f"the machine reboots after {timeout} s (kernel.panic)"
        if timeout > 0
        else "the machine hangs (kernel.panic = 0)"
    )
    return Verdict(
        "oom_panic",
        'oom_panic: panic("Out-Of-Memory") at the first call',
        why_not="nobody is chosen: the whole machine stops",
        when=["no swap check and no timing rules: the first out_of_memory() call panics", after],
    )


def _allocating(k: Kernel, task: Task) -> Verdict:
    waiting = [t for t in k.for_each_task() if t.blocked == "alloc" and not t.dead]
    verdict = Verdict(
        "oom_kill_allocating",
        "oom_kill_allocating: 2.4.24 without an OOM killer",
        why_not="no score: the task whose page fault finds no page is killed",
        when=[
            "no victim is chosen: out_of_memory() kills the task that is allocating",
            "  (VM: killing process …); init retries instead, kernel threads are spared",
        ],
    )
    verdict.candidates = [Candidate(t.pid, t.comm, 0) for t in waiting[:TOP] if t.pid != 1]
    verdict.count = len(verdict.candidates)
    if verdict.candidates:
        verdict.next_why.append("waiting for a page now, first in line:")
    else:
        verdict.next_why.append("nobody is waiting for a page now")
    if task.pid == 1:
        verdict.why_not = "init is spared: it yields and retries its fault"
    elif task.mm is None:
        verdict.why_not = "a kernel thread: not a page fault, nothing is killed"
    return verdict


def _other(k: Kernel, module: KernelModule, task: Task, top: int) -> Verdict:
    score = guarded_score(k, module)
    title = f"{module.name}: a policy from outside the tree"
    if score is None:
        return Verdict(module.name, title, why_not="it does not say how it scores tasks")
    jiffies = k.jiffies
    points = score(task, jiffies)
    scored = [(t, score(t, jiffies)) for t in k.for_each_task() if t.pid and not t.dead]
    if score.failed is not None:
        return Verdict(
            module.name,
            title,
            why_not=f"its score() raised {describe(score.failed)}: an oops (see dmesg)",
        )
    verdict = Verdict(
        module.name, title, steps=[Step(f"{module.name}.score(p)", "its own rule", points, True)]
    )
    scored = sorted([(t, p) for t, p in scored if p > 0], key=lambda pair: -pair[1])
    return _ranked(scored, task, top, verdict)


def _no_handler(k: Kernel, task: Task, top: int) -> Verdict:
    verdict = Verdict(
        "none",
        "no OOM handler loaded: /proc/PID/oom_score shows the classic badness()",
        steps=badness_steps(task, k.jiffies),
        when=[
            "the OOM chain is empty: out_of_memory() does nothing, and a task that finds no",
            "page loops in __alloc_pages forever (a livelock); nothing will be killed",
        ],
    )
    _ranked(classic_candidates(k), task, top, verdict)
    verdict.next_why.insert(0, "(whom badness() would choose, if a killer were loaded)")
    return verdict


# ---------------------------------------------------------------------------- helpers
def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _secs(jiffies: int) -> str:
    """Cut to a tenth, never rounded up past the test beside it (4.96 s is 4.9 s, ✗)."""
    return "over 10 min" if jiffies >= 600 * HZ else f"{format_tenths(jiffies)} s"
