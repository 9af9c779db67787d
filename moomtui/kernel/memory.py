"""What a program does with memory: ``brk``, page faults, ``munmap``, its working set, reads.

The system calls the simulator's programs make on their address space (``mm/mmap.c``,
``mm/memory.c``, ``mm/filemap.c``): ``brk`` grows the virtual size subject to the overcommit
check; touching pages faults them in through ``__alloc_pages``, and a fault that cannot be
satisfied at once parks the task in the allocator's retry loop (:mod:`.page_alloc`);
``munmap`` gives pages back; the working set says which resident pages are hot; a file read
grows the page cache.

Simplified: faults are counted in batches of pages, not one by one; there are no files,
only the page cache they would fill; copy-on-write is not modelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev
from .page_alloc import block

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task


def brk(k: Kernel, task: Task, pages: int) -> bool:
    """Grow the task's virtual size (mmap/brk), subject to the overcommit check."""
    mm = task.mm
    if mm is None or pages <= 0:
        return mm is not None
    if not k.vm.vm_enough_memory(pages):
        k.emit(ev.AllocFail(pid=task.pid, comm=task.comm, pages=pages, reason="ENOMEM"))
        return False
    mm.total_vm += pages
    if k.watchers:
        k.mm_size_changed(mm)
    return True


def fault(k: Kernel, task: Task, pages: int) -> bool:
    """Touch ``pages`` new pages (page faults). False: the task now waits in the allocator."""
    mm = task.mm
    if mm is None or pages <= 0 or task.dead:
        return True
    total_vm = mm.rss + mm.swap + pages
    if total_vm > mm.total_vm:
        mm.total_vm = total_vm
        if k.watchers:
            k.mm_size_changed(mm)
    got = k.vm.alloc_pages(task, pages)
    if task.dead or task.mm is not mm:
        k.vm.free_pages(got)
        return True
    k.vm.map_anon(mm, got)
    if got < pages:
        block(k, task, "alloc", pages - got)
        return False
    return True


def munmap(k: Kernel, task: Task, pages: int) -> None:
    """Give back ``pages`` of the address space, resident pages first, then swapped ones."""
    if task.mm is not None:
        k.vm.unmap(task.mm, pages)


def set_ws(k: Kernel, task: Task, pages: int) -> None:
    """The program now keeps ``pages`` hot: the rest of its resident pages are cold."""
    if task.mm is not None:
        task.mm.ws = pages
        k.vm.mm_changed(task.mm)


def read_file(k: Kernel, task: Task, pages: int) -> None:
    """File reads land in the page cache (``generic_file_read``)."""
    if pages > 0:
        k.vm.alloc_cache(pages)
