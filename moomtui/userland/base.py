"""What a userland program is: a small state machine the kernel wakes with timers.

A program never runs per jiffy. The kernel calls :meth:`Program.start` once when the task
begins and :meth:`Program.step` whenever the delay that the previous call returned has passed
(``None``: sleep until something else wakes it). Inside a step a program uses the system
calls the kernel offers — ``brk``, ``fault`` (touch pages), ``munmap``, ``fork``, ``exit``,
``read_file`` — and a ``fault`` that cannot be satisfied parks the task in the allocator
until it can.

Parameters are declared once (:class:`Param`) so presets, ``spawn`` and the documentation
validate and describe them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..kernel.constants import HZ, INT_MAX
from ..kernel.units import UnitError, parse_duration, parse_rate, parse_size

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import SigtermAction, Task


_PARSED: dict[tuple[object, ...], dict[str, Any]] = {}
"""Parsed arguments by program and raw arguments (values are immutable once parsed)."""
_PARSED_MAX = 1024


class ProgramArgError(ValueError):
    """A bad program argument; ``key`` names it, the message says what was expected."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class Param:
    kind: str  # int | size | rate | duration | choice | program | bool
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int | None = None

    def parse(self, key: str, value: object) -> Any:
        try:
            return self._parse(value)
        except UnitError as err:
            shown = repr(value) if not isinstance(value, int) or abs(value) < 10**20 else "…"
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            raise ProgramArgError(key, f"{err}, got {shown}") from None

    def _parse(self, value: object) -> Any:
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise UnitError(f"expected an integer{self._range()}")
            if value < self.minimum or value > self._maximum():
                raise UnitError(f"expected an integer{self._range()}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise UnitError("expected true or false")
            return value
        if self.kind == "size":
            return parse_size(value)
        if self.kind == "rate":
            return parse_rate(value)
        if self.kind == "duration":
            return parse_duration(value)
        if self.kind in ("choice", "program"):
            choices = self.choices or tuple(program_names())
            if value not in choices:
                raise UnitError(f"expected one of {', '.join(choices)}")
            return value
        raise AssertionError(self.kind)

    def _maximum(self) -> int:
        """The largest value: ``maximum``, or a C ``int``'s."""
        return INT_MAX if self.maximum is None else self.maximum

    def _range(self) -> str:
        return f" from {self.minimum} to {self._maximum()}"


def program_names() -> list[str]:
    from . import PROGRAMS

    return sorted(PROGRAMS)


COMMON_PARAMS: dict[str, Param] = {
    "busy": Param("int", None, "percent of the time the task wants the CPU", maximum=100),
    "sys": Param("int", 10, "percent of its CPU time spent in the kernel", maximum=100),
    "sigterm": Param(
        "choice",
        "exit",
        "what SIGTERM does: exit at once, ignore it, or linger then exit",
        choices=("exit", "ignore", "linger"),
    ),
    "linger": Param("duration", 5 * HZ, "how long a lingering task takes to exit"),
    "jitter": Param(
        "int", 10, "percent by which rates and times vary, drawn from the seed", maximum=100
    ),
}


class Program:
    """Base of the userland programs; subclasses set ``name``, ``description``, ``PARAMS``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    PARAMS: ClassVar[dict[str, Param]] = {}
    BUSY: ClassVar[int] = 0

    def __init__(
        self, args: Mapping[str, object] | None = None, *, parsed: Mapping[str, Any] | None = None
    ) -> None:
        """A program with ``args`` as a preset or ``spawn`` gives them (parsed here), or with
        ``parsed``: arguments :meth:`parse_args` already returned — a fork bomb's copy, a
        prefork server's worker — which are not parsed again."""
        self.args = dict(parsed) if parsed is not None else self.parse_args(args or {})
        self.busy: int = self.args["busy"] if self.args["busy"] is not None else self.BUSY
        self.sys_pct: int = self.args["sys"]
        self.sigterm: SigtermAction = self.args["sigterm"]
        self.linger: int = self.args["linger"]

    @classmethod
    def all_params(cls) -> dict[str, Param]:
        return {**cls.PARAMS, **COMMON_PARAMS}

    @classmethod
    def parse_args(cls, raw: Mapping[str, object]) -> dict[str, Any]:
        """The arguments parsed and checked (ProgramArgError if not). The same arguments
        give the same values: a preset's ``count = 9900`` copies are parsed once."""
        try:
            key = (cls, tuple(sorted(raw.items())))
            hash(key)
        except TypeError:  # an unhashable value: parse it every time
            return cls._parse_args(raw)
        parsed = _PARSED.get(key)
        if parsed is None:
            parsed = cls._parse_args(raw)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = parsed
        return dict(parsed)

    @classmethod
    def _parse_args(cls, raw: Mapping[str, object]) -> dict[str, Any]:
        params = cls.all_params()
        out: dict[str, Any] = {}
        for key, value in raw.items():
            param = params.get(key)
            if param is None:
                if cls.accepts_extra(key):
                    out[key] = value
                    continue
                known = ", ".join(sorted(params))
                raise ProgramArgError(key, f"unknown argument of {cls.name} (known: {known})")
            out[key] = param.parse(key, value)
        for key, param in params.items():
            out.setdefault(key, param.default)
        cls.check_args(out)
        return out

    @classmethod
    def accepts_extra(cls, key: str) -> bool:
        return False

    @classmethod
    def check_args(cls, args: dict[str, Any]) -> None:
        """Cross-argument checks; raise ProgramArgError."""

    def vary(self, k: Kernel, value: int) -> int:
        """``value`` give or take ``jitter`` percent, from the kernel's seeded generator:
        what makes two seeds of one preset different runs."""
        jitter = self.args["jitter"]
        if not jitter or value <= 0:
            return value
        return max(1, value * (100 + k.random.randint(-jitter, jitter)) // 100)

    # --- life cycle ----------------------------------------------------------------------
    def start(self, k: Kernel, task: Task) -> int | None:
        """First call; returns the delay in jiffies until ``step`` (None: never)."""
        return None

    def step(self, k: Kernel, task: Task) -> int | None:
        return None

    def on_child_exit(self, k: Kernel, task: Task, child: Task) -> None:
        """A child became a zombie. The default reaps it, as a parent with a SIGCHLD handler."""
        k.reap_later(child)

    def on_exit(self, k: Kernel, task: Task) -> None:
        """The task is exiting."""

    def describe(self) -> str:
        return self.name


class RateMeter:
    """Turns a rate in pages per second into page batches at a few wake-ups a second."""

    __slots__ = ("carry", "interval", "rate")

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.carry = 0
        if rate <= 0:
            self.interval = 0
        else:
            self.interval = min(10 * HZ, max(HZ // 4, -(-HZ // rate)))

    def pages(self) -> int:
        self.carry += self.rate * self.interval
        pages, self.carry = divmod(self.carry, HZ)
        return pages
