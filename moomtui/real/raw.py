"""A report as printed (:class:`RawReport`) and a file's reports (:class:`Log`): what the
reader (:mod:`.report`) builds, before the machine is rebuilt from it (:mod:`.rebuild`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Decision, Invoker, TaskRecord


@dataclass(slots=True)
class RawReport:
    """One report as printed, before the machine is rebuilt from it (sizes as printed)."""

    line: int
    uptime: float | None = None
    invoker: Invoker | None = None
    kernel: str | None = None
    meminfo: dict[str, int] = field(default_factory=dict)
    pages_ram: int | None = None
    pages_reserved: int | None = None
    swap_total_kb: int | None = None
    swap_free_kb: int | None = None
    buddy_page_kb: int | None = None
    memcg_kb: dict[str, tuple[int, int]] = field(default_factory=dict)
    """``memory``, ``memory+swap``, ``swap``: ``(usage, limit)`` in kB."""
    memcg_files: dict[str, int | None] = field(default_factory=dict)
    """Pasted cgroup files (``memory.max`` …) in bytes; ``None`` for ``max``."""
    memcg_path: str | None = None
    memcg_task_in: bool = False
    summary: dict[str, str] = field(default_factory=dict)
    columns: list[str] | None = None
    header_line: int | None = None
    tasks_state: bool = False
    rows: list[TaskRecord] = field(default_factory=list)
    decision: Decision | None = None
    kill_messages: list[str] = field(default_factory=list)
    killed_total_vm_kb: int | None = None
    zones_kb: dict[str, int] = field(default_factory=dict)
    """The zones' and nodes' lines summed, in kB (:mod:`.zones`)."""
    host: str | None = None
    """The host a syslog or journal prefix names (``""``: an empty name; ``None``: none)."""
    boot: str | None = None
    """The journal's ``_BOOT_ID`` of the report's lines, if it came from a journal."""
    time: str | None = None
    """When its first line was logged, as the log wrote it (syslog's ``Mar 10 11:19:17``,
    ISO 8601; a journal's ``__REALTIME_TIMESTAMP`` in UTC)."""
    first_kills: dict[int, int] | None = None
    """The kills its host's log shows in its boot, pid → line of the first: one mapping
    shared by the reports of a host and boot, not a copy each."""
    reaped: dict[int, int] | None = None
    """The pids the OOM reaper emptied in its host's log and boot, pid → line of the first
    (shared as :attr:`first_kills` is)."""

    @property
    def layout(self) -> str | None:
        return " ".join(self.columns) if self.columns is not None else None

    @classmethod
    def opened(
        cls,
        line: int,
        uptime: float | None,
        host: str | None,
        boot: str | None,
        time: str | None,
        first_kills: dict[int, int],
        reaped: dict[int, int],
    ) -> RawReport:
        """A report as its first line opens it: what ``RawReport(line=…, uptime=…, …)``
        builds, every other field its default, without the generated ``__init__``'s
        keywords and factories (a test holds the two equal, field by field)."""
        self = object.__new__(cls)
        self.line = line
        self.uptime = uptime
        self.invoker = None
        self.kernel = None
        self.meminfo = {}
        self.pages_ram = None
        self.pages_reserved = None
        self.swap_total_kb = None
        self.swap_free_kb = None
        self.buddy_page_kb = None
        self.memcg_kb = {}
        self.memcg_files = {}
        self.memcg_path = None
        self.memcg_task_in = False
        self.summary = {}
        self.columns = None
        self.header_line = None
        self.tasks_state = False
        self.rows = []
        self.decision = None
        self.kill_messages = []
        self.killed_total_vm_kb = None
        self.zones_kb = {}
        self.host = host
        self.boot = boot
        self.time = time
        self.first_kills = first_kills
        self.reaped = reaped
        return self


@dataclass(slots=True)
class Log:
    """What a file holds: its reports, and the kills printed without a report (a
    ratelimited ``dump_header()``, or a 2.4 kernel's single line)."""

    reports: list[RawReport]
    bare_kills: list[Decision]
    skipped: list[tuple[int, str]]
    """Reports that cannot be rebuilt: ``(line, why)``."""
    first_kills: dict[int, int]
    """Every pid a ``Killed process`` names → the line of the first (of the first host and
    boot the log shows; each report has its own host's and boot's)."""
    reaped: dict[int, int] = field(default_factory=dict)
    """Every pid an ``oom_reaper: reaped process`` line names → the line of the first (of
    the first host and boot, as :attr:`first_kills`)."""
    warnings: list[tuple[int, str]] = field(default_factory=list)
    """What was read but not understood, in reports still judged: ``(line, what)``."""
