"""Reports written for the tests, in the formats of ``mm/oom_kill.c`` across its history.

Each layout is the header and the row format ``dump_tasks()`` printed (``pr_info`` with
``%lu``/``%ld``/``%hd`` written here as ``%d``); the decision lines are worded as each era
worded them. The numbers are made up; no report is copied from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

# (header, row format, columns) — the kernel's own strings, era by era.
LAYOUTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # 2.6.25–2.6.35: "[ pid ]   uid  tgid total_vm      rss cpu oom_adj name"
    "2.6.25": (
        "[ pid ]   uid  tgid total_vm      rss cpu oom_adj name",
        "[%5d] %5d %5d %8d %8d %3d     %3d %s",
        ("pid", "uid", "pid", "total_vm", "rss", "cpu", "oom_adj", "name"),
    ),
    # 2.6.36–3.5: pr_info("[%5d] %5d %5d %8lu %8lu %3u     %3d         %5d %s\n", …)
    "2.6.36": (
        "[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name",
        "[%5d] %5d %5d %8d %8d %3d     %3d         %5d %s",
        ("pid", "uid", "pid", "total_vm", "rss", "cpu", "oom_adj", "adj", "name"),
    ),
    # 3.6–3.19: pr_info("[%5d] %5d %5d %8lu %8lu %7lu %8lu         %5d %s\n", …)
    "3.6": (
        "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name",
        "[%5d] %5d %5d %8d %8d %7d %8d         %5d %s",
        ("pid", "uid", "pid", "total_vm", "rss", "ptes", "swap", "adj", "name"),
    ),
    # 4.0–4.14: pr_info("[%5d] %5d %5d %8lu %8lu %7ld %7ld %8lu         %5hd %s\n", …)
    "4.0": (
        "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name",
        "[%5d] %5d %5d %8d %8d %7d %7d %8d         %5d %s",
        ("pid", "uid", "pid", "total_vm", "rss", "ptes", "pmds", "swap", "adj", "name"),
    ),
    # 4.15–4.18: pr_info("[%5d] %5d %5d %8lu %8lu %7ld %8lu         %5hd %s\n", …)
    "4.15": (
        "[ pid ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        "[%5d] %5d %5d %8d %8d %7d %8d         %5d %s",
        ("pid", "uid", "pid", "total_vm", "rss", "pgbytes", "swap", "adj", "name"),
    ),
    # 4.19 on: "Tasks state (memory values in pages):" and
    # pr_info("[%7d] %5d %5d %8lu %8lu %8ld %8lu         %5hd %s\n", …)
    "4.19": (
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s",
        ("pid", "uid", "pid", "total_vm", "rss", "pgbytes", "swap", "adj", "name"),
    ),
    # 6.x: pr_info("[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s\n", …)
    "6.x": (
        "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
        "swapents oom_score_adj name",
        "[%7d] %5d %5d %8d %8d %8d %8d %9d %8d %8d         %5d %s",
        (
            "pid",
            "uid",
            "pid",
            "total_vm",
            "rss",
            "anon",
            "file",
            "shmem",
            "pgbytes",
            "swap",
            "adj",
            "name",
        ),
    ),
}


@dataclass
class T:
    """A task to print: sizes in pages (page tables in pages too)."""

    pid: int
    name: str
    rss: int
    uid: int = 1000
    total_vm: int = 0
    swap: int = 0
    ptes: int = 0
    adj: int = 0
    file: int = 0
    shmem: int = 0

    def value(self, column: str) -> int | str:
        return {
            "pid": self.pid,
            "uid": self.uid,
            "total_vm": self.total_vm or 3 * self.rss + 1000,
            "rss": self.rss,
            "cpu": self.pid % 4,
            "oom_adj": 0 if self.adj > -1000 else -17,
            "adj": self.adj,
            "ptes": self.ptes,
            "pmds": 0,
            "pgbytes": self.ptes * 4096,
            "swap": self.swap,
            "anon": self.rss - self.file - self.shmem,
            "file": self.file,
            "shmem": self.shmem,
            "name": self.name,
        }[column]


def table(layout: str, tasks: list[T]) -> list[str]:
    header, row, columns = LAYOUTS[layout]
    lines = ["Tasks state (memory values in pages):"] if layout in ("4.19", "6.x") else []
    lines.append(header)
    lines.extend(row % tuple(t.value(c) for c in columns) for t in tasks)
    return lines


def decision(era: str, victim: T, score: int | None = None, memcg: bool = False) -> list[str]:
    """The decision as ``oom_kill_process()`` worded it in ``era`` (a layout key)."""
    total_vm_kb = (victim.total_vm or 3 * victim.rss + 1000) * 4
    anon_kb = (victim.rss - victim.file - victim.shmem) * 4
    who = "Memory cgroup out of memory" if memcg else "Out of memory"
    if era in ("4.19", "6.x"):
        constraint = "CONSTRAINT_MEMCG" if memcg else "CONSTRAINT_NONE"
        return [
            f"oom-kill:constraint={constraint},nodemask=(null),cpuset=/,mems_allowed=0,"
            f"{'oom_memcg=/app,' if memcg else 'global_oom,'}task_memcg=/app,"
            f"task={victim.name},pid={victim.pid},uid={victim.uid}",
            f"{who}: Killed process {victim.pid} ({victim.name}) total-vm:{total_vm_kb}kB, "
            f"anon-rss:{anon_kb}kB, file-rss:{victim.file * 4}kB, "
            f"shmem-rss:{victim.shmem * 4}kB, UID:{victim.uid} pgtables:{victim.ptes * 4}kB "
            f"oom_score_adj:{victim.adj}",
        ]
    if era == "2.6.25":
        return [f"Out of memory: kill process {victim.pid} ({victim.name}) score 1 or a child"]
    return [
        f"{who}: Kill process {victim.pid} ({victim.name}) score {score} or sacrifice child",
        f"Killed process {victim.pid} ({victim.name}) total-vm:{total_vm_kb}kB, "
        f"anon-rss:{anon_kb}kB, file-rss:{victim.file * 4}kB",
    ]


KERNELS = {
    "2.6.25": "2.6.32-5-amd64",
    "2.6.36": "3.2.0-4-amd64",
    "3.6": "3.10.0-1160.el7.x86_64",
    "4.0": "4.9.0-13-amd64",
    "4.15": "4.15.0-213-generic",
    "4.19": "5.4.0-150-generic",
    "6.x": "6.8.0-50-generic",
}


def report(
    layout: str,
    tasks: list[T],
    victim: T,
    *,
    score: int | None = None,
    kernel: str | None = "default",
    ram: int = 1048576,
    reserved: int = 24576,
    swap_kb: int = 0,
    invoker: str = "bash",
) -> list[str]:
    """A whole global OOM report in ``layout``, without any log prefix."""
    version = KERNELS[layout] if kernel == "default" else kernel
    lines = [
        f"{invoker} invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, "
        "oom_score_adj=0",
    ]
    if version is not None:
        lines.append(f"CPU: 0 PID: {tasks[-1].pid} Comm: {invoker} Not tainted {version} #1")
    lines += [
        "Call Trace:",
        " dump_stack+0x4a/0x63",
        "Mem-Info:",
        "active_anon:1000 inactive_anon:900000 isolated_anon:0",
        " active_file:10 inactive_file:12 isolated_file:0",
        " free:12000 free_pcp:0 free_cma:0",
        "Node 0 DMA: 1*4kB 1*8kB 0*16kB = 12kB",
        "22 total pagecache pages",
        "Free swap  = 0kB",
        f"Total swap = {swap_kb}kB",
        f"{ram} pages RAM",
        "0 pages HighMem/MovableOnly",
        f"{reserved} pages reserved",
    ]
    lines += table(layout, tasks)
    lines += decision(layout, victim, score)
    return lines
