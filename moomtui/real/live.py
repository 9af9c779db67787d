"""The live machine from ``/proc``: memory, swap and every process, as the kernel counts them.

Read, for the machine: ``meminfo`` (``MemTotal`` is ``totalram_pages``, ``SwapTotal`` is
``total_swap_pages``), ``swaps``, ``uptime`` and ``sys/kernel/osrelease``; for every process:
``stat`` (comm, ppid, flags, utime, stime, nice, threads, start time), ``status`` (``VmSize``,
``VmRSS``, ``RssAnon``/``RssFile``/``RssShmem``, ``VmSwap``, ``VmPTE``, ``Uid``, ``CapEff``,
``Threads``, ``PPid``) and ``oom_score_adj``. Clock ticks (``USER_HZ``) become jiffies at
HZ=100, the simulator's clock. A process that exits while it is read is left out.

:func:`kernel_oom_score` is the score the running kernel's own rule gives a task — what
``/proc/PID/oom_score`` shows: on 5.9 and later ``(1000 + oom_badness() * 1000 /
totalpages) * 2 / 3``, where ``oom_badness()`` is ``rss + swap entries + pgtables_bytes /
PAGE_SIZE + oom_score_adj * (totalpages / 1000)`` and ``totalpages`` is ``totalram_pages +
total_swap_pages``; 0 for init, kernel threads, processes without memory and
``oom_score_adj`` −1000.

Kernel threads (``PF_KTHREAD`` in ``stat``'s flags) have no address space of their own. The
global init is pid 1 only when ``/proc`` is the init PID namespace's — there pid 2 is
``kthreadd``; in a container's namespace no task is the kernel's ``is_global_init()``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..kernel.constants import HZ
from .eras import ERAS, Context, era_for_version
from .records import Machine, TaskRecord

PF_KTHREAD = 0x00200000
PROC = Path("/proc")


class LiveError(OSError):
    """``/proc`` cannot be read as a Linux machine's."""


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _kb_fields(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        parts = value.split()
        if parts and parts[0].isdigit():
            out[key.strip()] = int(parts[0])
    return out


def read_task(
    root: Path, pid: int, *, page_size: int, clk_tck: int
) -> tuple[TaskRecord, dict[str, str]] | None:
    """One process, or ``None`` if it is gone; and its raw ``status`` fields."""
    base = root / str(pid)
    try:
        stat = _read(base / "stat")
        status_text = _read(base / "status")
        adj = int(_read(base / "oom_score_adj").strip() or 0)
    except (OSError, ValueError):
        return None
    open_paren, close_paren = stat.find("("), stat.rfind(")")
    fields = stat[close_paren + 2 :].split()
    if open_paren < 0 or len(fields) < 20:
        return None
    status: dict[str, str] = {}
    for line in status_text.splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()

    def pages(key: str) -> int | None:
        value = status.get(key)
        if not value:
            return None
        return int(value.split()[0]) * 1024 // page_size

    def jiffies(ticks: str) -> int:
        return int(ticks) * HZ // clk_tck

    uids = status.get("Uid", "0 0").split()
    flags = int(fields[6])
    has_mm = "VmSize" in status
    parts = [pages(k) for k in ("RssAnon", "RssFile", "RssShmem")]
    # get_mm_rss() is the three counters; before 4.5 only VmRSS exists.
    split = all(p is not None for p in parts)
    rss = sum(p or 0 for p in parts) if split else pages("VmRSS") or 0
    pte_kb = status.get("VmPTE")
    rec = TaskRecord(
        pid=pid,
        comm=stat[open_paren + 1 : close_paren],
        uid=int(uids[0]),
        euid=int(uids[1]) if len(uids) > 1 else None,
        tgid=int(status["Tgid"]) if status.get("Tgid", "").isdigit() else pid,
        total_vm=pages("VmSize") or 0,
        rss=rss,
        rss_anon=parts[0],
        rss_file=parts[1],
        rss_shmem=parts[2],
        swap=pages("VmSwap") if has_mm else None,
        pgtables=int(pte_kb.split()[0]) * 1024 // page_size if pte_kb else None,
        oom_score_adj=adj,
        caps=int(status["CapEff"], 16) if "CapEff" in status else None,
        nice=int(fields[16]),
        utime=jiffies(fields[11]),
        stime=jiffies(fields[12]),
        start_time=jiffies(fields[19]),
        ppid=int(fields[1]),
        threads=int(status.get("Threads") or fields[17]),
        kthread=bool(flags & PF_KTHREAD),
        has_mm=has_mm,
    )
    return rec, status


def _pids(root: Path) -> list[int]:
    try:
        return sorted(int(e.name) for e in os.scandir(root) if e.name.isdigit())
    except OSError as err:
        raise LiveError(f"{root}: {err.strerror}") from None


def _init_pid(root: Path, tasks: dict[int, TaskRecord]) -> int | None:
    """1 in the init PID namespace (pid 2 is the kernel thread ``kthreadd``), else None."""
    kthreadd = tasks.get(2)
    if kthreadd is not None and kthreadd.kthread:
        return 1
    return None


def read_machine(
    root: Path = PROC, *, page_size: int | None = None, clk_tck: int | None = None
) -> Machine:
    """The machine ``root`` (``/proc``, or a copy of one) describes."""
    page_size = page_size or os.sysconf("SC_PAGE_SIZE")
    clk_tck = clk_tck or os.sysconf("SC_CLK_TCK")
    try:
        meminfo = _kb_fields(_read(root / "meminfo"))
        release = _read(root / "sys" / "kernel" / "osrelease").strip()
        uptime = float(_read(root / "uptime").split()[0])
    except (OSError, ValueError, IndexError) as err:
        raise LiveError(f"{root}: not a Linux /proc ({err})") from None
    if "MemTotal" not in meminfo:
        raise LiveError(f"{root}/meminfo: no MemTotal")
    import socket  # this machine's name: snapshot's alone

    m = Machine(
        source=f"snapshot of {socket.gethostname() if root == PROC else root}",
        page_size=page_size,
        kernel=release,
        era=era_for_version(release),
        era_source="live",
        uptime=uptime,
    )
    m.totalram = meminfo["MemTotal"] * 1024 // page_size
    m.ram_pages = m.totalram
    m.swap_total = meminfo.get("SwapTotal", 0) * 1024 // page_size
    m.swap_free = meminfo.get("SwapFree", 0) * 1024 // page_size
    m.totalpages = m.global_totalpages
    m.meminfo = meminfo
    m.notes.extend(_swaps(root))
    tasks: dict[int, TaskRecord] = {}
    for pid in _pids(root):
        found = read_task(root, pid, page_size=page_size, clk_tck=clk_tck)
        if found is not None:
            tasks[pid] = found[0]
    m.init_pid = _init_pid(root, tasks)
    # The kernel's task list is in creation order: the order its walks see.
    m.tasks = sorted(tasks.values(), key=lambda r: (r.start_time or 0, r.pid))
    return m


def _swaps(root: Path) -> list[str]:
    try:
        lines = _read(root / "swaps").splitlines()[1:]
    except OSError:
        return []
    return [f"swap area {' '.join(line.split()[:4])}" for line in lines if line.strip()]


def kernel_oom_score(rec: TaskRecord, m: Machine) -> int | None:
    """``/proc/PID/oom_score`` as the machine's own kernel computes it (``None``: an era
    that is not modelled)."""
    era = ERAS.get(m.era or "")
    if era is None:
        return None
    total = m.global_totalpages or 1
    ctx = Context(totalpages=total, init_pid=m.init_pid)
    return era.proc_score(era.score(rec, ctx), total)
