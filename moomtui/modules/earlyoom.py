"""earlyoom (Jakob Unterwurzacher, 2014–): an OOM killer in userspace, as a daemon task.

Unlike the other policies this one is not on the OOM notifier chain: earlyoom is a
process, not kernel code, and it acts *before* the kernel runs out of memory. The module
is its front-end — ``insmod earlyoom`` is ``systemctl start earlyoom``, ``rmmod earlyoom``
is ``systemctl stop earlyoom`` (SIGTERM) — and the work is done by a task named
``earlyoom`` (uid 0, a child of init, 512 KiB resident) running :class:`EarlyoomDaemon`.
Being a process, it can be killed like any other, by ``kill``, by a kernel OOM killer, or
by itself: from then on it protects nothing, although the module stays loaded until
``rmmod`` (a new ``insmod`` starts a new daemon).

Every 100 ms (``HZ/10``; earlyoom's adaptive sleep never sleeps longer on a machine this
small) it reads ``/proc/meminfo``. A 2.4 kernel has no ``MemAvailable`` (3.14), so it uses
its fallback, ``MemFree + Cached + Buffers``; with ``MemTotal`` and ``SwapTotal`` that
gives two percentages. ``SwapFree`` is 0 % when there is no swap at all, so on a machine
without swap the swap condition always holds and earlyoom acts on memory alone. When
*both* are at or below ``mem_term``/``swap_term`` (10 %) it sends SIGTERM, at or below
``mem_kill``/``swap_kill`` (5 %) SIGKILL, to the process with the highest ``oom_score``,
as 1.6's ``find_largest_process`` picks it:

* pids 0 and 1 are skipped, and so is any process with no resident memory (kernel
  threads, zombies) or an ``oom_score_adj`` of -1000;
* ``oom_score`` is the 2.6.36 badness (:func:`~moomtui.modules.oom_score_adj.oom_badness`,
  what ``/proc/PID/oom_score`` shows on the kernels earlyoom was written for; this
  simulator's ``oom_score`` file shows 2.4's); a name matching ``prefer`` adds 300, one
  matching ``avoid`` subtracts 300 — POSIX extended regexes, read as glibc's ``regcomp``
  reads them and matched in time linear in the name (:mod:`.ere`), so no pattern, however
  written, holds the machine up;
* the highest badness wins, ties going to the larger VmRSS; a badness below 0 never wins;
* if the winner is earlyoom itself it refuses ("selected myself") and sleeps a second.

After a signal it waits for the victim to exit, checking every 100 ms for up to 10 s,
escalating SIGTERM to SIGKILL as soon as memory reaches the kill limits, and then goes back
to polling. ``dryrun=1`` prints the decision and sends nothing. Its lines go to the kernel
log at ``KERN_INFO`` with an ``earlyoom:`` prefix, worded as earlyoom 1.6 words them; a
memory report is printed at start and then every ``report`` seconds (earlyoom's ``-r``,
whose 1-second default would flood a 16 KB log; 0 turns it off). A kill is an
:class:`~moomtui.kernel.events.OomKill` event from module ``earlyoom``.

Left out: ``-M``/``-S`` (sizes in KiB), ``--ignore``, ``--ignore-root-user``,
notifications, ``-p`` (priority), ``-g`` (process groups), ``process_mrelease`` and
``mlockall`` (its pages can be swapped out here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel import events as ev
from ..kernel.bootspec import boot_kernel_pages
from ..kernel.constants import HZ, PAGE_SIZE, SIGKILL, SIGTERM
from ..kernel.errno import EINVAL, ENOMEM
from ..kernel.module import KernelLike, KernelModule, ModuleParam
from ..kernel.printk import KERN_INFO
from ..kernel.proc_pid import OOM_SCORE_ADJ_MIN
from ..userland.base import Program
from .ere import Ere, EreError, compile_ere
from .oom_score_adj import oom_badness, oom_badness_steps, totalpages
from .steps import Step, score_of

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task

VERSION = "v1.6"
POLL = HZ // 10
"""Jiffies between two looks at ``/proc/meminfo`` (100 ms)."""
KILL_WAIT_POLLS = 100
"""``kill_wait`` checks on the victim 100 times, 100 ms apart: 10 s."""
DAEMON_RSS = 128
"""Pages the daemon keeps resident: 512 KiB."""
BADNESS_PREFER = 300
BADNESS_AVOID = -300
_KB = PAGE_SIZE // 1024
_SIGNAMES = {SIGTERM: "SIGTERM", SIGKILL: "SIGKILL"}


class MemInfo:
    """``parse_meminfo()``: what earlyoom reads of ``/proc/meminfo``, in KiB and percent.

    The fields are those :func:`~moomtui.kernel.proc_misc.meminfo` prints, taken straight from
    the VM's counters: the whole file also sums every address space's working set, too
    much to build ten times a second on a machine of thousands of tasks.
    """

    __slots__ = ("avail", "mem_percent", "swap_free", "swap_percent", "swap_total", "total")

    def __init__(self, k: Kernel) -> None:
        vm = k.vm
        self.total = (vm.totalram - boot_kernel_pages(vm.totalram)) * _KB  # MemTotal
        # available_guesstimate() for a kernel without MemAvailable (before 3.14):
        # MemFree + Cached + Buffers, and a 2.4 kernel here has no buffer cache.
        self.avail = (vm.free + vm.cache) * _KB
        self.swap_total = vm.swap_total * _KB
        self.swap_free = vm.nr_swap_pages * _KB
        self.mem_percent = self.avail * 100 / self.total
        self.swap_percent = self.swap_free * 100 / self.swap_total if self.swap_total else 0.0

    def stats(self) -> str:
        """``print_mem_stats``."""
        return (
            f"mem avail: {self.avail // 1024:5d} of {self.total // 1024:5d} MiB "
            f"({self.mem_percent:5.2f}%), swap free: {self.swap_free // 1024:4d} of "
            f"{self.swap_total // 1024:4d} MiB ({self.swap_percent:5.2f}%)"
        )


class EarlyoomDaemon(Program):
    """The ``earlyoom`` process: ``poll_loop``, ``find_largest_process``, ``kill_wait``."""

    name = "earlyoom"
    description = "earlyoom: kills the biggest process before memory runs out"

    def __init__(self, module: Earlyoom) -> None:
        super().__init__({})
        self.module = module
        self.victim: Task | None = None
        self.sig = 0
        self.since = 0
        self.polls = 0
        self.next_report = 0

    def say(self, k: Kernel, text: str) -> None:
        k.printk(KERN_INFO, f"earlyoom: {text}")

    # ------------------------------------------------------------------ life cycle
    def start(self, k: Kernel, task: Task) -> int | None:
        mod = self.module
        task.argv = mod.argv()
        if k.brk(task, DAEMON_RSS):
            k.set_ws(task, DAEMON_RSS)
            k.fault(task, DAEMON_RSS)
        m = MemInfo(k)
        self.say(k, f"earlyoom {VERSION}")
        self.say(k, "Warning: Your kernel does not provide MemAvailable data (needs 3.14+)")
        self.say(k, "         Falling back to guesstimate")
        if mod.dryrun:
            self.say(k, "dryrun mode enabled, will not kill anything")
        if mod.prefer:
            self.say(k, f"Preferring to kill process names that match regex '{mod.prefer}'")
        if mod.avoid:
            self.say(k, f"Will avoid killing process names that match regex '{mod.avoid}'")
        total, swap = m.total // 1024, m.swap_total // 1024
        self.say(k, f"mem total: {total:4d} MiB, swap total: {swap:4d} MiB")
        self.say(
            k,
            f"sending SIGTERM when mem <= {mod.mem_term:5.2f}% and swap <= {mod.swap_term:5.2f}%,",
        )
        self.say(
            k, f"        SIGKILL when mem <= {mod.mem_kill:5.2f}% and swap <= {mod.swap_kill:5.2f}%"
        )
        self.next_report = k.ticks
        return 1  # poll_loop starts at once: the first memory report is immediate

    def step(self, k: Kernel, task: Task) -> int | None:
        if self.victim is not None:
            return self.kill_wait(k, task)
        m = MemInfo(k)
        sig = self.lowmem_sig(m)
        mod = self.module
        if sig:
            self.say(k, m.stats())
            if sig == SIGKILL:
                mem_limit, swap_limit = mod.mem_kill, mod.swap_kill
            else:
                mem_limit, swap_limit = mod.mem_term, mod.swap_term
            self.say(
                k,
                f"low memory! at or below {_SIGNAMES[sig]} limits: mem {mem_limit:5.2f}%, "
                f"swap {swap_limit:5.2f}%",
            )
            return self.kill_process(k, task, sig)
        if mod.report and k.ticks >= self.next_report:
            self.say(k, m.stats())
            self.next_report = k.ticks + mod.report * HZ
        return POLL

    # ------------------------------------------------------------------ the decisions
    def lowmem_sig(self, m: MemInfo) -> int:
        """SIGKILL, SIGTERM, or 0: both memory *and* swap must be at or below the limit."""
        mod = self.module
        if m.mem_percent <= mod.mem_kill and m.swap_percent <= mod.swap_kill:
            return SIGKILL
        if m.mem_percent <= mod.mem_term and m.swap_percent <= mod.swap_term:
            return SIGTERM
        return 0

    def badness(self, p: Task, total: int) -> int:
        """``/proc/PID/oom_score`` (2.6.36's) with ``--prefer`` / ``--avoid``."""
        badness = oom_badness(p, total)
        mod = self.module
        if mod.prefer_re is not None and mod.prefer_re.search(p.comm):
            badness += BADNESS_PREFER
        if mod.avoid_re is not None and mod.avoid_re.search(p.comm):
            badness += BADNESS_AVOID
        return badness

    def badness_steps(self, p: Task, total: int) -> list[Step]:
        """:meth:`badness` a statement at a time (for ``explain``): ``/proc/PID/oom_score``
        as 2.6.36 computes it, then ``--prefer`` and ``--avoid``."""
        steps = oom_badness_steps(p, total)
        badness = score_of(steps)
        # The kernel's return is what earlyoom reads from /proc/PID/oom_score: it goes on.
        steps = [Step(s.code, s.text, None if s.final else s.points) for s in steps]
        steps.append(Step("badness = read /proc/PID/oom_score;", f"oom_score {badness}", badness))
        mod = self.module
        code = "if (prefer_regex && regexec(prefer_regex, name) == 0) badness += 300;"
        if mod.prefer_re is not None and mod.prefer_re.search(p.comm):
            badness += BADNESS_PREFER
            steps.append(Step(code, f"{p.comm!r} matches --prefer '{mod.prefer}': +300", badness))
        elif mod.prefer_re is not None:
            steps.append(Step(code, f"{p.comm!r} does not match --prefer '{mod.prefer}'"))
        code = "if (avoid_regex && regexec(avoid_regex, name) == 0) badness += -300;"
        if mod.avoid_re is not None and mod.avoid_re.search(p.comm):
            badness += BADNESS_AVOID
            steps.append(Step(code, f"{p.comm!r} matches --avoid '{mod.avoid}': -300", badness))
        elif mod.avoid_re is not None:
            steps.append(Step(code, f"{p.comm!r} does not match --avoid '{mod.avoid}'"))
        steps.append(Step("return badness;", f"badness = {badness}", badness, True))
        return steps

    def find_largest_process(self, k: Kernel, me: Task) -> tuple[Task | None, int]:
        """Walk ``/proc`` in its order; the victim and its badness (None: nobody)."""
        total = totalpages(k)
        victim: Task | None = None
        best = best_rss = 0
        for p in list(k.tasks.values()):
            if p.pid <= 1:
                continue
            badness = self.badness(p, total)
            if badness < best:
                continue
            rss = p.mm.rss * _KB if p.mm is not None and not p.dead else 0
            if rss == 0:
                continue
            if badness == best and rss <= best_rss:
                continue
            if p.oom_score_adj == OOM_SCORE_ADJ_MIN:
                continue
            victim, best, best_rss = p, badness, rss
        if victim is me:
            self.say(
                k,
                f"find_largest_process: selected myself (pid {me.pid}). Do you use hidpid? "
                "See https://github.com/rfjakob/earlyoom/wiki/proc-hidepid",
            )
            return None, 0
        return victim, best

    def kill_process(self, k: Kernel, task: Task, sig: int) -> int:
        victim, badness = self.find_largest_process(k, task)
        if victim is None:
            self.say(k, "Could not find a process to kill. Sleeping 1 second.")
            return HZ
        mm = victim.mm
        assert mm is not None
        self.say(
            k,
            f'sending {_SIGNAMES[sig]} to process {victim.pid} uid {victim.uid} "{victim.comm}": '
            f"badness {badness}, VmRSS {mm.rss * _KB // 1024} MiB",
        )
        if self.module.dryrun:
            self.say(k, "dryrun, not actually sending any signal")
            return POLL
        k.kills += 1
        k.emit(
            ev.OomKill(
                pid=victim.pid,
                comm=victim.comm,
                module=self.module.name,
                reason="victim",
                points=badness,
                total_vm=mm.total_vm,
                rss=mm.rss,
                sig=sig,
            )
        )
        k.send_sig(victim, sig, sender=task.pid)
        self.victim, self.sig, self.since, self.polls = victim, sig, k.ticks, 0
        return self.kill_wait(k, task)

    def kill_wait(self, k: Kernel, task: Task) -> int:
        """One turn of ``kill_wait``'s loop: escalate, or see the victim gone, or give up."""
        victim = self.victim
        assert victim is not None
        secs = (k.ticks - self.since) / HZ
        if self.polls == KILL_WAIT_POLLS:
            self.victim = None
            self.say(k, "kill failed: Timer expired")
            return POLL
        self.polls += 1
        if self.sig != SIGKILL and self.lowmem_sig(MemInfo(k)) == SIGKILL:
            self.sig = SIGKILL
            k.send_sig(victim, SIGKILL, sender=task.pid)
            self.say(k, f"escalating to SIGKILL after {secs:.1f} seconds")
        if victim.dead or k.tasks.get(victim.pid) is not victim:
            self.victim = None
            self.say(k, f"process {victim.pid} exited after {secs:.3f} seconds")
        return POLL


class Earlyoom(KernelModule):
    name = "earlyoom"
    description = """The earlyoom daemon as a module front-end: insmod starts a root task
    that polls /proc/meminfo every 100 ms and, when available memory and free swap are both
    at or below mem_term/swap_term percent (SIGTERM) or mem_kill/swap_kill (SIGKILL), signals
    the process with the highest oom_score. rmmod stops it."""
    author = "Jakob Unterwurzacher (earlyoom); moomtui front-end"
    license = "MIT"
    size = 3072
    params = (
        ModuleParam("mem_term", "i", "SIGTERM at or below this % of RAM available", 10, 0, 100),
        ModuleParam("swap_term", "i", "... and at or below this % of swap free", 10, 0, 100),
        ModuleParam("mem_kill", "i", "SIGKILL at or below this % of RAM available", 5, 0, 100),
        ModuleParam("swap_kill", "i", "... and at or below this % of swap free", 5, 0, 100),
        ModuleParam("prefer", "s", "Regex: +300 badness for matching process names", ""),
        ModuleParam("avoid", "s", "Regex: -300 badness for matching process names", ""),
        ModuleParam("dryrun", "i", "1: print the decisions, send no signal", 0, 0, 1),
        ModuleParam("report", "i", "Seconds between memory reports (0: none)", 3600, 0),
    )

    kernel: Kernel
    mem_term: int
    swap_term: int
    mem_kill: int
    swap_kill: int
    prefer: str
    avoid: str
    dryrun: int
    report: int

    def __init__(self, kernel: KernelLike, **params: int | str) -> None:
        super().__init__(kernel, **params)
        self.daemon: Task | None = None
        self.prefer_re: Ere | None = None
        self.avoid_re: Ere | None = None

    @property
    def running(self) -> bool:
        """Whether the daemon is alive (it may have been killed since insmod)."""
        return self.daemon is not None and not self.daemon.dead

    def argv(self) -> list[str]:
        """The daemon's command line, for ``/proc/PID/cmdline``."""
        argv = ["earlyoom", "-m", f"{self.mem_term},{self.mem_kill}"]
        argv += ["-s", f"{self.swap_term},{self.swap_kill}", "-r", str(self.report)]
        if self.prefer:
            argv += ["--prefer", self.prefer]
        if self.avoid:
            argv += ["--avoid", self.avoid]
        return [*argv, "--dryrun"] if self.dryrun else argv

    def _compile(self, text: str) -> Ere | None:
        """``regcomp(…, REG_EXTENDED | REG_NOSUB)``; earlyoom's line when it fails, then
        why (which earlyoom does not say)."""
        if not text:
            return None
        try:
            return compile_ere(text)
        except EreError as err:
            self.kernel.printk(KERN_INFO, f"earlyoom: could not compile regexp '{text}'")
            self.kernel.printk(KERN_INFO, f"earlyoom: regcomp: {err}")
            raise

    def init(self) -> int:
        k = self.kernel
        for kind, term, kill in (
            ("-m", self.mem_term, self.mem_kill),
            ("-s", self.swap_term, self.swap_kill),
        ):
            if kill > term:
                k.printk(KERN_INFO, f"earlyoom: {kind}: SIGKILL limit {kill} above SIGTERM {term}")
                return -EINVAL
        try:
            self.prefer_re = self._compile(self.prefer)
            self.avoid_re = self._compile(self.avoid)
        except EreError:
            return -EINVAL
        self.daemon = k.spawn(EarlyoomDaemon(self), comm="earlyoom", uid=0)
        if self.daemon is None:
            return -ENOMEM
        return 0

    def score(self, task: Task, jiffies: int) -> int:
        """What the daemon would give ``task`` now: 2.6.36's badness with prefer/avoid."""
        daemon = self.daemon
        if daemon is None or not isinstance(daemon.program, EarlyoomDaemon):
            return 0
        return daemon.program.badness(task, totalpages(self.kernel))

    def exit(self) -> None:
        daemon = self.daemon
        self.daemon = None
        if daemon is not None and not daemon.dead:
            self.kernel.send_sig(daemon, SIGTERM, sender=0)
