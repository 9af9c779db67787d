"""What a machine boots with: the validated description the kernel starts from.

Presets (TOML) are parsed and checked in :mod:`moomtui.presets`; what comes out is a
:class:`BootSpec`. The kernel keeps it to reboot into the same scenario after a panic.
Sizes are pages, times jiffies.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .constants import CAP_FULL_SET, PAGE_SIZE
from .mm import watermarks

# 2.4 boot: the kernel image and its static data, plus mem_map (one struct page, 64 bytes
# on i386 with the 2.4 layout, per page of RAM).
KERNEL_IMAGE_PAGES = 384
STRUCT_PAGE_SIZE = 64


def boot_kernel_pages(ram_pages: int) -> int:
    return KERNEL_IMAGE_PAGES + ram_pages * STRUCT_PAGE_SIZE // PAGE_SIZE


@dataclass(slots=True)
class TaskSpec:
    """One task of the boot spec. Read, never changed, once the preset is checked: the
    copies of a spec share them (:meth:`BootSpec.clone`), and so do a preset's ``count``
    copies of one task."""

    comm: str
    pid: int | None = None
    ppid: int = 1
    uid: int = 0
    euid: int | None = None
    nice: int = 0
    oom_score_adj: int = 0  # 2.6.36's /proc/PID/oom_score_adj, read by the later policies
    caps: int | None = None  # None: 2.4's default (full set for euid 0, none otherwise)
    total_vm: int = 0
    rss: int = 0
    swap: int = 0  # pages already in swap at boot (a real machine brought in)
    utime: int = 0
    stime: int = 0
    start_time: int | None = None
    threads: int = 1
    program: str = "idle"
    args: dict[str, Any] = field(default_factory=dict)
    role: str = ""

    def effective_caps(self) -> int:
        if self.caps is not None:
            return self.caps
        euid = self.uid if self.euid is None else self.euid
        return CAP_FULL_SET if euid == 0 else 0


@dataclass(slots=True)
class BootSpec:
    name: str = "default"
    ram_pages: int = 16384  # 64M
    swap_pages: int = 0
    swap_speed: int = 1024  # pages per second (4M/s)
    cpus: int = 1
    jiffies: int = 0
    page_cache: int = 0
    kernel_memory: int = 0
    """Pages the kernel holds at boot besides its image and ``mem_map`` (slab, stacks,
    drivers: a real machine rebuilt from its OOM report)."""
    seed: int = 0
    kconfig: dict[str, str] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)
    sysctl: dict[str, int | str] = field(default_factory=dict)
    tasks: list[TaskSpec] = field(default_factory=list)
    hostname: str = "moom"

    def clone(self) -> BootSpec:
        """A copy to boot and keep: its lists and tables copied, so that changing one
        (``kconfig`` before a reboot, the seed) leaves the other alone. The tasks are the
        same :class:`TaskSpec` objects: nothing changes a task's spec once the preset is
        checked — a boot only reads them — so ten thousand need not be copied per boot."""
        return replace(
            self,
            kconfig=dict(self.kconfig),
            modules=list(self.modules),
            sysctl=dict(self.sysctl),
            tasks=list(self.tasks),
        )

    def resident_pages(self) -> int:
        """Pages the boot-time tasks and the kernel need in RAM, besides free memory."""
        kernel = boot_kernel_pages(self.ram_pages) + self.kernel_memory
        kernel += 2 * (6 + sum(t.threads for t in self.tasks))
        return kernel + self.page_cache + sum(t.rss for t in self.tasks)

    def fits(self) -> str | None:
        """Why the boot-time memory does not fit in RAM, or None."""
        pages_min = watermarks(self.ram_pages)[0]
        need = self.resident_pages()
        if need > self.ram_pages - pages_min:
            return (
                f"the kernel, page cache and resident memory of the tasks need {need} pages; "
                f"RAM has {self.ram_pages} pages and keeps {pages_min} free (pages_min)"
            )
        return None
