"""The seed's C, transcribed with i386 types, against moomtui's modules on random traces.

``SeedModule`` below is a line-by-line Python transcription of ``mm/oom_kill_parent.c``
(``out_of_memory_killer``, ``process_blacklist``, ``find_in_blacklist``,
``blacklist_parent``, ``oom_kill``, ``oom_kill_task``, ``select_bad_process``, ``badness``,
``int_sqrt``) and of the same functions in the patched ``mm/oom_kill.c`` (no blacklist),
with every C type spelled out through ``ctypes``: ``unsigned long`` and ``unsigned int``
are ``c_uint32``, ``int`` and ``clock_t`` are ``c_int32``, as on i386. It shares no code
with ``moomtui.modules``.

A trace boots a machine whose ``jiffies`` start just below 2**32, loads ``oom_kill``,
``oom_kill_parent`` or both (in either order, as the notifier chain would call them), and
then, step by step: calls ``out_of_memory()`` with swap free or not, moves time on by a
jiffy, a second, five seconds or up to 2**31 jiffies (so ``jiffies - last_kill`` goes
negative as an ``int``), forks and kills tasks, lets the killed ones exit and be reaped,
and writes ``oom_parent_max`` / ``oom_parent_expire`` through ``/proc/sys`` with values
chosen so that ``oom_parent_expire * HZ`` overflows. Before each ``out_of_memory()`` the
transcription reads the task list (``for_each_task``) off the simulated machine; then both
run, and the test compares what each did on that call — the log lines, the tasks killed
and their signals, a panic — and the state they keep: each module's ``first``, ``last``,
``count``, ``lastkill`` and all 32 blacklist slots, stale fields included.
"""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from ctypes import c_int32, c_uint32
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import CAP_SYS_ADMIN, CAP_SYS_RAWIO, JIFFIES_MASK
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.procfs import write_proc
from moomtui.kernel.task import Task
from moomtui.machine import boot
from moomtui.modules.classic import ClassicKiller
from moomtui.modules.oom_kill_parent import OomKillParent

HZ = 100
SHIFT_HZ = 7
PF_MEMALLOC = 0x00000800
PF_MEMDIE = 0x00001000
SIGKILL, SIGTERM = 9, 15
OOM_HISTORY_SIZE = 32


def U32(x: int) -> int:
    return c_uint32(x).value


def I32(x: int) -> int:
    return c_int32(x).value


