"""The 2.4 VM: watermarks, the allocation order, reclaim, swap and overcommit."""

from __future__ import annotations

from moomtui.kernel import TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import PF_MEMDIE
from moomtui.kernel.mm import watermarks
from moomtui.modules.classic import oom_kill_task

from ..fixtures import Recorder, machine


def test_watermarks_follow_ram_size_and_clamp() -> None:
    """mm/page_alloc.c free_area_init_core():
    ``mask = (realsize / zone_balance_ratio[j]); if (mask < zone_balance_min[j]) mask =
    zone_balance_min[j]; else if (mask > zone_balance_max[j]) mask = zone_balance_max[j];
    zone->pages_min = mask; zone->pages_low = mask*2; zone->pages_high = mask*3;``"""
    assert watermarks(4096) == (32, 64, 96)
    assert watermarks(1024) == (20, 40, 60)  # 8 is below zone_balance_min
    assert watermarks(65536) == (255, 510, 765)  # 512 is above zone_balance_max
    k = machine(ram_pages=8192)
    assert (k.vm.pages_min, k.vm.pages_low, k.vm.pages_high) == (64, 128, 192)


def _idle(k):
    return k.spawn(k.programs["idle"](), comm="t", uid=1000)


# mm/page_alloc.c (2.4.22), __alloc_pages():
#     min = 1UL << order;
#     for (;;) { ... min += z->pages_low; if (z->free_pages > min) { page = rmqueue(z, order); ...
# and the same with ``min += local_min`` (pages_min) after waking kswapd, and again after
# balance_classzone(): a page fault (order 0) needs ``free > pages_low + 1``.


def test_allocation_above_pages_low_does_not_wake_kswapd() -> None:
    """``min = 1UL << order; ... min += z->pages_low; if (z->free_pages > min) ...
    rmqueue`` before ``wake_up_interruptible(&kswapd_wait)``: order-0 pages are taken while
    ``free > pages_low + 1``, so a batch stops at ``pages_low + 1`` free pages."""
    k = machine(ram_pages=4096)
    t = _idle(k)
    k.vm.free_cache(k.vm.cache)
    room = k.vm.free - (k.vm.pages_low + 1)
    assert k.fault(t, room)
    assert k.vm.free == k.vm.pages_low + 1
    assert not k.vm.kswapd_awake
    assert k.fault(t, 1)  # free == pages_low + 1 is not > pages_low + 1: the slow pass
    assert k.vm.kswapd_awake and k.vm.free == k.vm.pages_low


def test_below_pages_low_wakes_kswapd_and_takes_down_to_pages_min_plus_one() -> None:
    """``classzone->need_balance = 1; ... wake_up_interruptible(&kswapd_wait);`` then the
    second pass: ``min = 1UL << order; ... min += local_min; if (z->free_pages > min)``."""
    k = machine(ram_pages=4096)
    t = _idle(k)
    room = k.vm.free - (k.vm.pages_min + 1)
    assert k.fault(t, room)
    assert k.vm.free == k.vm.pages_min + 1
    assert k.vm.kswapd_awake and k.vm.need_balance
    assert not k.fault(t, 1)  # not > pages_min + 1: reclaim (which fails here), then wait
    assert k.vm.free == k.vm.pages_min + 1


def test_an_order_1_block_needs_two_pages_above_the_watermark() -> None:
    """fork's task_struct and kernel stack are one order-1 block: ``min = 1UL << 1;
    min += z->pages_low;`` — ``free > pages_low + 2`` on the first pass."""
    k = machine(ram_pages=4096)
    t = _idle(k)
    k.vm.free_cache(k.vm.cache)
    k.fault(t, k.vm.free - (k.vm.pages_low + 2))
    assert k.vm.free == k.vm.pages_low + 2
    assert k.vm.alloc_pages(t, 2, order=1) == 2 and k.vm.kswapd_awake  # from the second pass
    assert k.vm.free == k.vm.pages_low
    k.vm.free += 2
    k.vm.kswapd_awake = False
    k.vm.free += 1
    assert k.vm.alloc_pages(t, 2, order=1) == 2 and not k.vm.kswapd_awake  # pages_low + 3 > + 2


