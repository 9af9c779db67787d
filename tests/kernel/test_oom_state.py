"""``Kernel.oom_state()``: the header's one word, each state as docs/game.md defines it.

Small machines first, one state each; then the shipped presets where the header used to
lie: ``ok`` while ``oom_kill`` killed every few seconds (leaky-apache), ``OOM`` through a
thrashing machine where nothing will ever be killed (swap-trap).
"""

from __future__ import annotations

from collections import Counter

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.kernel.oom_state import PRESSURE_SHARE
from moomtui.presets import load_preset
from moomtui.sim import Simulation

from ..fixtures import Recorder, machine

RAM = 4096


def hog(**args: str) -> TaskSpec:
    return TaskSpec("hog", uid=1000, caps=0, program="hog", args={"rate": "4M/s", **args})


def states(k: Kernel, seconds: int, every: int = HZ // 10) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(seconds * HZ // every):
        k.run_for(every)
        seen[k.oom_state()] += 1
    return seen


def test_a_quiet_machine_is_ok() -> None:
    k = machine(TaskSpec("sshd", total_vm=300, rss=100), ram_pages=RAM)
    k.run_for(5 * HZ)
    assert k.oom_state() == "ok"


def free_at_boot(**spec: int) -> int:
    """Free pages at boot with a one-page ``big`` task (its task_struct included), plus that
    page: what ``big`` may hold before memory is full."""
    return machine(big(1), **spec).vm.free + 1


def big(pages: int) -> TaskSpec:
    """A sleeping user task holding ``pages`` resident pages."""
    return TaskSpec("big", uid=1000, caps=0, total_vm=pages, rss=pages)


def test_pressure_when_what_is_left_without_a_kill_is_an_eighth_of_ram() -> None:
    """No swap, no cache: free memory alone is what is left. Just above an eighth of RAM the
    machine is ok; at an eighth it is under pressure, although free is far above pages_low."""
    eighth = RAM // PRESSURE_SHARE
    room = free_at_boot(ram_pages=RAM) - eighth
    k = machine(big(room - 1), ram_pages=RAM)
    k.run_for(HZ)
    assert k.vm.free == eighth + 1 and k.oom_state() == "ok"
    k = machine(big(room), ram_pages=RAM)
    k.run_for(HZ)
    assert k.vm.free == eighth > k.vm.pages_low and k.oom_state() == "pressure"


def test_free_swap_counts_as_what_is_left() -> None:
    """The same memory use with free swap beside it is not pressure."""
    room = free_at_boot(ram_pages=RAM) - RAM // PRESSURE_SHARE
    k = machine(big(room), ram_pages=RAM, swap_pages=RAM)
    k.run_for(HZ)
    assert k.vm.nr_swap_pages == RAM and k.oom_state() == "ok"


def test_reclaim_while_kswapd_balances_the_page_cache_away() -> None:
    """A hog on a machine full of page cache: kswapd wakes and frees cache; no OOM call."""
    k = machine(hog(rate="1M/s", limit="4M"), ram_pages=RAM, page_cache=RAM - 1200)
    rec = Recorder(k)
    seen = states(k, 10)
    assert seen["reclaim"] > 0 and not rec.of(ev.OutOfMemory)
    assert set(seen) <= {"ok", "pressure", "reclaim"}


def test_oom_while_out_of_memory_is_called_then_ok_once_the_victim_is_gone() -> None:
    k = machine(
        TaskSpec("sshd", total_vm=300, rss=100),
        hog(),
        ram_pages=RAM,
        kconfig={"CONFIG_OOM_KILL": "y"},
        sysctl={"vm/overcommit_memory": 1},
    )
    rec = Recorder(k)
    while not rec.of(ev.OutOfMemory):
        k.run_for(1)
    assert k.oom_state() == "OOM"
    while not rec.kills():
        k.run_for(1)
    k.run_for(HZ)
    assert k.oom_state() == "ok"


def test_livelock_without_a_handler_after_five_seconds_stuck() -> None:
    """``yield(); goto rebalance``: no handler, the hog waits in the allocator forever;
    OOM for the first five seconds of its wait, livelock after."""
    k = machine(hog(), ram_pages=RAM, sysctl={"vm/overcommit_memory": 1})
    rec = Recorder(k)
    while not rec.of(ev.OutOfMemory):
        k.run_for(1)
    k.run_for(4 * HZ)
    assert k.oom_state() == "OOM"
    k.run_for(2 * HZ)
    assert k.oom_state() == "livelock"


def test_panic_outranks_everything() -> None:
    k = machine(
        hog(), ram_pages=RAM, kconfig={"CONFIG_OOM_PANIC": "y"}, sysctl={"vm/overcommit_memory": 1}
    )
    rec = Recorder(k)
    k.run_for(30 * HZ)
    assert rec.of(ev.Panic) and k.oom_state() == "panic"


def test_swap_trap_is_thrashing_not_oom() -> None:
    """The classic killer never fires while a swap slot is free: the machine pages. The
    header says so: thrashing from the first swap-in wait on, never OOM for long."""
    scenario = load_preset("swap-trap")
    sim = Simulation(scenario)
    seen: Counter[str] = Counter()
    for _ in range(120):
        sim.run_for(HZ)
        seen[sim.kernel.oom_state()] += 1
    assert sim.kernel.kills == 0
    assert seen["thrashing"] >= 100 and seen["OOM"] <= 2


def test_leaky_apache_is_never_ok_while_oom_kill_shoots_workers() -> None:
    """Between two kills the leak eats what the last victim gave back: pressure, then OOM
    again. Sampled every second from the first kill on, the header never says ok there."""
    scenario = load_preset("leaky-apache")
    sim = Simulation(scenario)
    kills: list[ev.OomKill] = []
    sim.kernel.bus.subscribe(lambda e: kills.append(e) if isinstance(e, ev.OomKill) else None)
    while not kills:
        sim.run_for(HZ)
    seen: Counter[str] = Counter()
    for _ in range(60):
        sim.run_for(HZ)
        seen[sim.kernel.oom_state()] += 1
    assert len(kills) >= 6
    assert seen["ok"] <= 6 and seen["OOM"] + seen["pressure"] >= 50


def walked_state(k: Kernel) -> str:
    """The state word as first written: every waiting task looked at, the swap-in scan of
    the score card made on its own (what ``oom_state`` and ``Scorer.update`` must give)."""
    from moomtui.kernel.oom_state import LIVELOCK_STALL, vm_state

    if k.panicked is not None:
        return "panic"
    recent_oom = k.last_oom_call is not None and k.ticks - k.last_oom_call < HZ
    swapin = any(t.blocked == "swapin" for t in k.blocked)
    stalled = any(
        t.blocked == "alloc" and k.ticks - t.stall_since > LIVELOCK_STALL for t in k.blocked
    )
    if stalled and recent_oom:
        return "livelock"
    if swapin:
        return "thrashing"
    if recent_oom:
        return "OOM"
    return vm_state(k)


def test_the_state_stops_looking_once_known_and_says_what_a_whole_look_says() -> None:
    """Every waiting line of a random mix of allocator and swap-in waits, stalled or not,
    with and without a recent ``out_of_memory()`` call: the same word as the whole look."""
    import random

    k = machine(*[hog() for _ in range(6)], ram_pages=RAM)
    tasks = [t for t in k.tasks.values() if t.comm == "hog"]
    rng = random.Random(7)
    seen: Counter[str] = Counter()
    for _ in range(2000):
        k.blocked = {}
        for task in rng.sample(tasks, rng.randint(0, len(tasks))):
            task.blocked = rng.choice(("alloc", "swapin"))
            task.stall_since = k.ticks - rng.randint(0, 10 * HZ)
            k.blocked[task] = None
        k.last_oom_call = rng.choice((None, k.ticks, k.ticks - 2 * HZ))
        assert k.oom_state() == walked_state(k)
        seen[k.oom_state()] += 1
    assert {"livelock", "thrashing", "OOM", "reclaim"} <= set(seen)
