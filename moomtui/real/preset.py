"""A real machine written as a preset, so the simulator can boot it and every policy be tried.

The simulator is a 2.4 kernel on i386 with PAE: presets hold up to 64G of RAM and of swap,
pids below 32768, uids below 65536, 15-character names and one task per process. What does
not fit is changed, and the preset's description and comments say how:

* **Sizes** become 4 KiB pages. ``machine.ram`` is chosen so that the simulated kernel's
  ``MemTotal`` (RAM less its own boot pages) equals the real ``totalram_pages`` — or, for a
  memory cgroup OOM, the cgroup's limit: the machine rebuilt is the cgroup. Swap is the
  machine's (or what the cgroup may use), and each task's swap entries are in swap at boot.
* A machine larger than 64G is **scaled** by a power of two: every size divided alike, so
  each task's share of memory — what the later policies score — stays the same.
* When the tasks' resident pages do not fit (a real ``rss`` counts a shared page once per
  process that maps it), every task's ``rss`` is scaled down by the same factor.
* **Pids** 7…32767 are kept; others (and clashes) get free pids from 32767 down.
* Init and kernel threads are the simulator's own; they are not written.

What a report lacks takes the documented defaults: parent init, no CPU time, started at boot
(``machine.jiffies`` is the report's uptime), nice 0, 2.4's capabilities for root. The task
that invoked the OOM killer runs ``hog``, so resuming the paused machine runs it out of
memory again within seconds; every other task is ``idle``. The swap device, which no report
describes, is given a solid-state disk's 512M/s. The kernel loads the policy
module nearest the report's era (``oom_score_adj`` from 2.6.36, else ``oom_kill``), built as
modules so any other can be loaded in its place. Names and text from the report or ``/proc``
are written printable (:func:`moomtui.text.printable`: an escape sequence as ``\\x1b``), as
the preset checker asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..kernel.bootspec import boot_kernel_pages
from ..kernel.constants import HZ, JIFFIES_MASK, PID_MAX
from ..kernel.mm import watermarks
from ..presets import FIRST_USER_PID, RAM_MAX, SWAP_MAX, TOTAL_VM_MAX
from ..text import printable
from .eras import caps_of, euid_of
from .records import CAP_FULL_2_4, Machine, TaskRecord

SIM_PAGE = 4096
UID_MAX = 65535
NOBODY = 65534
COMM_LEN = 15
HOG_SECONDS = 3
"""The invoking task's hog fills the memory left free at boot in about this long."""
INIT_RSS = 64
"""Pages the simulator's init keeps resident (``moomtui.kernel.boot.create_boot_tasks``)."""
SWAP_SPEED = "512M/s"
"""A report does not say how fast the swap device is: a solid-state disk's speed."""


@dataclass(slots=True)
class PresetText:
    """A preset's TOML, with what was changed to make it fit."""

    text: str
    pids: dict[int, int]
    """Real pid → simulated pid, for every task written."""
    notes: list[str] = field(default_factory=list)
    victim: int | None = None
    """The simulated pid of the task the kernel chose (for the screen's mark)."""


def sim_ram_for(managed: int) -> int:
    """The smallest RAM (pages) whose simulated ``MemTotal`` — RAM less
    :func:`~moomtui.kernel.bootspec.boot_kernel_pages`, 1/64 of it and the image — is at
    least ``managed`` pages (it is then exactly ``managed``: it grows by 0 or 1 a page)."""
    ram = (managed + boot_kernel_pages(0)) * 64 // 63
    while ram - boot_kernel_pages(ram) < managed:
        ram += 1
    while ram > 1 and ram - 1 - boot_kernel_pages(ram - 1) >= managed:
        ram -= 1
    return ram


def _to_sim(pages: int, page_size: int, scale: int) -> int:
    return pages * page_size // SIM_PAGE // scale


def _comm(name: str) -> str:
    return printable(name)[:COMM_LEN] or "?"