def cdiv(a: int, b: int) -> int:
    """C's signed division: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


# ====================================================================== the world, as C sees it
@dataclass
class CTask:
    """The fields of ``struct task_struct`` the seed reads. ``task`` is its pointer."""

    task: int
    pid: int
    comm: str
    mm: int | None
    total_vm: int
    times: int  # tms_utime + tms_stime
    start_time: int
    nice: int
    uid: int
    euid: int
    cap_effective: int
    flags: int
    p_opptr: CTask | None = None


def snapshot(k: Kernel, token: dict[int, int], keep: list[Task]) -> list[CTask]:
    """The task list, oldest first, with a stable pointer for every task ever seen."""

    def pointer(t: Task) -> int:
        if id(t) not in token:
            token[id(t)] = len(token) + 1
            keep.append(t)
        return token[id(t)]

    tasks = list(k.for_each_task())
    out = {
        pointer(t): CTask(
            task=pointer(t),
            pid=t.pid,
            comm=t.comm,
            mm=t.mm.id if t.mm is not None else None,
            total_vm=t.mm.total_vm if t.mm is not None else 0,
            times=t.utime + t.stime,
            start_time=t.start_time,
            nice=t.nice,
            uid=t.uid,
            euid=t.euid,
            cap_effective=t.cap_effective,
            flags=t.flags,
        )
        for t in tasks
    }
    idle = CTask(0, 0, "swapper", None, 0, 0, 0, 0, 0, 0, 0, 0)
    for t in tasks:
        parent = t.p_opptr
        out[pointer(t)].p_opptr = (
            idle if parent is None or parent.pid == 0 else out.get(pointer(parent))
        )
    return list(out.values())


@dataclass
class World:
    """What one ``out_of_memory()`` call sees and does: the tasks, the clock, the swap, and
    the log lines, kills and panic it produces."""

    tasks: list[CTask]
    jiffies: int
    nr_swap_pages: int
    lines: list[str] = field(default_factory=list)
    kills: list[tuple[int, int, str]] = field(default_factory=list)
    panic: str | None = None

    def find_task_by_pid(self, pid: int) -> CTask | None:
        return next((t for t in self.tasks if t.pid == pid), None)

    def deref(self, task: int | None) -> CTask:
        """``*task``: a pointer the blacklist holds, to a task still on the list."""
        found = next(t for t in self.tasks if t.task == task)
        return found


class Panic(Exception):
    pass


# ====================================================================== the transcription
@dataclass
class ParentRecord:  # struct parent_record
    pid: int = 0  # pid_t
    task: int | None = None  # struct task_struct * (CTask.task)
    last_kill: int = 0  # unsigned long
    value: int = 0  # unsigned long


class SeedModule:
    """One object file: mm/oom_kill.c (``parent=False``) or mm/oom_kill_parent.c."""

    def __init__(
        self, name: str, *, parent: bool, oom_parent_max: int = 10, oom_parent_expire: int = 300
    ) -> None:
        self.name = name
        self.parent = parent
        # static unsigned long first, last, count, lastkill;
        self.first = self.last = self.count = self.lastkill = 0
        # static unsigned int oom_parent_max, oom_parent_expire;
        self.oom_parent_max = U32(oom_parent_max)
        self.oom_parent_expire = U32(oom_parent_expire)
        self.blacklist = [ParentRecord() for _ in range(OOM_HISTORY_SIZE)]

    # --- shared with oom_kill.c ---------------------------------------------------------
    @staticmethod
    def int_sqrt(x: int) -> int:
        x = U32(x)
        out = x
        while x & U32(~1):
            x >>= 2
            out >>= 1
        if x:
            out -= out >> 2
        return out if out else 1

    def badness(self, w: World, p: CTask) -> int:
        if p.mm is None:
            return 0
        if p.flags & PF_MEMDIE:
            return 0
        points = I32(p.total_vm)  # int points = p->mm->total_vm;
        cpu_time = I32(p.times) >> (SHIFT_HZ + 3)  # clock_t is a long
        run_time = I32(U32(w.jiffies - p.start_time) >> (SHIFT_HZ + 10))
        points = I32(U32(points) // self.int_sqrt(cpu_time))  # int /= unsigned int
        points = I32(U32(points) // self.int_sqrt(self.int_sqrt(run_time)))
        if p.nice > 0:
            points = I32(points * 2)
        if p.cap_effective & (1 << CAP_SYS_ADMIN) or p.uid == 0 or p.euid == 0:
            points = cdiv(points, 4)
        if p.cap_effective & (1 << CAP_SYS_RAWIO):
            points = cdiv(points, 4)
        return points

    def select_bad_process(self, w: World) -> CTask | None:
        maxpoints = 0
        chosen = None
        for p in w.tasks:
            if p.pid:
                points = self.badness(w, p)
                if points > maxpoints:
                    chosen = p
                    maxpoints = points
        return chosen

    @staticmethod
    def oom_kill_task(w: World, p: CTask) -> None:
        w.lines.append(f"Out of Memory: Killed process {p.pid} ({p.comm}).")
        p.flags |= PF_MEMALLOC | PF_MEMDIE
        sig = SIGTERM if p.cap_effective & (1 << CAP_SYS_RAWIO) else SIGKILL
        w.kills.append((p.pid, sig, p.comm))

    # --- oom_kill_parent.c only -------------------------------------------------------------
    def process_blacklist(self, w: World) -> None:
        for i in range(OOM_HISTORY_SIZE):
            p = self.blacklist[i]
            if p.pid:
                task = w.find_task_by_pid(p.pid)
                pointer = task.task if task is not None else None
                if pointer != p.task:  # noqa: SIM114 (the C's two branches)
                    p.pid = 0
                elif U32(abs(I32(w.jiffies - p.last_kill))) >= U32(self.oom_parent_expire * HZ):
                    p.pid = 0
                elif p.value >= self.oom_parent_max:
                    parent = w.deref(p.task)
                    w.lines.append(
                        f"Out of Memory: Will kill parent process {p.pid} ({parent.comm})"
                    )
                    p.pid = 0
                    self.oom_kill_task(w, parent)

    def find_in_blacklist(self, task: CTask | None) -> ParentRecord | None:
        if task is None:
            return None
        for p in self.blacklist:
            if p.pid and task.pid == p.pid and task.task == p.task:
                return p
        return None

    def blacklist_parent(self, w: World, task: CTask | None) -> ParentRecord | None:
        if task is None:
            return None
        p = self.blacklist[0]
        for i in range(OOM_HISTORY_SIZE):
            p = self.blacklist[i]
            if not p.pid:
                break
        if p.pid:
            return None
        p.pid = task.pid
        p.task = task.task
        p.last_kill = w.jiffies
        p.value = 0
        return p

    # --- both ----------------------------------------------------------------------------
    def oom_kill(self, w: World) -> None:
        p = self.select_bad_process(w)
        if p is None:
            w.panic = "Out of memory and no killable processes..."
            raise Panic
        if self.parent:
            assert p.p_opptr is not None
            if p.p_opptr.pid > 1:
                parent = self.find_in_blacklist(p.p_opptr)
                if parent is None:
                    parent = self.blacklist_parent(w, p.p_opptr)
                else:
                    parent.value = U32(parent.value + 1)
                    parent.last_kill = w.jiffies
        for q in w.tasks:
            if q.mm == p.mm:
                self.oom_kill_task(w, q)

    def out_of_memory_killer(self, w: World) -> None:
        if self.parent:
            self.process_blacklist(w)
        if w.nr_swap_pages > 0:  # get_nr_swap_pages() > 0
            return
        now = w.jiffies
        since = U32(now - self.last)
        self.last = now
        self.last = now
        if since > 5 * HZ:
            self.first = now
            self.count = 0
            return
        since = U32(now - self.first)
        if since < HZ:
            return
        self.count = U32(self.count + 1)
        if self.count < 10:
            return
        since = U32(now - self.lastkill)
        if since < HZ * 5:
            return
        self.lastkill = now
        self.oom_kill(w)
        self.first = now
        self.count = 0

    def state(self) -> tuple[Any, ...]:
        slots = tuple((p.pid, p.task, p.last_kill, p.value) for p in self.blacklist)
        return (self.first, self.last, self.count, self.lastkill, slots if self.parent else ())


def out_of_memory(chain: list[SeedModule], w: World) -> None:
    """``notifier_call_chain(&oom_notify_list, OUT_OF_MEMORY, 0)``: every handler returns
    0; ``panic()`` never returns."""
    try:
        for module in chain:
            module.out_of_memory_killer(w)
    except Panic:
        pass


# ====================================================================== moomtui's side
def module_state(mod: ClassicKiller, token: dict[int, int]) -> tuple[Any, ...]:
    t = mod.timing
    slots: tuple[Any, ...] = ()
    if isinstance(mod, OomKillParent):
        slots = tuple(
            (p.pid, token[id(p.task)] if p.task is not None else None, p.last_kill, p.value)
            for p in mod.blacklist
        )
    return (t.first, t.last, t.count, t.lastkill, slots)


def jump(k: Kernel, d: int) -> None:
    """Move the clock on by ``d`` jiffies at once (nothing in the trace runs meanwhile)."""
    k.ticks += d
    k.jiffies = (k.jiffies + d) & JIFFIES_MASK
    k.run_for(1)


ODD = st.sampled_from(
    [
        0,
        1,
        2,
        3,
        9,
        10,
        11,
        42949672,
        42949673,
        85899346,
        2**31 - 1,
        2**31,
        2**32 - 1,
        -1,
        -2,
        -(2**31),
    ]
)
TASK = st.tuples(
    st.integers(0, 40),  # parent: one of the tasks booted before (0: init)
    st.integers(0, 6000),  # total_vm
    st.sampled_from([0, 1000]),  # uid
    st.integers(-5, 5),  # nice
    st.sampled_from([None, 0, 1 << CAP_SYS_RAWIO, 1 << CAP_SYS_ADMIN]),  # caps
    st.integers(0, 1 << 16),  # utime
    st.sampled_from([0, 1, 1 << 17, 1 << 22, 1 << 27, 2**31]),  # age at boot (jiffies)
)
STEP = st.one_of(
    # reclaim failing: ``n`` calls of out_of_memory(), ``gap`` jiffies apart, swap free or not
    st.tuples(st.just("storm"), st.tuples(st.integers(1, 100), st.integers(1, 60), st.booleans())),
    st.tuples(st.just("storm"), st.tuples(st.integers(1, 100), st.integers(1, 60), st.just(False))),
    st.tuples(st.just("jump"), st.sampled_from([1, 2, 50, 99, 100, 101, 499, 500, 501, 3000])),
    st.tuples(st.just("jump"), st.integers(0, 2**32 - 1)),
    st.tuples(st.just("fork"), TASK),
    st.tuples(st.just("exit"), st.integers(0, 10**6)),
    st.tuples(st.just("settle"), st.integers(1, 3)),
    st.tuples(st.sampled_from(["oom_parent_max", "oom_parent_expire"]), ODD),
)
CHAINS = st.sampled_from(
    [
        ["oom_kill_parent"],
        ["oom_kill"],
        ["oom_kill", "oom_kill_parent"],
        ["oom_kill_parent", "oom_kill"],
    ]
)


def spec_task(i: int, t: tuple[Any, ...], start: int) -> TaskSpec:
    """The ``i``-th task of the boot spec (pid ``7 + i``): a child of an earlier one, or of
    init (``parent`` 0)."""
    parent, total_vm, uid, nice, caps, utime, age = t
    return TaskSpec(
        f"t{i}",
        ppid=7 + (parent - 1) % i if parent and i else 1,
        uid=uid,
        nice=nice,
        caps=caps,
        total_vm=total_vm,
        utime=utime,
        start_time=(start - age) & JIFFIES_MASK,
    )


class Trace:
    """A machine with ``chain_names`` loaded, and the transcription beside it."""

    def __init__(
        self,
        start: int,
        chain_names: list[str],
        params: tuple[int, int],
        first: list[tuple[Any, ...]],
    ) -> None:
        tasks = [spec_task(i, t, start) for i, t in enumerate(first)]
        kconfig = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"}
        spec = BootSpec(ram_pages=65536, swap_pages=64, jiffies=start, kconfig=kconfig, tasks=tasks)
        self.k = k = boot(spec)
        self.seen: Counter[str] = Counter()
        pmax, pexp = params
        self.ours: list[ClassicKiller] = []
        self.chain: list[SeedModule] = []
        for name in chain_names:
            args: list[str] = []
            if name == "oom_kill_parent":
                args = [f"oom_parent_max={pmax}", f"oom_parent_expire={pexp}"]
            self.chain.append(
                SeedModule(
                    name,
                    parent=name == "oom_kill_parent",
                    oom_parent_max=pmax,
                    oom_parent_expire=pexp,
                )
            )
            module = k.modules.insmod(name, args)
            assert isinstance(module, ClassicKiller)
            self.ours.append(module)
        self.token: dict[int, int] = {}
        self.keep: list[Task] = []
        self.events: list[ev.Event] = []
        k.bus.subscribe(self.events.append)
        self.first = [t for t in k.for_each_task() if t.pid > 6]  # after init and the kthreads

    def out_of_memory(self) -> bool:
        """One call on both sides, compared; False once the machine has panicked."""
        k = self.k
        self.seen["calls"] += 1
        w = World(snapshot(k, self.token, self.keep), k.jiffies, k.vm.nr_swap_pages)
        out_of_memory(self.chain, w)
        del self.events[:]
        with pytest.raises(KernelPanic) if w.panic else nullcontext():
            k.oom.out_of_memory(k.init_task)
        lines = [e.text for e in self.events if isinstance(e, ev.Printk)]
        assert [x for x in lines if x.startswith("Out of Memory: ")] == w.lines
        kills = [(e.pid, e.sig, e.comm) for e in self.events if isinstance(e, ev.OomKill)]
        assert kills == w.kills
        assert k.panicked == w.panic
        for ours, seed in zip(self.ours, self.chain, strict=True):
            assert module_state(ours, self.token) == seed.state()
        for pid, _, _ in w.kills:
            assert k.tasks[pid].flags & PF_MEMDIE
        self.seen["kills"] += len(w.kills)
        self.seen["parent kills"] += sum(x.startswith("Out of Memory: Will") for x in w.lines)
        self.seen["panics"] += w.panic is not None
        return w.panic is None

    def step(self, what: str, arg: Any) -> bool:
        """Run one step of a trace; False once the machine has panicked."""
        k = self.k
        if what == "storm":
            n, gap, swap_free = arg
            if swap_free and not k.vm.swap_total:
                k.swapon(64)
            elif not swap_free and k.vm.swap_total:
                assert k.swapoff() is None
            for _ in range(n):
                if not self.out_of_memory():
                    return False
                jump(k, gap)
        elif what == "jump":
            jump(k, arg)
        elif what == "fork":
            self.fork(arg)
        elif what == "exit":
            alive = [t for t in k.for_each_task() if t.mm is not None and t.pid != 1]
            if alive:
                k.do_exit(alive[arg % len(alive)], 0, SIGKILL)
        elif what == "settle":
            k.run_for(arg)
        elif any(seed.parent for seed in self.chain):  # echo VALUE > /proc/sys/vm/oom/NAME
            write_proc(k, f"/proc/sys/vm/oom/{what}", f"{arg}\n")
            for seed in self.chain:
                if seed.parent:
                    setattr(seed, what, U32(arg))  # proc_dointvec into an unsigned int
        return True

    def fork(self, arg: tuple[Any, ...]) -> None:
        parent_index, total_vm, uid, nice, caps, utime, _ = arg
        k = self.k
        parent = k.init_task
        if parent_index:
            parent = self.first[(parent_index - 1) % len(self.first)]
        if parent.dead:
            return
        child = k.spawn(
            k.programs["idle"](),
            comm=f"c{parent.pid}",
            parent=parent,
            uid=uid,
            nice=nice,
            caps=caps,
        )
        assert child is not None and child.mm is not None
        child.mm.total_vm = total_vm
        child.base_utime = utime


@settings(max_examples=50, deadline=None)
@given(
    start=st.integers(2**32 - 20_000, 2**32 - 1),
    chain_names=CHAINS,
    params=st.tuples(st.one_of(st.integers(0, 3), ODD), ODD),
    first=st.lists(TASK, min_size=1, max_size=40),
    steps=st.lists(STEP, min_size=1, max_size=60),
)
def test_moomtui_decides_as_the_seeds_c_on_random_traces(
    start: int,
    chain_names: list[str],
    params: tuple[int, int],
    first: list[tuple[Any, ...]],
    steps: list[tuple[Any, ...]],
    fuzz_examples: Counter[str],
) -> None:
    trace = Trace(start, chain_names, params, first)
    for what, arg in steps:
        if not trace.step(what, arg):
            break
    fuzz_examples["seed differential traces"] += 1
    for name, count in trace.seen.items():
        fuzz_examples[f"seed differential: {name}"] += count


def test_a_full_blacklist_expiry_overflow_and_the_jiffies_wrap_against_the_c() -> None:
    """A hand-made trace over corners random traces reach rarely, compared call by call:
    60 parents, each with one big child, ``jiffies`` crossing 2**32 on the way.
    ``oom_parent_expire = 42949673`` makes ``oom_parent_expire*HZ`` wrap to 4 jiffies: a
    parent is forgotten on the next call. With 300 s the 32 slots fill and later parents are
    dropped silently (``if ( p->pid ) return NULL;``). A jump of 2**31 makes every
    ``jiffies - p->last_kill`` negative as an ``int``: ``abs()`` of it is still huge, so all
    are forgotten. With ``oom_parent_max = 0`` a parent dies on the call after its first
    child's kill."""
    parent = (0, 10, 1000, 0, 0, 0, 0)
    trace = Trace((1 << 32) - 3000, ["oom_kill_parent"], (3, 42949673), [parent] * 60)
    (kpp,) = trace.ours
    assert isinstance(kpp, OomKillParent)
    for i in range(60):
        trace.step("fork", (i + 1, 5000 - 10 * i, 1000, 0, 0, 0, 0))
    assert trace.step("storm", (160, 20, False))
    assert trace.k.ticks > 3000  # jiffies wrapped
    assert trace.seen["kills"] >= 5 and sum(1 for p in kpp.blacklist if p.pid) <= 1
    assert trace.step("oom_parent_expire", 300)
    assert trace.step("storm", (900, 20, False))
    assert all(p.pid for p in kpp.blacklist)
    assert len({p.pid for p in kpp.blacklist}) == OOM_HISTORY_SIZE
    assert trace.step("jump", 2**31)
    assert trace.step("storm", (1, 20, False))
    assert not any(p.pid for p in kpp.blacklist)
    assert trace.step("oom_parent_max", 0)
    assert trace.step("storm", (60, 20, False))
    assert trace.seen["parent kills"] >= 1 and trace.k.panicked is None