def test_memdie_task_takes_the_reserve_below_pages_min() -> None:
    """``if (current->flags & (PF_MEMALLOC | PF_MEMDIE))`` ... ``rmqueue`` ignoring the
    watermarks: how a killed task gets the memory to exit."""
    k = machine(ram_pages=4096)
    t = _idle(k)
    k.fault(t, k.vm.free - (k.vm.pages_min + 1))
    t.flags |= PF_MEMDIE
    assert k.fault(t, k.vm.pages_min + 1)
    assert k.vm.free == 0


def test_a_parked_task_takes_pages_only_above_pages_min_plus_one() -> None:
    """The ``yield(); goto rebalance;`` loop ends in the same check after reclaim:
    ``min = 1UL << order; ... min += z->pages_min; if (z->free_pages > min)``. A task parked
    in the allocator with no reclaim possible gets nothing at ``pages_min + 1`` free."""
    k = machine(ram_pages=4096)
    other, t = _idle(k), _idle(k)
    k.fault(other, 1)
    k.fault(t, k.vm.free - (k.vm.pages_min + 1))
    assert not k.fault(t, 1)  # reclaim fails (no cache, no swap): parked
    assert t.blocked == "alloc" and k.vm.free == k.vm.pages_min + 1
    k.run_for(5)
    assert t.blocked == "alloc" and k.vm.free == k.vm.pages_min + 1
    k.munmap(other, 1)  # a page comes back: pages_min + 2 > pages_min + 1
    k.run_for(1)
    assert t.blocked == "" and k.vm.free == k.vm.pages_min + 1
    assert k.check_invariants() == []


def test_direct_reclaim_empties_page_cache_before_calling_out_of_memory() -> None:
    """try_to_free_pages_zone(): ``nr_pages = shrink_caches(classzone, priority, gfp_mask,
    nr_pages); if (nr_pages <= 0) return 1;`` — out_of_memory() only when all passes fail."""
    k = machine(page_cache=1000, ram_pages=4096)
    rec = Recorder(k)
    t = _idle(k)
    k.fault(t, k.vm.free - k.vm.pages_min)
    cache_before = k.vm.cache
    assert k.fault(t, 200)
    assert k.vm.cache < cache_before
    assert rec.of(ev.OutOfMemory) == []


def test_no_handler_livelocks_and_the_machine_keeps_running() -> None:
    """``yield(); goto rebalance;`` — an order-0 fault never fails; with nothing on the OOM
    chain, ``notifier_call_chain(&oom_notify_list, OUT_OF_MEMORY, 0)`` does nothing."""
    k = machine(
        TaskSpec(comm="hog", uid=1000, total_vm=16384, program="hog", args={"rate": "1M/s"}),
        ram_pages=4096,
    )
    rec = Recorder(k)
    k.run_for(60 * 100)
    hog = next(t for t in k.tasks.values() if t.comm == "hog")
    assert hog.state == "D"
    calls = len(rec.of(ev.OutOfMemory))
    assert calls > 100
    assert all(e.handlers == () for e in rec.of(ev.OutOfMemory))
    assert rec.of(ev.OomKill) == []
    ticks = k.ticks
    k.run_for(500)
    assert k.ticks == ticks + 500
    assert len(rec.of(ev.OutOfMemory)) > calls
    assert k.oom_state() == "livelock"
    assert k.check_invariants() == []


def test_page_accounting_is_exact_every_tick() -> None:
    k = machine(
        TaskSpec(comm="hog", uid=1000, program="hog", args={"rate": "256K/s", "limit": "4M"}),
        TaskSpec(
            comm="batch",
            uid=1000,
            program="batch",
            args={"size": "2M", "work": "2s", "pause": "1s", "io": "1M"},
        ),
        TaskSpec(comm="bomb", uid=1000, program="forkbomb", args={"interval": "1s"}),
        swap_pages=2048,
        ram_pages=4096,
    )
    for _ in range(3000):
        k.tick()
        assert k.check_invariants() == []


