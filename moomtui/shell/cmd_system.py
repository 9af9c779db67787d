"""The machine: ``free``, ``vmstat``, ``uptime``, ``dmesg``, ``swapon``, ``swapoff``, ``reboot``.

``free``, ``vmstat`` and ``uptime`` are procps' and read ``/proc`` as procps does, so their
numbers are the ``/proc/meminfo`` and ``/proc/loadavg`` numbers. ``vmstat``'s line is the
average since boot, like its first line; there are no interrupts but the timer's and context
switches are not counted. ``dmesg`` is util-linux's with the kernel log's jiffy timestamps.
The swap area is one partition, ``/dev/hda2``, whose size ``swapon SIZE`` chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.constants import HZ
from ..kernel.printk import format_record
from ..kernel.proc_misc import SWAP_DEVICE, cpu_split, loadavg, meminfo, nr_blocked, nr_running
from ..kernel.procfs import read_proc
from ..kernel.units import UnitError, parse_size
from .base import ArgParser, CommandError, Completer, command, int_arg, parse
from .completion import options

if TYPE_CHECKING:
    from .shell import Shell


def require_root(sh: Shell, message: str) -> None:
    if sh.session.uid != 0:
        raise CommandError(message)


# ====================================================================== free
def _free_parser() -> ArgParser:
    p = ArgParser("free", "Show free and used memory (procps 2.0 layout).")
    unit = p.add_mutually_exclusive_group()
    unit.add_argument("-b", dest="shift", action="store_const", const=-10, help="bytes")
    unit.add_argument("-k", dest="shift", action="store_const", const=0, help="kB (default)")
    unit.add_argument("-m", dest="shift", action="store_const", const=10, help="MB")
    p.add_argument("-t", dest="total", action="store_true", help="add a Total line")
    return p


def _flag_completer(*flags: str) -> Completer:
    def complete(sh: Shell, before: list[str], prefix: str) -> list[str]:
        return options(prefix, flags)

    return complete


@command(
    "free", "show memory use", parser=_free_parser, complete=_flag_completer("-b", "-k", "-m", "-t")
)
def free(sh: Shell, argv: list[str]) -> str:
    args = parse(_free_parser(), argv)
    shift = args.shift or 0

    def s(kb: int) -> int:
        return kb << -shift if shift < 0 else kb >> shift

    m = meminfo(sh.kernel)
    total, mfree = m["MemTotal"], m["MemFree"]
    used = total - mfree
    buffers, cached = m["Buffers"], m["Cached"]
    stotal, sfree = m["SwapTotal"], m["SwapFree"]
    lines = [
        "             total       used       free     shared    buffers     cached",
        f"{'Mem:':<7} {s(total):10d} {s(used):10d} {s(mfree):10d} {s(m['MemShared']):10d} "
        f"{s(buffers):10d} {s(cached):10d}",
        f"-/+ buffers/cache: {s(used - buffers - cached):10d} {s(mfree + buffers + cached):10d}",
        f"{'Swap:':<7} {s(stotal):10d} {s(stotal - sfree):10d} {s(sfree):10d}",
    ]
    if args.total:
        lines.append(
            f"{'Total:':<7} {s(total + stotal):10d} {s(used + stotal - sfree):10d} "
            f"{s(mfree + sfree):10d}"
        )
    return "\n".join(lines)


# ====================================================================== vmstat
def _vmstat_parser() -> ArgParser:
    return ArgParser("vmstat", "Report virtual memory statistics, averaged since boot.")


@command("vmstat", "one line of VM statistics", parser=_vmstat_parser)
def vmstat(sh: Shell, argv: list[str]) -> str:
    parse(_vmstat_parser(), argv)
    k = sh.kernel
    vm = k.vm
    m = meminfo(k)
    seconds = max(1, k.ticks // HZ)
    si = vm.pswpin * 4 // seconds
    so = vm.pswpout * 4 // seconds
    user, system = cpu_split(k)
    capacity = max(1, k.ticks * k.sched.ncpus)
    us = min(100, user * 100 // capacity)
    sy = min(100 - us, system * 100 // capacity)
    idle = 100 - us - sy
    swpd = m["SwapTotal"] - m["SwapFree"]
    return "\n".join(
        [
            "procs -----------memory---------- ---swap-- -----io---- --system-- --cpu---",
            " r  b   swpd   free   buff  cache   si   so    bi    bo   in    cs us sy id",
            f"{nr_running(k):2d} {nr_blocked(k):2d} "
            f"{swpd:6d} {m['MemFree']:6d} {m['Buffers']:6d} {m['Cached']:6d} "
            f"{si:4d} {so:4d} {si:5d} {so:5d} {HZ:4d} {0:5d} {us:2d} {sy:2d} {idle:2d}",
        ]
    )


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
    return ArgParser("uptime", "Tell how long the machine has been up, and its load.")


@command("uptime", "time since boot and load average", parser=_uptime_parser)
def uptime(sh: Shell, argv: list[str]) -> str:
    parse(_uptime_parser(), argv)
    return uptime_line(sh)


# ====================================================================== dmesg
def _dmesg_parser() -> ArgParser:
    p = ArgParser("dmesg", "Print the kernel log (log_buf).")
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
