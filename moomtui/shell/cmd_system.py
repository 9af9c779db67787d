"""The machine: ``free``, ``vmstat``, ``uptime``, ``uname``, ``dmesg``, ``swapon``,
``swapoff``, ``reboot``.

``free``, ``vmstat`` and ``uptime`` are procps' and read ``/proc`` as procps does, so their
numbers are the ``/proc/meminfo`` and ``/proc/loadavg`` numbers; their usage errors are
procps' (``free: invalid option -- x`` and the usage line). ``free -h`` and ``-g`` are from
later procps. ``vmstat``'s first line is the average since boot; ``vmstat DELAY COUNT``
prints a line per DELAY seconds, the machine running meanwhile (as ``step`` runs it: at
most ten seconds at once). There are no interrupts but the timer's and context switches are
not counted. ``uname`` is coreutils'. ``dmesg`` is util-linux's with the kernel log's jiffy
timestamps. The swap area is one partition, ``/dev/hda2``, whose size ``swapon SIZE`` chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.constants import HZ, UTS_MACHINE, UTS_RELEASE, UTS_SYSNAME, UTS_VERSION
from ..kernel.printk import format_record
from ..kernel.proc_misc import SWAP_DEVICE, cpu_split, loadavg, meminfo, nr_blocked, nr_running
from ..kernel.procfs import read_proc
from ..kernel.units import UnitError, parse_size
from .base import ArgParser, CommandError, Completer, command, int_arg, parse
from .completion import options

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from .shell import Shell


def require_root(sh: Shell, message: str) -> None:
    if sh.session.uid != 0:
        raise CommandError(message)


# ====================================================================== free
PROCPS_VERSION = "procps version 3.1.11"
FREE_USAGE = "usage: free [-b|-k|-m|-g|-h] [-o] [-t] [-V]"


def _free_parser() -> ArgParser:
    p = ArgParser(
        "free",
        "Show free and used memory (procps 2.0 layout).",
        usage_line=FREE_USAGE,
        add_help=False,
    )
    unit = p.add_mutually_exclusive_group()
    unit.add_argument("-b", dest="shift", action="store_const", const=-10, help="bytes")
    unit.add_argument("-k", dest="shift", action="store_const", const=0, help="kB (default)")
    unit.add_argument("-m", dest="shift", action="store_const", const=10, help="MB")
    unit.add_argument("-g", dest="shift", action="store_const", const=20, help="GB")
    unit.add_argument(
        "-h", "--human", dest="shift", action="store_const", const=HUMAN, help="human sizes"
    )
    p.add_argument("-o", dest="old", action="store_true", help="no -/+ buffers/cache line")
    p.add_argument("-t", dest="total", action="store_true", help="add a Total line")
    p.add_argument("-V", action="version", version=PROCPS_VERSION)
    p.add_argument("--help", action="help", help="show this help")
    return p


HUMAN = 99
"""``free -h``: sizes with a unit, as later procps prints them."""


def human(kb: int) -> str:
    """``free -h``'s size: ``62M``, ``512K``, ``1.5G`` (from kB)."""
    for unit, size in (("G", 1 << 20), ("M", 1 << 10)):
        if kb >= size:
            value = kb / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return f"{kb}K"


def _flag_completer(*flags: str) -> Completer:
    def complete(sh: Shell, before: list[str], prefix: str) -> list[str]:
        return options(prefix, flags)

    return complete


@command(
    "free",
    "show memory use",
    parser=_free_parser,
    complete=_flag_completer("-b", "-g", "-h", "-k", "-m", "-o", "-t"),
)
def free(sh: Shell, argv: list[str]) -> str:
    args = parse(_free_parser(), argv)
    shift = args.shift or 0

    def s(kb: int) -> str:
        if shift == HUMAN:
            return f"{human(kb):>10}"
        return f"{kb << -shift if shift < 0 else kb >> shift:10d}"

    m = meminfo(sh.kernel)
    total, mfree = m["MemTotal"], m["MemFree"]
    used = total - mfree
    buffers, cached = m["Buffers"], m["Cached"]
    stotal, sfree = m["SwapTotal"], m["SwapFree"]
    lines = [
        "             total       used       free     shared    buffers     cached",
        f"{'Mem:':<7} {s(total)} {s(used)} {s(mfree)} {s(m['MemShared'])} {s(buffers)} {s(cached)}",
    ]
    if not args.old:
        lines.append(
            f"-/+ buffers/cache: {s(used - buffers - cached)} {s(mfree + buffers + cached)}"
        )
    lines.append(f"{'Swap:':<7} {s(stotal)} {s(stotal - sfree)} {s(sfree)}")
    if args.total:
        lines.append(
            f"{'Total:':<7} {s(total + stotal)} {s(used + stotal - sfree)} {s(mfree + sfree)}"
        )
    return "\n".join(lines)