def test_cold_pages_are_swapped_before_hot_ones() -> None:
    """2.4's swap_out skips recently referenced pages first; here a leak's untouched pages
    go to swap while a hog's working set stays resident."""
    k = machine(
        TaskSpec(comm="leak", uid=1000, program="leak", args={"rate": "512K/s", "ws": "64K"}),
        TaskSpec(comm="hog", uid=1000, program="hog", args={"rate": "256K/s", "limit": "3M"}),
        swap_pages=8192,
        swap_speed=4096,
        ram_pages=4096,
    )
    k.run_for(30 * 100)
    leak = next(t for t in k.tasks.values() if t.comm == "leak")
    hog = next(t for t in k.tasks.values() if t.comm == "hog")
    assert leak.mm.swap > 0
    assert hog.mm.swap == 0
    assert k.vm.swap_used == sum(mm.swap for mm in k.iter_mms())


def test_swap_free_means_reclaim_succeeds_and_nothing_is_killed() -> None:
    k = machine(
        TaskSpec(comm="leak", uid=1000, program="leak", args={"rate": "256K/s", "ws": "64K"}),
        swap_pages=16384,
        swap_speed=4096,
        kconfig={"CONFIG_OOM_KILL": "y"},
        ram_pages=4096,
    )
    rec = Recorder(k)
    k.run_for(60 * 100)
    assert k.vm.swap_used > 0
    assert rec.of(ev.OomKill) == []


def test_thrashing_working_set_bigger_than_ram_leaves_task_waiting_for_swap_in() -> None:
    k = machine(
        TaskSpec(comm="db", uid=500, program="database", args={"size": "20M", "rate": "4M/s"}),
        ram_pages=4096,
        swap_pages=16384,
        swap_speed=256,
    )
    seen_d = False
    for _ in range(60):
        k.run_for(100)
        db = next(t for t in k.tasks.values() if t.comm == "db")
        seen_d = seen_d or db.blocked == "swapin"
    assert seen_d
    assert k.vm.pswpin > 0 and k.vm.pswpout > 0
    assert k.check_invariants() == []


def test_overcommit_mode_0_refuses_a_mapping_bigger_than_free_cache_and_swap() -> None:
    """mm/mmap.c vm_enough_memory(): ``free = page_cache_size + nr_free_pages() +
    nr_swap_pages ...; return free > pages;`` and ``if (sysctl_overcommit_memory) return 1;``"""
    k = machine(ram_pages=4096)
    rec = Recorder(k)
    t = _idle(k)
    too_big = k.vm.free + k.vm.cache + k.vm.nr_swap_pages
    assert not k.brk(t, too_big)
    assert rec.of(ev.AllocFail)[-1].reason == "ENOMEM"
    assert k.brk(t, too_big - 1)
    k.sysctl.write("vm.overcommit_memory", "1", uid=0)
    assert k.brk(t, 10 * too_big)


def test_an_oom_victim_parked_in_the_allocator_runs_first() -> None:
    """oom_kill_task(): ``p->counter = 5 * HZ; p->flags |= PF_MEMALLOC | PF_MEMDIE;`` — "We
    give our sacrificial lamb high priority and access to all the memory it needs." After
    ``yield()`` the victim, with the biggest time slice, runs before the task ahead of it in
    the allocator's line: it takes its pages from the reserve first, and the other task
    gets what is left above ``pages_min + 1``."""
    k = machine(ram_pages=4096)
    other, first, victim = _idle(k), _idle(k), _idle(k)
    k.fault(other, 10)
    k.fault(first, k.vm.free - (k.vm.pages_min + 1))
    assert not k.fault(first, 5) and not k.fault(victim, 8)
    assert list(k.blocked_tasks()) == [first, victim]
    oom_kill_task(k, victim, module="test", reason="victim")
    k.munmap(other, 10)  # pages_min + 11 free
    k.run_for(1)
    assert victim.blocked == "" and victim.stall_pages == 0
    assert first.blocked == "alloc" and first.stall_pages == 3
    assert k.vm.free == k.vm.pages_min + 1
