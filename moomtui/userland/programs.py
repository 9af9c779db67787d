"""The workloads tasks run: from an idle daemon to a fork bomb.

Each is a few lines of state machine over the kernel's system calls; see
:mod:`moomtui.userland.base` for the contract. Sizes are in pages, times in jiffies once
parsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..kernel.constants import HZ, SIGKILL
from .base import Param, Program, ProgramArgError, RateMeter

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


class Init(Program):
    """pid 1: reaps every child and orphan; ignores signals it has no handler for."""

    name = "init"
    description = "the first process: reaps orphans, ignores default signals"


class Idle(Program):
    name = "idle"
    description = "a daemon that sleeps: costs nothing, its pages are the first to swap"
    PARAMS: ClassVar[dict[str, Param]] = {
        "rss": Param("size", 0, "resident memory touched at start (for spawned tasks)"),
    }

    def start(self, k: Kernel, task: Task) -> int | None:
        if self.args["rss"]:
            k.brk(task, self.args["rss"])
            k.fault(task, self.args["rss"])
        return None


class _Grower(Program):
    """Grows its heap at ``rate`` up to ``limit`` (0: forever).

    Like malloc, it asks the kernel for address space in ``arena``-sized steps (brk,
    subject to the overcommit check) and touches it as it uses it. Address space it already
    has (mapped at start, or copied by fork) is touched first: faults on memory that was
    promised earlier are what runs a 2.4 machine out of memory, since with
    ``vm.overcommit_memory = 0`` a fresh brk is refused once memory is short.
    """

    HOT: ClassVar[bool] = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "rate": Param("rate", 64, "how fast it allocates"),
        "limit": Param("size", 0, "stop growing at this size (0: never stop)"),
        "ws": Param("size", 64, "hot working set it keeps touching (leak only)"),
        "arena": Param("size", 32, "address space asked for at a time (brk step)"),
        "reserve": Param("size", 0, "address space mapped at start (e.g. a big malloc)"),
        "on_enomem": Param(
            "choice", "retry", "when malloc fails: retry later or exit", choices=("retry", "exit")
        ),
    }

    def start(self, k: Kernel, task: Task) -> int | None:
        self.meter = RateMeter(self.vary(k, self.args["rate"]))
        self.grown = 0
        assert task.mm is not None
        if self.args["reserve"]:
            k.brk(task, self.args["reserve"])
        # Address space already mapped but never touched (a preset's total_vm beyond its
        # rss, or what fork copied from the parent) is used before asking for more.
        self.reserved = task.mm.total_vm - task.mm.rss - task.mm.swap
        k.set_ws(task, self._ws(task))
        return k.random.randint(1, self.meter.interval) if self.meter.interval else None

    def _ws(self, task: Task) -> int:
        assert task.mm is not None
        return task.mm.rss + task.mm.swap if self.HOT else self.args["ws"]

    def step(self, k: Kernel, task: Task) -> int | None:
        limit = self.args["limit"]
        pages = self.meter.pages()
        if limit:
            pages = min(pages, limit - self.grown)
        if pages <= 0:
            return None if limit and self.grown >= limit else self.meter.interval
        if self.reserved < pages:
            want = max(self.args["arena"], pages - self.reserved)
            if limit:
                want = min(want, limit - self.grown - self.reserved)
            if not k.brk(task, want):
                if self.args["on_enomem"] == "exit":
                    k.do_exit(task, 1)
                    return None
                return HZ
            self.reserved += want
        self.reserved -= pages
        self.grown += pages
        if self.HOT:
            k.set_ws(task, task.mm.rss + task.mm.swap + pages if task.mm else 0)
        k.fault(task, pages)
        return self.meter.interval


class Hog(_Grower):
    name = "hog"
    description = "allocates and keeps touching everything it has: a hot, growing heap"
    BUSY = 100


class Leak(_Grower):
    name = "leak"
    description = "a slow leak: memory allocated and never touched again (cold pages)"
    BUSY = 5
    HOT = False


class Batch(Program):
    name = "batch"
    description = "a batch job: allocate, work, free, pause, again"
    BUSY = 0
    PARAMS: ClassVar[dict[str, Param]] = {
        "size": Param("size", 2048, "memory each run uses"),
        "work": Param("duration", 10 * HZ, "how long each run computes"),
        "pause": Param("duration", 20 * HZ, "rest between runs"),
        "io": Param("size", 0, "file data read per run (grows the page cache)"),
        "runs": Param("int", 0, "number of runs (0: forever)"),
    }

    def start(self, k: Kernel, task: Task) -> int | None:
        self.phase = "pause"
        self.done = 0
        return 1

    def step(self, k: Kernel, task: Task) -> int | None:
        size = self.args["size"]
        if self.phase == "pause":
            if self.args["runs"] and self.done >= self.args["runs"]:
                k.do_exit(task, 0)
                return None
            if not k.brk(task, size):
                return self.args["pause"] or HZ
            self.phase = "work"
            k.set_busy(task, 100)
            k.set_ws(task, task.mm.total_vm if task.mm else 0)
            if self.args["io"]:
                k.read_file(task, self.args["io"])
            k.fault(task, size)
            return self.vary(k, self.args["work"]) or 1
        self.phase = "pause"
        self.done += 1
        k.set_busy(task, 0)
        k.munmap(task, size)
        k.set_ws(task, 0)
        return self.vary(k, self.args["pause"]) or 1


class Database(Program):
    name = "database"
    description = "a database: a big hot working set it touches all the time, plus file I/O"
    BUSY = 30
    PARAMS: ClassVar[dict[str, Param]] = {
        "size": Param("size", 8192, "the working set (buffer pool), all hot"),
        "rate": Param("rate", 2560, "how fast the buffer pool fills at start"),
        "io": Param("rate", 0, "file data read per second (grows the page cache)"),
    }

    def start(self, k: Kernel, task: Task) -> int | None:
        self.meter = RateMeter(self.args["rate"])
        self.io = RateMeter(self.args["io"])
        assert task.mm is not None
        self.target = max(self.args["size"], task.mm.total_vm)
        k.set_ws(task, self.target)
        return self.meter.interval or (self.io.interval or None)

    def step(self, k: Kernel, task: Task) -> int | None:
        assert task.mm is not None
        missing = self.target - task.mm.rss - task.mm.swap
        if missing > 0:
            pages = min(missing, self.meter.pages())
            if pages and k.brk(task, max(0, task.mm.rss + task.mm.swap + pages - task.mm.total_vm)):
                k.fault(task, pages)
            return self.meter.interval
        if self.io.interval:
            k.read_file(task, self.io.pages())
            return self.io.interval
        return None


class Prefork(Program):
    """An Apache-style prefork server: keeps ``children`` workers, respawns the dead."""

    name = "prefork"
    description = "a prefork server: keeps N children running, respawns any that die"
    BUSY = 1
    PARAMS: ClassVar[dict[str, Param]] = {
        "children": Param("int", 4, "workers to keep running", minimum=1, maximum=1000),
        "child": Param("program", "leak", "the program the workers run"),
        "respawn": Param("duration", HZ, "delay before a dead worker is replaced"),
        "delay": Param("duration", 0, "wait this long before forking the first workers"),
        "uid": Param(
            "int",
            -1,
            "user the workers switch to, like Apache's User (-1: stay)",
            minimum=-1,
            maximum=65535,
        ),
    }

    @classmethod
    def accepts_extra(cls, key: str) -> bool:
        return key.startswith("child_")

    @classmethod
    def check_args(cls, args: dict[str, Any]) -> None:
        from . import PROGRAMS

        child_cls = PROGRAMS[args["child"]]
        child_args = {k[6:]: v for k, v in args.items() if k.startswith("child_")}
        try:
            args["_child_args"] = child_cls.parse_args(child_args)
        except ProgramArgError as err:
            raise ProgramArgError("child_" + err.key, str(err)) from None

    def start(self, k: Kernel, task: Task) -> int | None:
        self.wanted = self.args["children"]
        return self.vary(k, self.args["delay"]) or 1

    def step(self, k: Kernel, task: Task) -> int | None:
        from . import PROGRAMS

        alive = sum(1 for c in task.children.values() if not c.dead)
        for _ in range(self.wanted - alive):
            child = PROGRAMS[self.args["child"]](parsed=self.args["_child_args"])
            worker = k.fork(task, child)
            if worker is None:
                return self.args["respawn"] or HZ
            if self.args["uid"] >= 0:
                k.setuid(worker, self.args["uid"])
        return None

    def on_child_exit(self, k: Kernel, task: Task, child: Task) -> None:
        k.reap_later(child)
        k.schedule_wake(task, self.vary(k, self.args["respawn"]) or 1)


class ForkBomb(Program):
    name = "forkbomb"
    description = "every copy forks another copy, forever: :(){ :|:& };:"
    BUSY = 20
    PARAMS: ClassVar[dict[str, Param]] = {
        "interval": Param("duration", HZ // 2, "time between forks of each copy", minimum=1),
        "rss": Param("size", 32, "memory each copy touches"),
    }
    _defaults: ClassVar[dict[str, Any] | None] = None
    """The parsed default arguments, parsed once: every copy starts from them."""

    def start(self, k: Kernel, task: Task) -> int | None:
        if self.args["rss"]:
            k.brk(task, self.args["rss"])
            k.set_ws(task, self.args["rss"])
            k.fault(task, self.args["rss"])
        interval: int = self.args["interval"]
        return interval

    def step(self, k: Kernel, task: Task) -> int | None:
        k.fork(task, self.copy())
        return self.vary(k, self.args["interval"])

    def copy(self) -> ForkBomb:
        """The next copy: this one's interval and memory, its other arguments the defaults;
        the values are handed over parsed, in jiffies and pages, not parsed again."""
        defaults = ForkBomb._defaults
        if defaults is None:
            defaults = ForkBomb._defaults = self.parse_args({})
        args = {**defaults, "interval": self.args["interval"], "rss": self.args["rss"]}
        return ForkBomb(parsed=args)


class Threaded(Program):
    """A LinuxThreads server: N tasks sharing one mm; the main thread's exit kills the rest."""

    name = "threaded"
    description = "a threaded server: N threads sharing one address space"
    BUSY = 10
    PARAMS: ClassVar[dict[str, Param]] = {
        "threads": Param("int", 4, "threads besides the main one", maximum=1000),
        "rate": Param("rate", 0, "heap growth of the whole process"),
        "limit": Param("size", 0, "stop growing at this size (0: never stop)"),
    }

    def start(self, k: Kernel, task: Task) -> int | None:
        self.meter = RateMeter(self.args["rate"])
        self.grown = 0
        for _ in range(self.args["threads"]):
            k.fork(task, ThreadWorker(), thread=True)
        return self.meter.interval or None

    def step(self, k: Kernel, task: Task) -> int | None:
        limit = self.args["limit"]
        pages = self.meter.pages()
        if limit:
            pages = min(pages, limit - self.grown)
        if pages > 0 and k.brk(task, pages):
            self.grown += pages
            assert task.mm is not None
            k.set_ws(task, task.mm.total_vm)
            k.fault(task, pages)
        if limit and self.grown >= limit:
            return None
        return self.meter.interval

    def on_exit(self, k: Kernel, task: Task) -> None:
        for other in k.threads_of(task):
            k.send_sig(other, SIGKILL, sender=task.pid)


class ThreadWorker(Program):
    name = "thread"
    description = "a worker thread of a threaded server (created by it)"
    BUSY = 10


class Cache(Program):
    name = "reader"
    description = "reads files: fills the page cache, which reclaim empties first"
    BUSY = 10
    PARAMS: ClassVar[dict[str, Param]] = {
        "io": Param("rate", 1024, "file data read per second"),
    }

    def start(self, k: Kernel, task: Task) -> int | None:
        self.meter = RateMeter(self.args["io"])
        return self.meter.interval or None

    def step(self, k: Kernel, task: Task) -> int | None:
        k.read_file(task, self.meter.pages())
        return self.meter.interval
