"""The simulated machine: owns every part and advances them one jiffy at a time.

``Kernel.tick()`` is the one step function. Within a jiffy, in this order: parents reap the
zombies of the previous jiffy, signals sent on the previous jiffy take effect (tasks exit),
due timers fire (program
wake-ups, lingering exits, the load average, kswapd's sleep), tasks parked in the allocator
or waiting for swap-in retry, and kswapd balances. ``run_for(n)`` skips the jiffies on which
nothing is due, so a machine of sleeping daemons costs almost nothing.

Everything is deterministic: no wall clock, and the only randomness is ``Kernel.random``,
seeded from the boot spec.

``jiffies`` is the C variable: an unsigned 32-bit counter that wraps. ``ticks`` counts the
jiffies since this boot started and never wraps; timers use it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from itertools import count
from typing import TYPE_CHECKING, Any, NoReturn

from . import events as ev
from .bootspec import BootSpec, TaskSpec, boot_kernel_pages
from .constants import (
    CAP_FULL_SET,
    HZ,
    JIFFIES_MASK,
    PF_KSWAPD,
    PF_MEMALLOC,
    PID_MAX,
    RESERVED_PIDS,
    SIGNAL_NAMES,
    TASK_STRUCT_ORDER,
    TASK_STRUCT_PAGES,
    UTS_RELEASE,
)
from .errno import EAGAIN
from .exit import do_exit, reap_later, reap_zombies
from .kconfig import resolve_kconfig
from .loadavg import LOAD_FREQ, calc_load
from .mm import VM
from .module import ModuleError
from .module_loader import ModuleLoader
from .oom_notifier import OomNotifier
from .page_alloc import block, retry_blocked
from .panic import KernelEntry, KernelPanic, entry_point
from .panic import panic as kernel_panic
from .platform import Platform
from .printk import KERN_INFO, KERN_NOTICE, KERN_WARNING, LogBuffer
from .sched import Scheduler
from .signal import deliver_exits, send_sig
from .sysctl import CtlEntry, IntCell, SysctlError, SysctlTree, VectorCell
from .task import Mm, Task, truncate_comm
from .timer import TimerList

if TYPE_CHECKING:
    from .program import Program

BANNER = (
    f"Linux version {UTS_RELEASE} (moom@moomtui) (gcc version 3.3.1) "
    "#1 Thu Oct 9 03:11:45 CEST 2003"
)
KERNEL_THREADS = ("keventd", "ksoftirqd_CPU0", "kswapd", "bdflush", "kupdated")


class BootError(ValueError):
    """The boot spec cannot be booted (it should have been caught by validation)."""


class Kernel:
    """One simulated Linux 2.4.22 machine."""

    def __init__(
        self,
        spec: BootSpec | None = None,
        *,
        platform: Platform,
        bus: ev.EventBus | None = None,
    ) -> None:
        self.spec = spec or BootSpec()
        self.platform = platform
        self.programs = platform.programs
        self.bus = bus or ev.EventBus()
        self.boot = 0
        self.current_uid = 0
        self.entry = KernelEntry()
        with self.entry:
            self._boot()

    # ====================================================================== boot / reboot
    def _boot(self) -> None:
        spec = self.spec
        self.ticks = 0
        self._jiffies0 = spec.jiffies & JIFFIES_MASK
        self.jiffies = self._jiffies0
        self.random = random.Random(spec.seed * 1000003 + self.boot)
        self.panicked: str | None = None
        self.reboot_at: int | None = None
        self.tasks: dict[int, Task] = {}
        self.last_pid = 0
        self._mm_ids = count(1)
        self.timers = TimerList()
        self.dying: dict[Task, int] = {}
        """Tasks a signal killed: they exit on the next jiffy (:mod:`.signal`)."""
        self.to_reap: dict[Task, None] = {}
        """Zombies their parents reap on the next jiffy (:mod:`.exit`)."""
        self.blocked: dict[Task, None] = {}
        """Tasks waiting for memory, in the order they retry (:mod:`.page_alloc`)."""
        self.avenrun = [0, 0, 0]
        self.oom_calls = 0
        self.last_oom_call: int | None = None
        self.kills = 0
        self.log = LogBuffer()
        self.sched = Scheduler(spec.cpus, lambda: self.ticks)
        self.oom = OomNotifier(on_call=self._oom_called)
        self._init_sysctl()
        self.vm = VM(
            self,
            ram_pages=spec.ram_pages,
            swap_pages=spec.swap_pages,
            swap_speed=spec.swap_speed,
            kernel_pages=boot_kernel_pages(spec.ram_pages),
            cache_pages=spec.page_cache,
        )
        self.printk(KERN_NOTICE, BANNER)
        self.printk(
            KERN_INFO,
            f"Memory: {self.vm.free * 4}k/{spec.ram_pages * 4}k available "
            f"({self.vm.kernel_pages * 4}k kernel code and data, {spec.page_cache * 4}k cached)",
        )
        self.printk(KERN_INFO, f"CPUs: {spec.cpus}, HZ={HZ}")
        self._create_boot_tasks()
        registry = self.platform.modules
        if self.platform.find_modules is not None:
            # Modules installed since the last boot, found anew at each boot.
            found = self.platform.find_modules(
                registry, lambda text: self.printk(KERN_WARNING, f"moomtui: {text}: ignored")
            )
            registry = {**registry, **found}
        self.modules = ModuleLoader(self, registry, resolve_kconfig(spec.kconfig))
        self.oom.guard = self.modules
        self.modules.boot()
        if spec.swap_pages:
            self.printk(KERN_INFO, f"Adding Swap: {spec.swap_pages * 4}k swap-space (priority -1)")
        self.printk(KERN_NOTICE, "Freeing unused kernel memory: 120k freed")
        # /etc/modules, then /etc/sysctl.conf once the modules (and their tables) are in.
        # As the init scripts do, a line that fails is reported and the boot goes on: after
        # `kconfig CONFIG_OOM_KILL=y` and a reboot, `insmod oom_kill` finds it built in.
        for line in spec.modules:
            name, *args = line.split()
            try:
                self.modules.insmod(name, args)
            except ModuleError as err:
                self.printk(KERN_WARNING, f"modules: {err}")
        for key, value in spec.sysctl.items():
            try:
                self.sysctl.write(key, str(value), uid=0)
            except SysctlError as err:
                self.printk(KERN_WARNING, f'sysctl: error: "{err.strerror}" setting key "{key}"')
        for tspec in spec.tasks:
            self._create_spec_task(tspec)
        self.add_timer(LOAD_FREQ, self._calc_load)

    def _init_sysctl(self) -> None:
        self.panic_timeout = IntCell(0)
        self.overcommit_memory = IntCell(0)
        self.printk_levels = VectorCell([7, 4, 1, 7])
        self.sysctl = SysctlTree()
        self.sysctl.register_sysctl_table(
            "kernel",
            [
                CtlEntry("panic", self.panic_timeout),
                CtlEntry("printk", self.printk_levels, on_write=self._printk_sysctl),
            ],
        )
        self.sysctl.register_sysctl_table(
            "vm", [CtlEntry("overcommit_memory", self.overcommit_memory)]
        )

    def _printk_sysctl(self) -> None:
        self.log.console_loglevel = self.printk_levels.values[0]
        self.log.default_message_loglevel = self.printk_levels.values[1]

    def _create_boot_tasks(self) -> None:
        # The idle task (pid 0, init_task in 2.4) is init's parent. It is not on the task
        # list that for_each_task walks.
        self.idle_task = Task(pid=0, comm="swapper", mm=None, cap_effective=CAP_FULL_SET)
        init = self._new_task(1, "init", Mm(next(self._mm_ids)), parent=self.idle_task)
        init.cap_effective = CAP_FULL_SET
        self.idle_task.children.clear()
        self.init_task = init
        self._set_program(init, self.programs["init"]())
        self._map_boot(init.mm, 128, 64)
        for i, name in enumerate(KERNEL_THREADS, start=2):
            kt = self._new_task(i, name, None, parent=init)
            kt.cap_effective = CAP_FULL_SET
            if name == "kswapd":
                kt.flags |= PF_MEMALLOC | PF_KSWAPD
                self.kswapd = kt
        self.last_pid = 1 + len(KERNEL_THREADS)

    def _map_boot(self, mm: Mm | None, total_vm: int, rss: int, swap: int = 0) -> None:
        if mm is None:
            return
        if rss > self.vm.free:
            raise BootError("boot-time tasks do not fit in RAM")
        if swap > self.vm.nr_swap_pages:
            raise BootError("boot-time tasks' swapped pages do not fit in swap")
        mm.total_vm = max(total_vm, rss + swap)
        self.vm.map_boot(mm, rss, swap)

    def _create_spec_task(self, spec: TaskSpec) -> Task:
        parent = self.tasks.get(spec.ppid)
        if parent is None or parent.dead:
            raise BootError(f"task {spec.comm}: no parent with pid {spec.ppid}")
        pid = spec.pid if spec.pid is not None else self._get_pid()
        if pid < 0:
            raise BootError(f"task {spec.comm}: no free pid (pid_max is {PID_MAX})")
        if pid in self.tasks or pid == 0:
            raise BootError(f"task {spec.comm}: pid {pid} is taken")
        task = self._new_task(pid, spec.comm, Mm(next(self._mm_ids)), parent=parent)
        task.uid = spec.uid
        task.euid = spec.uid if spec.euid is None else spec.euid
        task.cap_effective = spec.effective_caps()
        task.nice = spec.nice
        task.oom_score_adj = spec.oom_score_adj
        task.base_utime, task.base_stime = spec.utime, spec.stime
        task.role = spec.role
        if spec.start_time is not None:
            task.start_time = spec.start_time & JIFFIES_MASK
        self._map_boot(task.mm, spec.total_vm, spec.rss, spec.swap)
        program = self.programs[spec.program](spec.args)
        for _ in range(spec.threads - 1):
            self._clone_thread(task)
        self._set_program(task, program)
        return task

    def _clone_thread(self, leader: Task) -> Task:
        thread = self._new_task(self._get_pid(), leader.comm, leader.mm, parent=leader)
        assert leader.mm is not None
        leader.mm.users += 1
        for attr in ("uid", "euid", "cap_effective", "nice", "start_time", "role", "oom_score_adj"):
            setattr(thread, attr, getattr(leader, attr))
        thread.thread_leader = leader
        self._set_program(thread, self.programs["thread"]())
        return thread

    @entry_point
    def reboot(self) -> None:
        """A new boot of the same spec: new uptime, the log starts again."""
        self.boot += 1
        self.emit(ev.Reboot(new_boot=self.boot))
        self._boot()

    # ====================================================================== events / log
    def emit(self, event: ev.Event) -> None:
        """Hand ``event`` to the subscribers, stamped with this jiffy and boot."""
        if self.bus:
            event.stamp(self.jiffies, self.boot)
            self.bus.emit(event)

    def printk(self, level: int, text: str) -> None:
        """One ``printk`` call: a record per line (see :meth:`LogBuffer.printk`)."""
        for rec in self.log.printk(self.jiffies, level, text):
            self.emit(ev.Printk(level=rec.level, text=rec.text))

    # ====================================================================== time
    def add_timer(self, delay: int, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` ``delay`` jiffies from now (at least one)."""
        self.timers.add_timer(self.ticks + max(1, delay), fn, *args)

    def schedule_wake(self, task: Task, delay: int) -> None:
        """Wake ``task``'s program after ``delay`` jiffies (replacing an earlier wake-up)."""
        task.timer_gen += 1
        task.wake_at = self.ticks + max(1, delay)
        self.add_timer(delay, self._wake, task, task.timer_gen)

    def _wake(self, task: Task, gen: int) -> None:
        if gen != task.timer_gen or task.dead:
            return
        task.wake_at = None
        if task.blocked:
            task.wake_pending = True
            return
        self._run_program(task, "step")

    def _busy_now(self) -> bool:
        return bool(self.dying or self.to_reap or self.blocked or self.vm.kswapd_awake)

    def tick(self) -> None:
        """Advance one jiffy: the timer interrupt, an entry point of the kernel.

        A panic on the way ends the jiffy's work (see :mod:`moomtui.kernel.panic`); from
        then on a jiffy only waits for the reboot timer.
        """
        entry = self.entry
        entry.depth += 1
        try:
            self._tick()
        except KernelPanic:
            if entry.depth > 1:
                raise
        finally:
            entry.depth -= 1

    def _tick(self) -> None:
        self.ticks += 1
        self.jiffies = (self._jiffies0 + self.ticks) & JIFFIES_MASK
        if self.panicked is not None:
            if self.reboot_at is not None and self.ticks >= self.reboot_at:
                self.reboot()
            return
        if self.to_reap:
            reap_zombies(self)
        if self.dying:
            deliver_exits(self)
        self.timers.run_timers(self.ticks)
        if self.blocked:
            retry_blocked(self)
        if self.vm.kswapd_awake:
            self.vm.kswapd_balance(self.kswapd)

    def run_for(self, n: int) -> None:
        """Advance ``n`` jiffies, skipping those on which nothing is due.

        Counted in jiffies, not against a target tick, because a reboot on the way starts
        ``ticks`` again from 0.
        """
        remaining = n
        while remaining > 0:
            if not self._busy_now():
                nxt = self.ticks + remaining
                if self.panicked is not None:
                    if self.reboot_at is not None:
                        nxt = min(nxt, self.reboot_at)
                elif (expires := self.timers.next_expires()) is not None:
                    nxt = min(nxt, expires)
                skip = nxt - 1 - self.ticks
                if skip > 0:
                    self.ticks += skip
                    self.jiffies = (self._jiffies0 + self.ticks) & JIFFIES_MASK
                    remaining -= skip
            self.tick()
            remaining -= 1

    def next_event_in(self) -> int:
        """Jiffies until something is due (1 when the machine is busy every jiffy)."""
        expires = self.timers.next_expires()
        if self._busy_now() or expires is None:
            return 1
        return max(1, expires - self.ticks)

    def _calc_load(self) -> None:
        calc_load(self.avenrun, self.sched.nr_running + len(self.blocked))
        self.add_timer(LOAD_FREQ, self._calc_load)

    # ====================================================================== tasks
    def _get_pid(self) -> int:
        """``kernel/fork.c`` get_pid(): the next free pid; past 32767 start again at 300."""
        last = self.last_pid
        for _ in range(PID_MAX):
            last += 1
            if last >= PID_MAX:
                last = RESERVED_PIDS
            if last not in self.tasks:
                self.last_pid = last
                return last
        return -EAGAIN

    def _new_task(self, pid: int, comm: str, mm: Mm | None, *, parent: Task | None) -> Task:
        task = Task(pid=pid, comm=truncate_comm(comm), mm=mm, start_time=self.jiffies)
        task.p_opptr = task.p_pptr = parent
        task.sched = self.sched
        if parent is not None:
            parent.children[pid] = task
            task.uid, task.euid = parent.uid, parent.euid
            task.cap_effective, task.nice = parent.cap_effective, parent.nice
            task.oom_score_adj = parent.oom_score_adj
            task.role = parent.role
        self.vm.take_kernel_pages(TASK_STRUCT_PAGES)
        self.tasks[pid] = task
        return task

    def _set_program(self, task: Task, program: Program) -> None:
        task.program = program
        task.sigterm = program.sigterm
        task.busy = program.busy
        task.sys_pct = program.sys_pct
        self.sched.update(task)
        self.emit(ev.Exec(pid=task.pid, comm=task.comm, program=program.name))
        self._run_program(task, "start")

    def _run_program(self, task: Task, what: str) -> None:
        program = task.program
        if program is None or task.dead or self.panicked is not None:
            return
        mm = task.mm
        if what == "step" and mm is not None and mm.missing_ws:
            block(self, task, "swapin", mm.missing_ws)
            task.wake_pending = True
            return
        delay = program.start(self, task) if what == "start" else program.step(self, task)
        if delay is not None and not task.dead:
            self.schedule_wake(task, delay)

    def for_each_task(self) -> Iterator[Task]:
        """Oldest first, like ``for_each_task`` over the 2.4 task list."""
        return iter(list(self.tasks.values()))

    def find_task_by_pid(self, pid: int) -> Task | None:
        return self.tasks.get(pid)

    def iter_mms(self) -> Iterator[Mm]:
        seen: set[int] = set()
        for task in self.tasks.values():
            mm = task.mm
            if mm is not None and mm.id not in seen:
                seen.add(mm.id)
                yield mm

    def threads_of(self, task: Task) -> list[Task]:
        """Other live tasks sharing ``task``'s mm."""
        mm = task.mm
        if mm is None:
            return []
        return [t for t in self.tasks.values() if t.mm is mm and t is not task and not t.dead]

    def fork(
        self, parent: Task, program: Program, *, thread: bool = False, comm: str | None = None
    ) -> Task | None:
        """``do_fork``: a new task at the tail of the task list, running ``program``.

        The child's task_struct and kernel stack (an order-1 allocation) come from the
        allocator; if it cannot give them without waiting, fork fails with ENOMEM here
        (2.4 would loop; see docs/faithfulness.md). Returns None on failure.
        """
        pid = self._task_slot(parent)
        if pid is None:
            return None
        if thread:
            child = self._clone_thread_from(parent, pid)
        else:
            # dup_mmap(): the child has the parent's address space. Copy-on-write sharing
            # is not modelled: the child starts with no resident pages of its own.
            mm = Mm(next(self._mm_ids), total_vm=parent.mm.total_vm if parent.mm else 0)
            child = self._new_task(pid, comm or parent.comm, mm, parent=parent)
        self.emit(ev.Fork(pid=child.pid, ppid=parent.pid, comm=child.comm, thread=thread))
        self._set_program(child, program)
        return child

    def _task_slot(self, parent: Task) -> int | None:
        """A pid and room for the child's task_struct, for a fork from ``parent``.

        None, with an :class:`~moomtui.kernel.events.AllocFail` event, when no pid is free
        (``EAGAIN``) or the allocator cannot give the order-1 allocation without waiting
        (``ENOMEM``); None too when the machine has panicked or the parent died meanwhile.
        The pages go back to the free pool here; ``_new_task`` takes them.
        """
        if parent.dead or self.panicked is not None:
            return None
        pid = self._get_pid()
        if pid < 0:
            self.emit(ev.AllocFail(pid=parent.pid, comm=parent.comm, pages=0, reason="EAGAIN"))
            return None
        got = self.vm.alloc_pages(parent, TASK_STRUCT_PAGES, order=TASK_STRUCT_ORDER)
        self.vm.free_pages(got)
        if got < TASK_STRUCT_PAGES or parent.dead:
            self.emit(
                ev.AllocFail(
                    pid=parent.pid,
                    comm=parent.comm,
                    pages=TASK_STRUCT_PAGES,
                    reason="ENOMEM",
                )
            )
            return None
        return pid

    def _clone_thread_from(self, parent: Task, pid: int) -> Task:
        child = self._new_task(pid, parent.comm, parent.mm, parent=parent)
        assert parent.mm is not None
        parent.mm.users += 1
        child.thread_leader = parent.thread_leader or parent
        return child

    @entry_point
    def spawn(
        self,
        program: Program,
        *,
        comm: str,
        parent: Task | None = None,
        uid: int = 0,
        nice: int = 0,
        caps: int | None = None,
    ) -> Task | None:
        """Start a new process (fork + exec) under ``parent`` (default init).

        None when it cannot: the kernel has panicked, or, with an
        :class:`~moomtui.kernel.events.AllocFail` event as :meth:`fork` emits, no pid is
        free (``EAGAIN``) or no page for the task_struct (``ENOMEM``).
        """
        parent = parent or self.init_task
        pid = self._task_slot(parent)
        if pid is None:
            return None
        task = self._new_task(pid, comm, Mm(next(self._mm_ids)), parent=parent)
        task.uid = task.euid = uid
        task.nice = nice
        task.cap_effective = caps if caps is not None else (CAP_FULL_SET if uid == 0 else 0)
        self.emit(ev.Fork(pid=task.pid, ppid=parent.pid, comm=task.comm, thread=False))
        self._set_program(task, program)
        return task

    def setuid(self, task: Task, uid: int) -> None:
        """``setuid(uid)`` by root: every uid changes; leaving uid 0 clears the effective
        capabilities (``cap_emulate_setxuid``)."""
        task.uid = task.euid = uid
        if uid != 0:
            task.cap_effective = 0

    def set_busy(self, task: Task, busy: int) -> None:
        task.busy = busy
        self.sched.update(task)

    def set_nice(self, task: Task, nice: int) -> None:
        task.nice = max(-20, min(19, nice))
        self.sched.update(task)

    # ====================================================================== memory syscalls
    def brk(self, task: Task, pages: int) -> bool:
        """Grow the task's virtual size (mmap/brk), subject to the overcommit check."""
        mm = task.mm
        if mm is None or pages <= 0:
            return mm is not None
        if not self.vm.vm_enough_memory(pages):
            self.emit(ev.AllocFail(pid=task.pid, comm=task.comm, pages=pages, reason="ENOMEM"))
            return False
        mm.total_vm += pages
        return True

    def fault(self, task: Task, pages: int) -> bool:
        """Touch ``pages`` new pages (page faults). False: the task now waits in the allocator."""
        mm = task.mm
        if mm is None or pages <= 0 or task.dead:
            return True
        mm.total_vm = max(mm.total_vm, mm.rss + mm.swap + pages)
        got = self.vm.alloc_pages(task, pages)
        if task.dead or task.mm is not mm:
            self.vm.free_pages(got)
            return True
        self.vm.map_anon(mm, got)
        if got < pages:
            block(self, task, "alloc", pages - got)
            return False
        return True

    def munmap(self, task: Task, pages: int) -> None:
        if task.mm is not None:
            self.vm.unmap(task.mm, pages)

    def set_ws(self, task: Task, pages: int) -> None:
        if task.mm is not None:
            task.mm.ws = pages
            self.vm.mm_changed(task.mm)

    def read_file(self, task: Task, pages: int) -> None:
        """File reads land in the page cache (``generic_file_read``)."""
        if pages > 0:
            self.vm.alloc_cache(pages)

    # ====================================================================== OOM
    def _oom_called(self, current: Task | None) -> None:
        """``out_of_memory()`` is calling the chain for ``current``: count it, tell the
        event stream."""
        self.oom_calls += 1
        self.last_oom_call = self.ticks
        self.emit(
            ev.OutOfMemory(
                pid=current.pid if current is not None else 0,
                nr_swap_pages=self.vm.nr_swap_pages,
                free_pages=self.vm.free,
                handlers=tuple(nb.name for nb in self.oom.chain),
            )
        )

    def oom_reap(self, task: Task) -> int:
        """The OOM reaper (4.6): free the anonymous memory and swap of ``task``'s mm now.

        The victim need not exit first: its resident pages go back to the free list and its
        swap slots are released through the VM's own unmap, so every counter stays exact.
        The address space keeps its size (``total_vm``) and is marked ``oom_reaped``
        (``MMF_OOM_SKIP``). Returns the pages freed, resident and swapped.
        """
        mm = task.mm
        if mm is None or mm.oom_reaped:
            return 0
        total_vm = mm.total_vm
        freed = self.vm.unmap(mm, mm.rss + mm.swap)
        mm.total_vm = total_vm
        mm.oom_reaped = True
        return freed

    def panic(self, message: str) -> NoReturn:
        """``kernel/panic.c``: stop the world, reboot after ``panic_timeout`` seconds if > 0;
        never returns (raises :class:`~moomtui.kernel.panic.KernelPanic`)."""
        kernel_panic(self, message)

    # ====================================================================== signals / exit
    def send_sig(self, task: Task, sig: int, *, sender: int = 0, force: bool = False) -> None:
        """Send signal ``sig`` to ``task`` (``force``: ``force_sig``); see :mod:`.signal`."""
        send_sig(self, task, sig, sender=sender, force=force)

    def do_exit(self, task: Task, code: int = 0, sig: int = 0) -> None:
        """``do_exit``: release the mm, reparent the children to init, become a zombie."""
        do_exit(self, task, code, sig)

    def reap_later(self, child: Task) -> None:
        """The parent will ``wait()`` for this zombie on the next jiffy."""
        reap_later(self, child)

    # ====================================================================== swap
    def swapoff(self) -> str | None:
        """``swapoff -a``: None on success, else the error."""
        if self.vm.swap_total == 0:
            return "swapoff: no swap is on"
        if not self.vm.swapoff():
            return "swapoff: Cannot allocate memory"
        self.emit(ev.Swap(total=0, used=0, on=False))
        return None

    def swapon(self, pages: int) -> None:
        self.vm.swapon(pages)
        self.printk(KERN_INFO, f"Adding Swap: {pages * 4}k swap-space (priority -1)")
        self.emit(ev.Swap(total=self.vm.swap_total, used=self.vm.swap_used, on=True))

    # ====================================================================== checks
    def check_invariants(self) -> list[str]:
        """Every broken invariant of the machine, as text (empty when all hold)."""
        errors = self.vm.check(list(self.iter_mms()))
        live_tasks = len(self.tasks)
        if self.vm.kernel_pages != boot_kernel_pages(self.spec.ram_pages) + 2 * live_tasks:
            errors.append(f"kernel pages {self.vm.kernel_pages} for {live_tasks} tasks")
        for task in self.tasks.values():
            if task.dead and task.mm is not None:
                errors.append(f"zombie {task.pid} holds an mm")
            if task.utime < 0 or task.stime < 0:
                errors.append(f"task {task.pid} has negative times")
            if task.p_pptr is not None and task.p_pptr.pid and task.p_pptr.pid not in self.tasks:
                errors.append(f"task {task.pid} has a parent {task.p_pptr.pid} that is gone")
        users: dict[int, int] = {}
        for task in self.tasks.values():
            if task.mm is not None:
                users[task.mm.id] = users.get(task.mm.id, 0) + 1
        for mm in self.iter_mms():
            if mm.users != users[mm.id]:
                errors.append(f"mm {mm.id} has {mm.users} users, {users[mm.id]} tasks use it")
        errors += self.modules.check()
        return errors

    # ====================================================================== views
    def uptime(self) -> float:
        return self.ticks / HZ

    def signal_name(self, sig: int) -> str:
        return "SIG" + SIGNAL_NAMES.get(sig, str(sig))

    def oom_state(self) -> str:
        """One word for the header: ok, pressure, reclaiming, OOM, livelock or PANIC."""
        if self.panicked is not None:
            return "PANIC"
        stuck = [t for t in self.blocked if t.blocked == "alloc"]
        recent_oom = self.last_oom_call is not None and self.ticks - self.last_oom_call < HZ
        if stuck and recent_oom and any(self.ticks - t.stall_since > 5 * HZ for t in stuck):
            return "livelock"
        if recent_oom:
            return "OOM"
        if self.vm.kswapd_awake or self.blocked:
            return "reclaiming"
        if self.vm.free <= self.vm.pages_low:
            return "pressure"
        return "ok"

    def blocked_tasks(self) -> list[Task]:
        return list(self.blocked)

    def warn(self, text: str) -> None:
        self.printk(KERN_WARNING, text)
