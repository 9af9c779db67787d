"""The 2.4 VM, one zone: watermarks, page cache, anonymous pages, swap, reclaim, kswapd.

Modelled on ``mm/page_alloc.c``, ``mm/vmscan.c``, ``mm/swapfile.c`` and ``mm/mmap.c`` of
2.4.22:

* **Watermarks** (``free_area_init_core``): ``pages_min = realsize / 128`` clamped to
  20..255, ``pages_low = 2 * pages_min``, ``pages_high = 3 * pages_min``.
* **``__alloc_pages``** for a sleeping allocation, in the kernel's order, with its exact
  watermark checks (``min = 1UL << order; min += z->pages_low; if (z->free_pages > min)``):
  a block of ``1 << order`` pages if ``free > pages_low + (1 << order)`` — for a page fault
  ``free > pages_low + 1``; else wake kswapd; a block if ``free > pages_min + (1 <<
  order)``; ``PF_MEMALLOC | PF_MEMDIE`` tasks ignore the watermarks; otherwise direct
  reclaim and a block if ``free > pages_min + (1 << order)``; else ``yield(); goto
  rebalance`` — an order-0 fault never fails. Fork's task_struct is one order-1 block. A task
  that got fewer pages than it asked for waits in the allocator's retry loop and retries on
  later jiffies (:mod:`moomtui.kernel.page_alloc`).
* **``try_to_free_pages_zone``**: ``shrink_caches`` at priority ``DEF_PRIORITY`` (6) down
  to 1, done as soon as ``SWAP_CLUSTER_MAX`` (32) pages are freed; the page cache goes first,
  then ``swap_out``. If every pass fails it calls ``out_of_memory()`` and returns 0.
* **kswapd** balances between ``pages_low`` and ``pages_high`` and, when a pass fails, calls
  ``out_of_memory()`` as well and sleeps ``HZ``.
* **Overcommit** (``vm_enough_memory``): mode 0 lets a mapping grow only if
  ``page cache + free + nr_swap_pages > pages``; any other mode allows everything.

Simplifications, all listed in docs/faithfulness.md: one zone, no highmem, no buddy orders
above 1; no active/inactive lists — "page ageing" is reduced to each address space's hot
working set (``Mm.ws``): priorities 6..3 swap out only cold pages, 2..1 hot ones too; a page
cache that is always clean; swap-out frees a page at once (no swap cache) but is charged to
the disk's bandwidth, which swap-in shares, so an allocation rate faster than the disk makes
reclaim fail even with swap free; work is done in batches of pages, not page by page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .constants import (
    DEF_PRIORITY,
    HZ,
    PF_MEMALLOC,
    PF_MEMDIE,
    SWAP_CLUSTER_MAX,
)
from .task import Mm, Task

if TYPE_CHECKING:
    from .kernel import Kernel

# mm/page_alloc.c: zone_balance_ratio = 128, zone_balance_min = 20, zone_balance_max = 255
ZONE_BALANCE_RATIO = 128
ZONE_BALANCE_MIN = 20
ZONE_BALANCE_MAX = 255

DISK_FP = 16  # fixed-point bits of the disk budget
KSWAPD_PASSES = 4
"""Reclaim passes kswapd makes in one jiffy before it lets the other tasks run."""


def watermarks(realsize: int) -> tuple[int, int, int]:
    """``(pages_min, pages_low, pages_high)`` for a zone of ``realsize`` pages."""
    mask = realsize // ZONE_BALANCE_RATIO
    mask = max(ZONE_BALANCE_MIN, min(ZONE_BALANCE_MAX, mask))
    return mask, 2 * mask, 3 * mask


class VM:
    """Page accounting for one zone and one swap area, and the reclaim algorithms."""

    def __init__(
        self,
        kernel: Kernel,
        *,
        ram_pages: int,
        swap_pages: int,
        swap_speed: int,
        kernel_pages: int,
        cache_pages: int,
    ) -> None:
        self.k = kernel
        self.totalram = ram_pages
        self.pages_min, self.pages_low, self.pages_high = watermarks(ram_pages)
        self.kernel_pages = kernel_pages
        self.cache = cache_pages
        self.anon = 0
        self.free = ram_pages - kernel_pages - cache_pages
        self.swap_total = swap_pages
        self.swap_used = 0
        self.swap_speed = swap_speed  # pages per second
        self._disk_rate = (swap_speed << DISK_FP) // HZ  # pages per jiffy, fixed point
        self._disk_burst = max(4 * SWAP_CLUSTER_MAX << DISK_FP, self._disk_rate * HZ // 10)
        self._disk_budget = self._disk_burst
        self._disk_time = kernel.ticks
        self.need_balance = False
        self.kswapd_awake = False
        self.kswapd_sleep_until = 0
        # Address spaces with cold resident pages / with any resident pages, in the
        # round-robin order swap_out visits them (like 2.4's mmlist and swap_mm).
        self._cold: dict[Mm, None] = {}
        self._resident: dict[Mm, None] = {}
        # Statistics for vmstat and the screen.
        self.pswpin = 0
        self.pswpout = 0
        self.reclaim_failures = 0
        self.last_reclaim = -1

    # --- counters ------------------------------------------------------------------------
    @property
    def nr_swap_pages(self) -> int:
        """Free swap slots (2.4's ``nr_swap_pages``, read by the patch's get_nr_swap_pages)."""
        return self.swap_total - self.swap_used

    def vm_enough_memory(self, pages: int) -> bool:
        """2.4's overcommit check for mmap/brk (``mm/mmap.c``)."""
        if self.k.overcommit_memory.value != 0:
            return True
        free = self.cache + self.free + self.nr_swap_pages
        return free > pages

    def mm_changed(self, mm: Mm) -> None:
        """Keep the swap-out candidate lists in step with ``mm``'s rss / ws."""
        if mm.rss > mm.ws:
            self._cold.setdefault(mm, None)
        else:
            self._cold.pop(mm, None)
        if mm.rss > 0:
            self._resident.setdefault(mm, None)
        else:
            self._resident.pop(mm, None)

    # --- the disk ------------------------------------------------------------------------
    def _disk_refill(self) -> None:
        now = self.k.ticks
        if now != self._disk_time:
            elapsed = max(0, now - self._disk_time)
            self._disk_budget = min(self._disk_burst, self._disk_budget + elapsed * self._disk_rate)
            self._disk_time = now

    def disk_pages_available(self) -> int:
        self._disk_refill()
        return self._disk_budget >> DISK_FP

    def _disk_use(self, pages: int) -> None:
        self._disk_budget -= pages << DISK_FP

    # --- allocation ----------------------------------------------------------------------
    def rmqueue(self, n: int, mark: int | None, order: int = 0) -> int:
        """Take up to ``n`` pages in blocks of ``1 << order``, each only while
        ``free > mark + (1 << order)`` (``None``: no watermark, as for PF_MEMDIE); the
        pages taken.

        Each block is one ``__alloc_pages`` check: ``min = 1UL << order; min += mark; if
        (z->free_pages > min) rmqueue(z, order)``. So a batch of order-0 pages stops at
        ``mark + 1`` free pages: it may take ``free - (mark + 1)``.
        """
        size = 1 << order
        if mark is None:
            blocks = self.free // size
        elif self.free > mark + size:
            blocks = (self.free - mark - 1) // size
        else:
            return 0
        take = max(0, min(n // size, blocks)) * size
        self.free -= take
        return take

    def alloc_pages(self, task: Task, n: int, order: int = 0) -> int:
        """``__alloc_pages`` for ``n`` pages, in blocks of ``1 << order``, for ``task``.

        Returns how many pages were taken from the free pool (the caller accounts them as
        anon, cache or kernel pages). Fewer than ``n`` means the task must wait in the
        allocator's retry loop (``yield(); goto rebalance``).
        """
        if order:
            got = self.rmqueue(n, self.pages_low, order)
            if got < n:
                self.need_balance = True
                self.wake_kswapd()
                got += self.rmqueue(n - got, self.pages_min, order)
        else:  # the same for single pages, rmqueue inlined: a fault takes this path
            if n <= 0:
                return 0
            free = self.free
            got = free - self.pages_low - 1  # what rmqueue at pages_low may take
            if got >= n:
                self.free = free - n
                return n
            got = max(0, got)
            free -= got
            self.need_balance = True
            if not self.kswapd_awake and self.k.ticks >= self.kswapd_sleep_until:
                self.kswapd_awake = True  # wake_kswapd()
            take = max(0, min(n - got, free - self.pages_min - 1))
            self.free = free - take
            got += take
        if got < n:
            try:
                got += self.rebalance(task, n - got, order)
            except BaseException:
                self.free += got  # a panic unwinds the fault: what it took was never mapped
                raise
        return got

    def rebalance(self, task: Task, n: int, order: int = 0) -> int:
        """The slow path from the ``rebalance:`` label: reserve, direct reclaim, re-check.

        Reclaim may call ``out_of_memory()``, whose handler may panic: the pages this call
        took by then go back to the free pool as the panic unwinds it, so the machine's
        accounting still adds up on the panicked machine."""
        if task.flags & (PF_MEMALLOC | PF_MEMDIE):
            return self.rmqueue(n, None, order)
        got = 0
        try:
            while got < n:
                ok = self.try_to_free_pages_zone(task)
                take = self.rmqueue(n - got, self.pages_min, order)
                got += take
                if not ok or take == 0 or task.dead:
                    break
                if task.flags & PF_MEMDIE:  # chosen by the OOM killer meanwhile
                    got += self.rmqueue(n - got, None, order)
                    break
        except BaseException:
            self.free += got
            raise
        return got

    def free_pages(self, n: int) -> None:
        """``__free_pages``: ``n`` pages taken from the free pool go back unused."""
        self.free += n

    def take_kernel_pages(self, n: int) -> None:
        """``n`` free pages become the kernel's: a task_struct and its kernel stack, whose
        allocation the caller has already checked."""
        self.free -= n
        self.kernel_pages += n

    def release_kernel_pages(self, n: int) -> None:
        """``free_task_struct``: ``n`` of the kernel's pages go back to the free pool."""
        self.kernel_pages -= n
        self.free += n

    def map_boot(self, mm: Mm, rss: int, swap: int) -> None:
        """A task booted with ``rss`` resident pages (from the free pool) and ``swap`` pages
        already in swap; the caller has checked that both fit."""
        self.free -= rss
        self.map_anon(mm, rss)
        mm.swap += swap
        self.swap_used += swap
        if swap and self.k.watchers:
            self.k.mm_size_changed(mm)

    def alloc_cache(self, n: int) -> int:
        """Grow the page cache by up to ``n`` pages without pushing free below pages_high.

        Reading files in 2.4 recycles old cache pages once memory is short; here the cache
        grows only into memory above ``pages_high`` and otherwise stays the same size.
        """
        take = min(n, max(0, self.free - self.pages_high))
        self.free -= take
        self.cache += take
        return take

    def free_cache(self, n: int) -> None:
        n = min(n, self.cache)
        self.cache -= n
        self.free += n

    # --- kswapd --------------------------------------------------------------------------
    def wake_kswapd(self) -> None:
        """``wakeup_kswapd``: unless it is already awake or sleeping off a failed pass."""
        if not self.kswapd_awake and self.k.ticks >= self.kswapd_sleep_until:
            self.kswapd_awake = True

    def kswapd_balance(self, kswapd: Task) -> None:
        """``kswapd_balance``: reclaim until free > pages_high; on failure sleep ``HZ``."""
        for _ in range(KSWAPD_PASSES):
            if self.free > self.pages_high:
                break
            if not self.try_to_free_pages_zone(kswapd):
                self.need_balance = False
                self.kswapd_awake = False
                self.kswapd_sleep_until = self.k.ticks + HZ
                return
        if self.free > self.pages_high:
            self.need_balance = False
            self.kswapd_awake = False

    # --- reclaim -------------------------------------------------------------------------
    def try_to_free_pages_zone(self, task: Task) -> bool:
        """Direct reclaim; ``out_of_memory()`` when all six priorities fail."""
        self.last_reclaim = self.k.jiffies
        nr_pages = SWAP_CLUSTER_MAX
        if not self.cache and self.swap_used >= self.swap_total:
            # Nothing to reclaim: each of the six passes would find no cache and no free
            # swap slot (swap_out reads the disk's budget, the same at every pass).
            self._disk_refill()
        else:
            for priority in range(DEF_PRIORITY, 0, -1):
                nr_pages = self.shrink_caches(priority, nr_pages)
                if nr_pages <= 0:
                    return True
        self.reclaim_failures += 1
        self.k.oom.out_of_memory(task)
        return False

    def shrink_caches(self, priority: int, nr_pages: int) -> int:
        """One reclaim pass; returns how many of ``nr_pages`` are still to be freed."""
        if self.cache:
            scan = -(-self.cache // priority)
            take = min(nr_pages, scan)
            self.cache -= take
            self.free += take
            nr_pages -= take
            if nr_pages <= 0:
                return 0
        return nr_pages - self.swap_out(priority, nr_pages)

    def swap_out(self, priority: int, nr_pages: int) -> int:
        """Move up to ``nr_pages`` anonymous pages to swap; cold pages first.

        Visits address spaces round-robin (2.4's ``swap_mm`` cursor on ``mmlist``), taking
        at most a cluster from each. At priorities 2 and 1 hot working-set pages go too.
        """
        limit = min(nr_pages, self.nr_swap_pages, self.disk_pages_available())
        if limit <= 0:
            return 0
        done = self._swap_out_from(self._cold, limit, hot=False)
        if done < limit and priority <= 2:
            done += self._swap_out_from(self._resident, limit - done, hot=True)
        return done

    def _swap_out_from(self, candidates: dict[Mm, None], limit: int, *, hot: bool) -> int:
        done = 0
        visited = 0
        total = len(candidates)
        while done < limit and candidates and visited < total:
            mm = next(iter(candidates))
            visited += 1
            avail = mm.rss if hot else mm.cold
            take = min(limit - done, avail, SWAP_CLUSTER_MAX)
            if take > 0:
                mm.rss -= take
                mm.swap += take
                done += take
            # Move the cursor on: this mm goes to the back of the round-robin.
            del candidates[mm]
            self.mm_changed(mm)
        if done:
            self.anon -= done
            self.free += done
            self.swap_used += done
            self.pswpout += done
            self._disk_use(done)
        return done

    # --- mm lifetime ---------------------------------------------------------------------
    def map_anon(self, mm: Mm, pages: int) -> None:
        """Account ``pages`` already taken from the free pool as resident pages of ``mm``.

        No page, no change: the swap-out lists are already in step with ``mm`` (every
        change of its ``rss`` or ``ws`` is followed by :meth:`mm_changed`, which
        :meth:`check` holds to), and a task in the allocator's line retries with none
        nearly every jiffy."""
        if not pages:
            return
        mm.rss += pages
        self.anon += pages
        self.mm_changed(mm)
        if self.k.watchers:
            self.k.mm_size_changed(mm)

    def swap_in(self, mm: Mm, pages: int) -> None:
        """``pages`` free pages were taken and filled from swap for ``mm``."""
        mm.swap -= pages
        mm.rss += pages
        self.anon += pages
        self.swap_used -= pages
        self.pswpin += pages
        self._disk_use(pages)
        self.mm_changed(mm)

    def unmap(self, mm: Mm, pages: int) -> int:
        """munmap: drop up to ``pages`` of ``mm``, resident pages first, then swapped ones."""
        from_rss = min(pages, mm.rss)
        from_swap = min(pages - from_rss, mm.swap)
        mm.rss -= from_rss
        mm.swap -= from_swap
        mm.total_vm = max(mm.rss + mm.swap, mm.total_vm - pages)
        self.anon -= from_rss
        self.free += from_rss
        self.swap_used -= from_swap
        self.mm_changed(mm)
        if self.k.watchers:
            self.k.mm_size_changed(mm)
        return from_rss + from_swap

    def release_mm(self, mm: Mm) -> None:
        """``mmput`` of the last user: every page and swap slot goes back."""
        self.free += mm.rss
        self.anon -= mm.rss
        self.swap_used -= mm.swap
        mm.rss = mm.swap = mm.total_vm = 0
        self._cold.pop(mm, None)
        self._resident.pop(mm, None)

    def swapon(self, pages: int) -> None:
        """``sys_swapon``: ``pages`` more swap slots."""
        self.swap_total += pages

    def swapoff(self) -> bool:
        """Bring every swapped page back (``sys_swapoff``); False if RAM cannot hold them."""
        need = self.swap_used
        if need > max(0, self.free - (self.pages_min + 1)):  # each page: free > pages_min + 1
            return False
        for mm in list(self.k.iter_mms()):
            if mm.swap:
                pages = mm.swap
                self.free -= pages
                mm.swap = 0
                mm.rss += pages
                self.anon += pages
                self.mm_changed(mm)
        self.swap_used = 0
        self.swap_total = 0
        return True

    # --- invariants ----------------------------------------------------------------------
    def check(self, mms: list[Mm]) -> list[str]:
        """Every broken accounting invariant, as text (empty when all hold)."""
        errors: list[str] = []
        total = self.free + self.anon + self.cache + self.kernel_pages
        if total != self.totalram:
            errors.append(
                f"free {self.free} + anon {self.anon} + cache {self.cache} + kernel "
                f"{self.kernel_pages} = {total} != RAM {self.totalram}"
            )
        rss = sum(mm.rss for mm in mms)
        swap = sum(mm.swap for mm in mms)
        if rss != self.anon:
            errors.append(f"sum of rss {rss} != anon {self.anon}")
        if swap != self.swap_used:
            errors.append(f"sum of swap {swap} != swap used {self.swap_used}")
        for name in ("free", "anon", "cache", "kernel_pages", "swap_used"):
            if getattr(self, name) < 0:
                errors.append(f"{name} is negative: {getattr(self, name)}")
        if self.swap_used > self.swap_total:
            errors.append(f"swap used {self.swap_used} > swap total {self.swap_total}")
        for mm in mms:
            if mm.rss < 0 or mm.swap < 0 or mm.rss + mm.swap > mm.total_vm:
                errors.append(f"mm {mm.id}: rss {mm.rss} swap {mm.swap} vm {mm.total_vm}")
            if (mm in self._cold) != (mm.rss > mm.ws) or (mm in self._resident) != (mm.rss > 0):
                errors.append(f"mm {mm.id}: the swap-out lists are not in step with it")
        live = set(mms)
        if any(mm not in live for mm in (*self._cold, *self._resident)):
            errors.append("an address space no task uses is on a swap-out list")
        return errors