def _q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def machine_preset(m: Machine, origin: str) -> PresetText:
    """The preset for ``m``; ``origin`` says where it came from (for the comments)."""
    ps = m.page_size
    notes: list[str] = []
    if m.constraint == "memcg" and m.memcg is not None and m.memcg.limit is not None:
        managed_real = m.memcg.limit
        swap_real = max(0, (m.totalpages or managed_real) - managed_real)
        notes.append("a memory cgroup OOM: the machine is the cgroup (RAM = its limit)")
    else:
        managed_real = m.totalram or m.totalpages or 1
        swap_real = m.swap_total or 0
    managed = _to_sim(managed_real, ps, 1)
    swap = _to_sim(swap_real, ps, 1)
    scale = 1
    while sim_ram_for(managed // scale) > RAM_MAX or swap // scale > SWAP_MAX:
        scale *= 2
    if scale > 1:
        notes.append(f"scaled 1:{scale} to fit the simulator's 64G: every size divided by {scale}")
    managed //= scale
    swap //= scale
    ram = max(1024, sim_ram_for(max(1, managed)))

    tasks = [t for t in m.tasks if t.killable_mm and t.pid != 1]
    pids = _pid_map(tasks)
    if len(tasks) < len([t for t in m.tasks if t.killable_mm]):
        notes.append("pid 1 is the simulator's own init")
    remapped = [f"{real}→{sim}" for real, sim in pids.items() if real != sim]
    if remapped:
        notes.append(f"pids outside 7…32767 renumbered: {', '.join(remapped[:12])}")
    rss = {t.pid: _to_sim(t.rss, ps, scale) for t in tasks}
    swapped = {t.pid: _to_sim(t.swap or 0, ps, scale) for t in tasks}
    if sum(swapped.values()) > swap:
        factor = swap / max(1, sum(swapped.values()))
        swapped = {pid: int(v * factor) for pid, v in swapped.items()}
        notes.append("the tasks' swap entries exceed the swap: scaled down to fit")
    room = ram - boot_kernel_pages(ram) - watermarks(ram)[0] - 2 * (6 + len(tasks)) - INIT_RSS - 1
    resident = sum(rss.values())
    if resident > room:
        factor = max(0, room) / resident
        rss = {pid: int(v * factor) for pid, v in rss.items()}
        notes.append(
            f"resident memory scaled by {factor:.3f} to fit RAM (a real rss counts a shared "
            "page once per process)"
        )
    free_at_boot = room - sum(rss.values())
    cache, kernel_memory = _at_the_oom(m, scale, free_at_boot, watermarks(ram)[0], notes)
    jiffies = min(int((m.uptime or 0) * HZ), JIFFIES_MASK)
    invoker = m.invoker.pid if m.invoker is not None else None
    victim = m.decision.pid if m.decision is not None else None

    lines = [
        f"# Written by moomtui from {printable(origin)}.",
        "# The machine as the kernel saw it: docs/postmortem.md says what was assumed.",
        *[f"# {printable(note)}" for note in notes],
        "",
        f"name = {_q(printable(_name(m))[:80])}",
        f"description = {_q(printable(_description(m, notes))[:2000])}",
        'length = "5m"',
        "",
        "[machine]",
        f'ram = "{ram} pages"',
        f'swap = "{swap} pages"',
        f'swap_speed = "{SWAP_SPEED}"',
        f"jiffies = {jiffies}",
        *([f'page_cache = "{cache} pages"'] if cache else []),
        *([f'kernel_memory = "{kernel_memory} pages"'] if kernel_memory else []),
        "",
        "[kernel]",
        'config = { CONFIG_OOM_PANIC = "m", CONFIG_OOM_KILL = "m", CONFIG_OOM_KPPID = "m" }',
        f"modules = [{_q(_module(m))}]",
        'sysctl = { "vm.overcommit_memory" = 1 }',
    ]
    uids: list[int] = []
    written: set[int] = set()
    for t in tasks:
        parent = pids.get(t.ppid) if t.ppid in written else None
        lines.extend(
            _task(t, m, pids[t.pid], parent, rss[t.pid], swapped[t.pid], scale, jiffies, uids)
        )
        written.add(t.pid)
        if t.pid == invoker:
            rate = max(64, free_at_boot // HOG_SECONDS)
            lines.append(f'args = {{ rate = "{rate} pages/s" }}')
    if uids:
        notes.append(f"uids above 65535 written as 65534 (nobody): {sorted(set(uids))[:8]}")
    if invoker is not None and invoker not in pids:
        notes.append("the task that invoked the OOM killer is not in the table: no hog")
    return PresetText("\n".join(lines) + "\n", pids, notes, pids.get(victim or -1))


def _at_the_oom(
    m: Machine, scale: int, room: int, pages_min: int, notes: list[str]
) -> tuple[int, int]:
    """The page cache and the kernel's memory (simulated pages) that leave free at boot
    what the report shows free at the OOM: ``free:`` of ``Mem-Info`` (a memory cgroup: its
    limit less its usage), at least the simulator's ``pages_min``. ``room`` is what would be
    free above ``pages_min`` without them. The page cache is the report's file pages; the
    kernel's memory is the rest (slab, stacks, page tables, drivers: what the tasks' rows
    do not hold)."""
    ps = m.page_size
    if m.constraint == "memcg" and m.memcg is not None:
        cg = m.memcg
        if cg.usage is None or cg.limit is None:
            return 0, 0
        free_real, cache_real = max(0, cg.limit - cg.usage), 0
    elif "free" in m.meminfo:
        free_real = m.meminfo["free"]
        mi = m.meminfo
        cache_real = mi.get("active_file", 0) + mi.get("inactive_file", 0)
    else:
        return 0, 0
    free = _to_sim(free_real, ps, scale)
    if free < pages_min + 1:
        notes.append(
            f"free at the OOM: {free} pages; at boot the simulator keeps its min watermark, "
            f"{pages_min + 1}"
        )
        free = pages_min + 1
    spare = max(0, room + pages_min + 1 - free)
    cache = min(_to_sim(cache_real, ps, scale), spare)
    kernel = spare - cache
    if kernel:
        notes.append(
            f"free memory at boot as at the OOM ({free} pages): the kernel holds {kernel} "
            "pages more (slab, stacks, drivers), the page cache "
            f"{cache}"
        )
    return cache, kernel


def _pid_map(tasks: list[TaskRecord]) -> dict[int, int]:
    kept: dict[int, int] = {}
    taken: set[int] = set()
    for t in tasks:
        if FIRST_USER_PID <= t.pid < PID_MAX and t.pid not in taken:
            kept[t.pid] = t.pid
            taken.add(t.pid)
    free = (p for p in range(PID_MAX - 1, FIRST_USER_PID - 1, -1) if p not in taken)
    for t in tasks:
        if t.pid not in kept:
            kept[t.pid] = next(free)
    return kept


def _task(
    t: TaskRecord,
    m: Machine,
    pid: int,
    parent: int | None,
    rss: int,
    swap: int,
    scale: int,
    jiffies: int,
    big_uids: list[int],
) -> list[str]:
    """One ``[[tasks]]`` table; ``parent`` is the simulated ppid if written before it."""
    ps = m.page_size
    total_vm = min(TOTAL_VM_MAX, max(_to_sim(t.total_vm, ps, scale), rss + swap))
    uid = t.uid
    if uid > UID_MAX:
        big_uids.append(uid)
        uid = NOBODY
    euid = euid_of(t)
    if euid > UID_MAX:
        euid = NOBODY
    out = [
        "",
        "[[tasks]]",
        f"comm = {_q(_comm(t.comm))}",
        f"pid = {pid}",
    ]
    if parent is not None and parent != pid:
        out.append(f"ppid = {parent}")
    out.append(f"uid = {uid}")
    if euid != uid:
        out.append(f"euid = {euid}")
    if t.nice:
        out.append(f"nice = {t.nice}")
    if t.oom_score_adj:
        out.append(f"oom_score_adj = {t.oom_score_adj}")
    if t.caps is not None and caps_of(t) & CAP_FULL_2_4 != (CAP_FULL_2_4 if euid == 0 else 0):
        names = _cap_names(caps_of(t))
        out.append(f"caps = [{', '.join(_q(n) for n in names)}]")
    out.append(f'total_vm = "{total_vm} pages"')
    out.append(f'rss = "{rss} pages"')
    if swap:
        out.append(f'swap = "{swap} pages"')
    if t.utime:
        out.append(f"utime = {min(t.utime, 2**31 - 1)}")
    if t.stime:
        out.append(f"stime = {min(t.stime, 2**31 - 1)}")
    if t.start_time:
        out.append(f"start_time = {min(t.start_time, jiffies)}")
    invoker = m.invoker.pid if m.invoker is not None else None
    out.append(f'program = "{"hog" if t.pid == invoker else "idle"}"')
    return out


def _cap_names(mask: int) -> list[str]:
    from ..kernel.constants import cap_names

    return cap_names(mask & CAP_FULL_2_4)


def _module(m: Machine) -> str:
    return "oom_kill" if m.era in (None, "2.4") else "oom_score_adj"


def _name(m: Machine) -> str:
    kernel = m.kernel or "unknown kernel"
    d = m.decision
    if m.era_source == "live":
        what = m.source.removeprefix("snapshot of ")
        return f"Snapshot: {what} ({kernel})"[:80]
    # The header shows it: which report of which file is replayed, first.
    victim = f", {d.comm} killed" if d is not None and d.comm else ""
    name = f"Postmortem {m.source}{victim} ({kernel})"
    if len(name) > 80:
        name = f"Postmortem {m.source}{victim}"
    return name[:80]


def _description(m: Machine, notes: list[str]) -> str:
    parts = [f"{m.source}: {len(m.tasks)} tasks, a {m.constraint} OOM."]
    if m.era_source == "live":
        parts = [f"{m.source}: {len(m.tasks)} processes. Who would each policy kill now?"]
    elif m.decision is not None and m.decision.pid is not None:
        parts.append(f"The kernel chose {m.decision.pid} ({m.decision.comm}).")
    parts.extend(f"{n[0].upper()}{n[1:]}." for n in notes)
    return " ".join(parts)[:2000]
