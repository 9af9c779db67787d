"""``fs/proc/proc_misc.c``: the files at the top of ``/proc``, rendered from the machine.

``/proc/meminfo`` in the two-part 2.4 format (the ``total: used: free: …`` table in bytes,
then the tagged ``MemTotal:`` … ``SwapFree:`` lines in kB; ``MemTotal`` is RAM less what the
kernel reserved at boot, as ``totalram_pages`` is), ``/proc/loadavg``, ``/proc/uptime`` (from
``jiffies``, so it wraps with them, as in 2.4), ``/proc/version``, ``/proc/modules`` (loaded
modules, newest first; built-ins are not modules and are not listed) and ``/proc/swaps``.

Simplified: no page ageing lists, so ``Active:`` is the resident hot working sets and
``Inactive:`` the cold anonymous pages plus the page cache; no buffer cache, shared memory
or swap cache (those read 0); ``idle`` in ``/proc/uptime`` forgets the CPU time of reaped
tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .boot import BANNER
from .bootspec import boot_kernel_pages
from .constants import HZ, PAGE_SIZE
from .loadavg import load_text, nr_uninterruptible
from .loadavg import nr_running as count_running

if TYPE_CHECKING:
    from .kernel import Kernel

ROOT_FILES = ("loadavg", "meminfo", "modules", "swaps", "uptime", "version")
SWAP_DEVICE = "/dev/hda2"


def meminfo(k: Kernel) -> dict[str, int]:
    """The tagged fields of ``/proc/meminfo``, in kB, in the file's order."""
    vm = k.vm
    kb = PAGE_SIZE // 1024
    total = vm.totalram - boot_kernel_pages(vm.totalram)
    hot = sum(min(mm.rss, mm.ws) for mm in k.iter_mms())
    return {
        "MemTotal": total * kb,
        "MemFree": vm.free * kb,
        "MemShared": 0,
        "Buffers": 0,
        "Cached": vm.cache * kb,
        "SwapCached": 0,
        "Active": hot * kb,
        "Inactive": (vm.anon - hot + vm.cache) * kb,
        "HighTotal": 0,
        "HighFree": 0,
        "LowTotal": total * kb,
        "LowFree": vm.free * kb,
        "SwapTotal": vm.swap_total * kb,
        "SwapFree": vm.nr_swap_pages * kb,
    }


def _meminfo(k: Kernel) -> str:
    """``meminfo_read_proc``."""
    m = meminfo(k)
    b = 1024
    total, free = m["MemTotal"] * b, m["MemFree"] * b
    stotal, sfree = m["SwapTotal"] * b, m["SwapFree"] * b
    lines = [
        "        total:    used:    free:  shared: buffers:  cached:",
        f"Mem:  {total:8d} {total - free:8d} {free:8d} {0:8d} {0:8d} {m['Cached'] * b:8d}",
        f"Swap: {stotal:8d} {stotal - sfree:8d} {sfree:8d}",
    ]
    lines += [f"{name + ':':<13} {value:8d} kB" for name, value in m.items()]
    return "\n".join(lines) + "\n"


def loadavg(k: Kernel) -> tuple[str, str, str]:
    """The three load averages as ``/proc/loadavg`` prints them (``"0.42"``)."""
    one, five, fifteen = k.avenrun
    return load_text(one), load_text(five), load_text(fifteen)


def nr_running(k: Kernel) -> int:
    """``nr_running``: the tasks in state R now (those in D are not counted, as in 2.4)."""
    return count_running(k.tasks.values(), k.ticks)


def nr_blocked(k: Kernel) -> int:
    """The tasks in state D now (vmstat's ``b``)."""
    return nr_uninterruptible(k.tasks.values())


def _loadavg(k: Kernel) -> str:
    one, five, fifteen = loadavg(k)
    return f"{one} {five} {fifteen} {nr_running(k)}/{len(k.tasks)} {k.last_pid}\n"


def cpu_split(k: Kernel) -> tuple[int, int]:
    """CPU jiffies used in this boot by the live tasks: ``(user, system)``."""
    user = system = 0
    for task in k.tasks.values():
        cpu = task.cpu_jiffies()
        sys_part = cpu * task.sys_pct // 100
        user += cpu - sys_part
        system += sys_part
    return user, system


def _uptime(k: Kernel) -> str:
    """``uptime_read_proc``: ``jiffies`` and the idle task's time, in seconds."""
    up = k.jiffies
    user, system = cpu_split(k)
    ncpus = k.sched.ncpus
    idle = max(0, k.ticks * ncpus - user - system) // ncpus
    return f"{up // HZ}.{up % HZ:02d} {idle // HZ}.{idle % HZ:02d}\n"


def _version(k: Kernel) -> str:
    return BANNER + "\n"


def _modules(k: Kernel) -> str:
    """``get_module_list``: ``name size usecount`` and the flags, newest first."""
    lines = []
    for module in reversed(k.modules.loaded()):
        if module.builtin:
            continue
        line = f"{module.name:<20}{module.size:>8}{module.use_count:>4}"
        lines.append(line + ("  (unused)" if module.use_count == 0 else ""))
    return "".join(line + "\n" for line in lines)


def _swaps(k: Kernel) -> str:
    """``swap_list_read``: one partition, priority -1 like the first ``swapon``."""
    out = "Filename\t\t\tType\t\tSize\tUsed\tPriority\n"
    vm = k.vm
    if vm.swap_total:
        kb = PAGE_SIZE // 1024
        out += f"{SWAP_DEVICE:<39} partition\t{vm.swap_total * kb}\t{vm.swap_used * kb}\t-1\n"
    return out


ROOT_READERS: dict[str, Callable[[Kernel], str]] = {
    "loadavg": _loadavg,
    "meminfo": _meminfo,
    "modules": _modules,
    "swaps": _swaps,
    "uptime": _uptime,
    "version": _version,
}
