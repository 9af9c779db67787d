"""dmesg: the kernel log as the console shows it, coloured by level, following new lines.

It reads ``log_buf`` incrementally with ``LogBuffer.since(seq)`` once per frame, and shows a
line only if the console would print it (``level < console_loglevel``, changed with
``sysctl -w kernel.printk=…`` or ``dmesg -n``). When the level changes the view is rebuilt from
what the buffer still holds; a reboot or a new preset draws a rule and starts reading the new
buffer; a rewind shows the replayed machine's log with a rule at the branch point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ...kernel.printk import LEVEL_NAMES, LogBuffer, LogRecord, format_record
from .line_log import LineLog

if TYPE_CHECKING:
    from ...kernel import Kernel

LEVEL_CLASSES = tuple(f"dmesg--{'warning' if name == 'warn' else name}" for name in LEVEL_NAMES)


class DmesgView(LineLog):
    """The kernel log, one coloured line per record."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*LEVEL_CLASSES, "dmesg--rule"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=3000, id=id)
        self._log: LogBuffer | None = None
        self._kernel: Kernel | None = None
        self._seq = 0
        self._level = -1

    def sync(self, kernel: Kernel) -> None:
        log = kernel.log
        if log is not self._log:
            if self._log is not None:
                what = f"reboot {kernel.boot}" if kernel is self._kernel else kernel.spec.name
                self.write([(f"──── {what} ────", "dmesg--rule")])
            self._log, self._kernel = log, kernel
            self._seq = 0
            self._level = log.console_loglevel
        if log.console_loglevel != self._level:
            self._level = log.console_loglevel
            self.clear()
            self._seq = 0
        records = log.since(self._seq)
        if records:
            self._seq = records[-1].seq
            self.write([self._line(rec) for rec in records if log.reaches_console(rec)])

    def rewound(self, kernel: Kernel, rule: str) -> None:
        """The run went back (``rewind``): the log is the replayed machine's up to the
        branch point, marked by ``rule``; what the abandoned branch logged goes."""
        self.clear()
        self._log, self._kernel = kernel.log, kernel
        self._seq = 0
        self._level = kernel.log.console_loglevel
        self.sync(kernel)
        self.write([(f"──── {rule} ────", "dmesg--rule")])

    @staticmethod
    def _line(rec: LogRecord) -> tuple[str, str]:
        return format_record(rec), LEVEL_CLASSES[max(0, min(7, rec.level))]