# ====================================================================== vmstat
VMSTAT_USAGE = "usage: vmstat [-V] [-n] [delay [count]]"
VMSTAT_HEADER = (
    "procs -----------memory---------- ---swap-- -----io---- --system-- --cpu---",
    " r  b   swpd   free   buff  cache   si   so    bi    bo   in    cs us sy id",
)
VMSTAT_MAX = 10 * HZ
"""The longest a ``vmstat DELAY COUNT`` may run the machine at once (as ``step`` runs at
once): longer runs are refused with a hint."""


def _vmstat_parser() -> ArgParser:
    p = ArgParser(
        "vmstat",
        "Report virtual memory statistics: the first line averaged since boot; with DELAY "
        "and COUNT, a line for each DELAY seconds, the machine running meanwhile.",
        usage_line=VMSTAT_USAGE,
    )
    p.add_argument("-n", dest="once", action="store_true", help="print the header once")
    p.add_argument("-V", action="version", version=PROCPS_VERSION)
    p.add_argument("delay", nargs="?", type=int_arg, help="seconds between two lines")
    p.add_argument("count", nargs="?", type=int_arg, help="how many lines")
    return p


class _VmSample:
    """What vmstat reads at one moment: the swap counters and the CPU jiffies so far."""

    def __init__(self, sh: Shell) -> None:
        k = sh.kernel
        self.ticks = k.ticks
        self.pswpin, self.pswpout = k.vm.pswpin, k.vm.pswpout
        self.user, self.system = cpu_split(k)


