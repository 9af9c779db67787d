"""The simulated machine: owns every part and advances them one jiffy at a time.

``Kernel.tick()`` is the one step function. Within a jiffy, in this order: parents reap the
zombies of the previous jiffy (:mod:`.exit`), signals sent on the previous jiffy take effect
(:mod:`.signal`: tasks exit), due timers fire (:mod:`.timer`: program wake-ups, lingering
exits, the load average), tasks parked in the allocator or waiting for swap-in retry
(:mod:`.page_alloc`), and kswapd balances (:mod:`.mm`). ``run_for(n)`` skips the jiffies on
which nothing is due, so a machine of sleeping daemons costs almost nothing.

The kernel's code lives in the modules named after 2.4's files — :mod:`.boot`,
:mod:`.fork`, :mod:`.exec`, :mod:`.exit`, :mod:`.signal`, :mod:`.memory`, :mod:`.mm`,
:mod:`.page_alloc`, :mod:`.oom_notifier`, :mod:`.module_loader`, :mod:`.panic` … — as
functions over the kernel, the way 2.4's are over its globals. ``Kernel`` holds the state
(the task list, the VM, the timers, the lines of tasks waiting for something), boots and
ticks, and offers the calls programs, policies and the shell make.

Everything is deterministic: no wall clock, and the only randomness is ``Kernel.random``,
seeded from the boot spec.

``jiffies`` is the C variable: an unsigned 32-bit counter that wraps. ``ticks`` counts the
jiffies since this boot started and never wraps; timers use it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from . import events as ev
from . import memory
from .boot import BANNER, create_boot_tasks, create_spec_task
from .bootspec import BootSpec, boot_kernel_pages
from .constants import (
    CAP_FULL_SET,
    HZ,
    JIFFIES_MASK,
    SIGNAL_NAMES,
)
from .exec import schedule_wake
from .exit import do_exit, reap_later, reap_zombies
from .fork import do_fork, spawn
from .invariants import check_invariants
from .kconfig import resolve_kconfig
from .loadavg import LOAD_FREQ, calc_load, count_active
from .mm import VM
from .module import ModuleError
from .module_loader import ModuleLoader
from .numbers import Numbers
from .oom_notifier import OomNotifier
from .oom_state import oom_state
from .page_alloc import retry_blocked
from .panic import KernelEntry, KernelPanic, entry_point
from .panic import panic as kernel_panic
from .platform import Platform
from .printk import KERN_INFO, KERN_NOTICE, KERN_WARNING, LogBuffer
from .sched import Scheduler
from .signal import deliver_exits, send_sig
from .sysctl import CtlEntry, IntCell, SysctlError, SysctlTree, VectorCell
from .task import Mm, Task
from .timer import TimerList
from .watch import TaskWatcher, Watchers

if TYPE_CHECKING:
    from .program import Program


class Kernel(Watchers):
    """One simulated Linux 2.4.22 machine."""

    idle_task: Task
    """pid 0 (``swapper``): init's parent, not on the task list."""
    init_task: Task
    """pid 1."""
    kswapd: Task
    """The kswapd kernel thread, on whose behalf kswapd reclaims."""
    modules: ModuleLoader
    vm: VM

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
        self.mm_ids = Numbers(1)
        self.task_seq = Numbers(1)
        self.watchers: list[TaskWatcher] = []
        """Told of every change an OOM score could see (:mod:`.watch`); this boot's only."""
        self._markers: tuple[Any, ...] = ()
        self._callers: tuple[TaskWatcher, ...] = ()
        self._runs_told: tuple[TaskWatcher, ...] = ()
        self.rankings: dict[str, object] = {}
        """The policies' rankings of this boot's tasks, by kind (kept here, made above)."""
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
        self.sched = Scheduler(spec.cpus, self._uptime)
        self.oom = OomNotifier(on_call=self._oom_called)
        self._init_sysctl()
        self.vm = VM(
            self,
            ram_pages=spec.ram_pages,
            swap_pages=spec.swap_pages,
            swap_speed=spec.swap_speed,
            kernel_pages=boot_kernel_pages(spec.ram_pages) + spec.kernel_memory,
            cache_pages=spec.page_cache,
        )
        self.printk(KERN_NOTICE, BANNER)
        self.printk(
            KERN_INFO,
            f"Memory: {self.vm.free * 4}k/{spec.ram_pages * 4}k available "
            f"({self.vm.kernel_pages * 4}k kernel code and data, {spec.page_cache * 4}k cached)",
        )
        self.printk(KERN_INFO, f"CPUs: {spec.cpus}, HZ={HZ}")
        create_boot_tasks(self)
        registry = self.platform.modules
        if self.platform.find_modules is not None:
            # Modules installed since the last boot, found anew at each boot.
            found = self.platform.find_modules(registry, self._module_ignored)
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
            create_spec_task(self, tspec)
        self.add_timer(LOAD_FREQ, self._calc_load)

    def _uptime(self) -> int:
        """The scheduler's clock: jiffies since boot (a method, not a lambda: a kernel is
        pickled whole for the screen's rewind checkpoints)."""
        return self.ticks

    def _module_ignored(self, text: str) -> None:
        self.printk(KERN_WARNING, f"moomtui: {text}: ignored")

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

    @entry_point
    def reboot(self) -> None:
        """A new boot of the same spec: new uptime, the log starts again."""
        self.boot += 1
        self.emit(ev.Reboot(new_boot=self.boot))
        self._boot()

    # ====================================================================== events / log
    def emit(self, event: ev.Event) -> None:
        """Count ``event`` and hand it to the subscribers that want its kind, stamped with
        this jiffy and boot (what :meth:`EventBus.emit
        <moomtui.kernel.events.EventBus.emit>` does, inlined). Where the kernel makes many
        events (the fork, kill and exit path), it asks ``bus.route`` first and only counts
        an event nobody wants (:meth:`wants`)."""
        bus = self.bus
        cls = type(event)
        bus.counts[cls] += 1
        handlers = bus.route[cls]
        if handlers:
            event.jiffies = self.jiffies
            event.boot = self.boot
            for fn in handlers:
                fn(event)

    def wants(self, cls: type[ev.Event]) -> bool:
        """Whether anyone wants events of class ``cls``; if nobody does, the event is
        counted as emitted and need not be built (``if k.wants(Exec): k.emit(Exec(…))``)."""
        bus = self.bus
        if bus.route[cls]:
            return True
        bus.counts[cls] += 1
        return False

    def printk(self, level: int, text: str) -> None:
        """One ``printk`` call: a record per line (see :meth:`LogBuffer.printk`)."""
        log = self.log
        if "\n" not in text:  # one line, as nearly every call
            text = log.emit_line(self.jiffies, level, text)
            bus = self.bus
            if bus.route[ev.Printk]:
                self.emit(ev.Printk(level=level, text=text))
            else:
                bus.counts[ev.Printk] += 1
            return
        for rec in log.printk(self.jiffies, level, text):
            self.emit(ev.Printk(level=rec.level, text=rec.text))

    # ====================================================================== time
    def add_timer(self, delay: int, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` ``delay`` jiffies from now (at least one)."""
        self.timers.add_timer(self.ticks + max(1, delay), fn, *args)

    schedule_wake = schedule_wake
    """Wake ``task``'s program after ``delay`` jiffies (replacing an earlier wake-up)."""

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
        calc_load(self.avenrun, count_active(self.blocked, self.sched.runnable, self.ticks))
        self.add_timer(LOAD_FREQ, self._calc_load)

    # ====================================================================== tasks
    def for_each_task(self) -> Iterator[Task]:
        """Oldest first, like ``for_each_task`` over the 2.4 task list."""
        return iter(list(self.tasks.values()))

    def find_task_by_pid(self, pid: int) -> Task | None:
        return self.tasks.get(pid)

    def iter_mms(self) -> Iterator[Mm]:
        """Every address space in use, once each, in task-list order."""
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
        return [t for t in mm.tasks if t is not task]

    def fork(
        self, parent: Task, program: Program, *, thread: bool = False, comm: str | None = None
    ) -> Task | None:
        """``do_fork``: a child (or a thread) of ``parent`` running ``program``; None when
        no pid or task_struct is to be had (see :mod:`.fork`)."""
        return do_fork(self, parent, program, thread=thread, comm=comm)

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
        if caps is None:
            caps = CAP_FULL_SET if uid == 0 else 0
        parent = parent or self.init_task
        return spawn(self, program, comm=comm, parent=parent, uid=uid, nice=nice, caps=caps)

    def setuid(self, task: Task, uid: int) -> None:
        """``setuid(uid)`` by root: every uid changes; leaving uid 0 clears the effective
        capabilities (``cap_emulate_setxuid``)."""
        task.uid = task.euid = uid
        if uid != 0:
            task.cap_effective = 0
        self.task_changed(task)

    def set_busy(self, task: Task, busy: int) -> None:
        """The program now wants the CPU ``busy`` percent of the time."""
        task.busy = busy
        self.sched.update(task)

    def set_nice(self, task: Task, nice: int) -> None:
        """``sys_setpriority``: the nice value, clamped to -20..19."""
        task.nice = max(-20, min(19, nice))
        self.sched.update(task)
        self.task_changed(task)

    # ====================================================================== memory syscalls
    brk = memory.brk
    """Grow the task's virtual size, subject to the overcommit check (:func:`.memory.brk`:
    the function itself, a method of the kernel without a call of its own in between)."""

    fault = memory.fault
    """Touch ``pages`` new pages; False: the task now waits in the allocator
    (:func:`.memory.fault`)."""

    munmap = memory.munmap
    """:func:`.memory.munmap`."""

    set_ws = memory.set_ws
    """:func:`.memory.set_ws`."""

    read_file = memory.read_file
    """:func:`.memory.read_file`."""

    # ====================================================================== OOM
    def _oom_called(self, current: Task | None) -> None:
        """``out_of_memory()`` is calling the chain for ``current``: count it, tell the
        event stream."""
        self.oom_calls += 1
        self.last_oom_call = self.ticks
        if self.wants(ev.OutOfMemory):
            self.emit(
                ev.OutOfMemory(
                    pid=current.pid if current is not None else 0,
                    nr_swap_pages=self.vm.nr_swap_pages,
                    free_pages=self.vm.free,
                    handlers=self.oom.names(),
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
        self.mm_size_changed(mm)
        return freed

    def panic(self, message: str) -> NoReturn:
        """``kernel/panic.c``: stop the world, reboot after ``panic_timeout`` seconds if > 0;
        never returns (raises :class:`~moomtui.kernel.panic.KernelPanic`)."""
        kernel_panic(self, message)

    # ====================================================================== signals / exit
    send_sig = send_sig
    """Send signal ``sig`` to ``task`` (``force``: ``force_sig``); see :mod:`.signal`."""

    do_exit = do_exit
    """``do_exit``: release the mm, reparent the children to init, become a zombie."""

    reap_later = reap_later
    """The parent will ``wait()`` for this zombie on the next jiffy."""

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

    # ====================================================================== views
    def uptime(self) -> float:
        return self.ticks / HZ

    def signal_name(self, sig: int) -> str:
        return "SIG" + SIGNAL_NAMES.get(sig, str(sig))

    def oom_state(self) -> str:
        """One word for the header: ``panic``, ``livelock``, ``thrashing``, ``OOM``,
        ``reclaim``, ``pressure`` or ``ok`` (:func:`.oom_state.oom_state`)."""
        return oom_state(self)

    def check_invariants(self) -> list[str]:
        """Every broken invariant of the machine, as text (:mod:`.invariants`)."""
        return check_invariants(self)

    def blocked_tasks(self) -> list[Task]:
        return list(self.blocked)

    def warn(self, text: str) -> None:
        self.printk(KERN_WARNING, text)