def _vmstat_line(sh: Shell, since: _VmSample | None) -> str:
    """One line: the rates since ``since`` (since boot when None), the rest as now."""
    k = sh.kernel
    now = _VmSample(sh)
    m = meminfo(k)
    if since is None:
        seconds = max(1, now.ticks // HZ)
        swapin, swapout = now.pswpin, now.pswpout
        user, system, span = now.user, now.system, now.ticks
    else:
        seconds = max(1, (now.ticks - since.ticks) // HZ)
        swapin, swapout = now.pswpin - since.pswpin, now.pswpout - since.pswpout
        user = max(0, now.user - since.user)
        system = max(0, now.system - since.system)
        span = now.ticks - since.ticks
    si = swapin * 4 // seconds
    so = swapout * 4 // seconds
    capacity = max(1, span * k.sched.ncpus)
    us = min(100, user * 100 // capacity)
    sy = min(100 - us, system * 100 // capacity)
    idle = 100 - us - sy
    swpd = m["SwapTotal"] - m["SwapFree"]
    return (
        f"{nr_running(k):2d} {nr_blocked(k):2d} "
        f"{swpd:6d} {m['MemFree']:6d} {m['Buffers']:6d} {m['Cached']:6d} "
        f"{si:4d} {so:4d} {si:5d} {so:5d} {HZ:4d} {0:5d} {us:2d} {sy:2d} {idle:2d}"
    )


def run_machine(sh: Shell, jiffies: int) -> None:
    """Let the machine run ``jiffies`` now, as ``step`` does (through the screen's clock
    when there is one, so the game and the screen see it)."""
    driver = sh.session.driver
    if driver is None:
        sh.kernel.run_for(jiffies)
    else:
        driver.step(jiffies)


@command("vmstat", "VM statistics (vmstat, vmstat 1 5)", parser=_vmstat_parser)
def vmstat(sh: Shell, argv: list[str]) -> str:
    """``vmstat DELAY COUNT`` takes (COUNT-1) × DELAY seconds, as the real one does: the
    machine runs meanwhile (paused or not), at most :data:`VMSTAT_MAX` at once."""
    args = parse(_vmstat_parser(), argv)
    delay, count = args.delay, args.count
    if delay is not None and delay <= 0:
        raise CommandError(VMSTAT_USAGE)
    if delay is not None and count is None:
        raise CommandError(
            f"vmstat: {delay}: without a COUNT it would never end here; "
            f"try vmstat {delay} 5 (at most {VMSTAT_MAX // HZ} s of lines at once)"
        )
    count = 1 if count is None else count
    if count <= 0:
        raise CommandError(VMSTAT_USAGE)
    if delay is not None and (count - 1) * delay * HZ > VMSTAT_MAX:
        raise CommandError(
            f"vmstat: {delay} {count}: at most {VMSTAT_MAX // HZ} s of lines at once here "
            "(the machine runs while vmstat waits)"
        )
    lines = [*VMSTAT_HEADER, _vmstat_line(sh, None)]
    for n in range(1, count):
        since = _VmSample(sh)
        assert delay is not None
        run_machine(sh, delay * HZ)
        if sh.kernel.panicked is not None:
            break
        if not args.once and n % 20 == 0:  # vmstat repeats its header every 20 lines
            lines += VMSTAT_HEADER
        lines.append(_vmstat_line(sh, since))
    return "\n".join(lines)


# ====================================================================== uptime
def uptime_line(sh: Shell) -> str:
    """procps ``uptime``: the clock (since a midnight boot), uptime, users, load."""
    seconds = sh.kernel.jiffies // HZ
    clock = seconds % 86400
    text = f" {clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d} up "
    days, rest = divmod(seconds, 86400)
    if days:
        text += f"{days} day{'s' if days != 1 else ''}, "
    hours, minutes = rest // 3600, rest // 60 % 60
    text += f"{hours:2d}:{minutes:02d}, " if hours else f"{minutes} min, "
    one, five, fifteen = loadavg(sh.kernel)
    return text + f" 1 user,  load average: {one}, {five}, {fifteen}"


def _uptime_parser() -> ArgParser:
    p = ArgParser(
        "uptime",
        "Tell how long the machine has been up, and its load.",
        usage_line="usage: uptime [-V]",
    )
    p.add_argument("-V", action="version", version=PROCPS_VERSION)
    return p


@command("uptime", "time since boot and load average", parser=_uptime_parser)
def uptime(sh: Shell, argv: list[str]) -> str:
    parse(_uptime_parser(), argv)
    return uptime_line(sh)


# ====================================================================== uname
UNAME_FIELDS = (
    ("s", "kernel-name"),
    ("n", "nodename"),
    ("r", "kernel-release"),
    ("v", "kernel-version"),
    ("m", "machine"),
    ("p", "processor"),
    ("i", "hardware-platform"),
    ("o", "operating-system"),
)


def _uname_parser() -> ArgParser:
    p = ArgParser(
        "uname",
        "Print system information (coreutils): the kernel's name, release and version.",
        usage_line="Try `uname --help' for more information.",
    )
    p.add_argument("-a", "--all", action="store_true", help="all of them (unknowns left out)")
    for letter, name in UNAME_FIELDS:
        p.add_argument(f"-{letter}", f"--{name}", dest=letter, action="store_true")
    return p


def uname_fields(k: Kernel) -> dict[str, str]:
    """``struct utsname`` as 2.4 fills it, plus what coreutils adds."""
    return {
        "s": UTS_SYSNAME,
        "n": k.spec.hostname,
        "r": UTS_RELEASE,
        "v": UTS_VERSION,
        "m": UTS_MACHINE,
        "p": "unknown",
        "i": "unknown",
        "o": "GNU/Linux",
    }


@command("uname", "system information (uname -a)", parser=_uname_parser)
def uname(sh: Shell, argv: list[str]) -> str:
    args = parse(_uname_parser(), argv)
    fields = uname_fields(sh.kernel)
    if args.all:
        return " ".join(v for k, v in fields.items() if v != "unknown")
    wanted = [letter for letter, _ in UNAME_FIELDS if getattr(args, letter)]
    return " ".join(fields[letter] for letter in wanted or ["s"])


# ====================================================================== dmesg
def _dmesg_parser() -> ArgParser:
    p = ArgParser(
        "dmesg",
        "Print the kernel log (log_buf).",
        usage_line="Usage: dmesg [-c] [-n level] [-r]",
    )
    p.add_argument("-c", dest="clear", action="store_true", help="clear it after printing")
    p.add_argument("-r", dest="raw", action="store_true", help="keep the <N> level tags")
    p.add_argument("-n", dest="level", type=int_arg, help="set console_loglevel (1-8)")
    return p


@command(
    "dmesg",
    "print the kernel log",
    parser=_dmesg_parser,
    complete=_flag_completer("-c", "-n", "-r"),
)
def dmesg(sh: Shell, argv: list[str]) -> str:
    args = parse(_dmesg_parser(), argv)
    k = sh.kernel
    if args.level is not None:
        require_root(sh, "klogctl: Operation not permitted")
        if not 1 <= args.level <= 8:
            raise CommandError("klogctl: Invalid argument")
        # syslog(8, level) sets console_loglevel: the first value of kernel.printk.
        k.sysctl.write("kernel.printk", str(args.level), uid=0)
        if not args.clear:
            return ""
    if args.clear:
        require_root(sh, "klogctl: Operation not permitted")
    text = "\n".join(format_record(rec, raw=args.raw) for rec in k.log.records())
    if args.clear:
        k.log.clear()
    return text


# ====================================================================== swap
def _swapon_parser() -> ArgParser:
    p = ArgParser("swapon", f"Enable SIZE of swap on {SWAP_DEVICE}, or show the swap areas.")
    p.add_argument("-s", dest="summary", action="store_true", help="show /proc/swaps")
    p.add_argument("size", nargs="?", help='how much: "64M", "512K", "300 pages"')
    return p


@command(
    "swapon",
    "add swap space (swapon 64M); -s lists it",
    parser=_swapon_parser,
    complete=_flag_completer("-s"),
)
def swapon(sh: Shell, argv: list[str]) -> str:
    parser = _swapon_parser()
    args = parse(parser, argv)
    if args.summary:
        return read_proc(sh.kernel, "/proc/swaps")
    if args.size is None:
        parser.error("no size given")
    try:
        pages = parse_size(args.size)
    except UnitError as err:
        raise CommandError(f"swapon: {args.size}: {err}") from None
    if pages <= 0:
        raise CommandError(f"swapon: {args.size}: the swap area must not be empty")
    require_root(sh, f"swapon: {SWAP_DEVICE}: Operation not permitted")
    sh.kernel.swapon(pages)
    return ""


def _swapoff_parser() -> ArgParser:
    p = ArgParser("swapoff", "Disable swapping: every swapped page comes back to RAM.")
    p.add_argument("-a", dest="all", action="store_true", help="all swap areas")
    p.add_argument("device", nargs="?", help=SWAP_DEVICE)
    return p


@command(
    "swapoff", "disable swap (swapoff -a)", parser=_swapoff_parser, complete=_flag_completer("-a")
)
def swapoff(sh: Shell, argv: list[str]) -> str:
    parser = _swapoff_parser()
    args = parse(parser, argv)
    if not args.all and args.device is None:
        parser.error("give -a or the device")
    if args.device is not None and args.device != SWAP_DEVICE:
        raise CommandError(f"swapoff: {args.device}: No such file or directory")
    require_root(sh, f"swapoff: {SWAP_DEVICE}: Operation not permitted")
    error = sh.kernel.swapoff()
    if error is not None:
        raise CommandError(error)
    return ""


# ====================================================================== reboot
def _reboot_parser() -> ArgParser:
    return ArgParser("reboot", "Restart the machine (a new boot of the same scenario).")


@command("reboot", "restart the machine", parser=_reboot_parser)
def reboot(sh: Shell, argv: list[str]) -> str:
    parse(_reboot_parser(), argv)
    require_root(sh, "reboot: must be superuser.")
    if sh.session.on_reboot is not None:
        sh.session.on_reboot()
    else:
        sh.kernel.reboot()
    sh.session.sync()
    return "Restarting system."
