"""Constants of Linux 2.4 on i386 that more than one part of the simulator needs.

Values are the kernel's own (``include/asm-i386/param.h``, ``include/linux/sched.h``,
``include/linux/capability.h``, ``include/asm-i386/signal.h``, ``include/linux/threads.h``,
``include/linux/kernel.h``). The errno values are in :mod:`moomtui.kernel.errno`.
"""

from __future__ import annotations

HZ = 100
SHIFT_HZ = 7
PAGE_SIZE = 4096
PAGE_SHIFT = 12
JIFFIES_MASK = 0xFFFFFFFF  # unsigned long on i386

# include/linux/kernel.h on i386: int, unsigned int and unsigned long are all 32 bits.
INT_MIN = -(1 << 31)
INT_MAX = (1 << 31) - 1
UINT_MAX = (1 << 32) - 1
ULONG_MAX = UINT_MAX
UTS_RELEASE = "2.4.22-moom"
UTS_SYSNAME = "Linux"
UTS_VERSION = "#1 Thu Oct 9 03:11:45 CEST 2003"
UTS_MACHINE = "i686"

# include/linux/threads.h: PID_MAX 0x8000; kernel/fork.c get_pid() wraps to 300.
PID_MAX = 0x8000
RESERVED_PIDS = 300

# include/linux/sched.h
PF_EXITING = 0x00000004
PF_SUPERPRIV = 0x00000100
PF_MEMALLOC = 0x00000800
PF_MEMDIE = 0x00001000
PF_KSWAPD = 0x00004000  # not in 2.4 (there kswapd is only known by its name); shown in ps
FLAG_NAMES = {
    PF_EXITING: "PF_EXITING",
    PF_SUPERPRIV: "PF_SUPERPRIV",
    PF_MEMALLOC: "PF_MEMALLOC",
    PF_MEMDIE: "PF_MEMDIE",
    PF_KSWAPD: "PF_KSWAPD",
}

# include/linux/capability.h
CAPABILITIES = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
)
CAP_SYS_RAWIO = CAPABILITIES.index("CAP_SYS_RAWIO")
CAP_SYS_ADMIN = CAPABILITIES.index("CAP_SYS_ADMIN")
CAP_FULL_SET = (1 << len(CAPABILITIES)) - 1


def CAP_TO_MASK(cap: int) -> int:
    return 1 << cap


def cap_mask(names: list[str] | tuple[str, ...]) -> int:
    """The ``cap_effective`` bitmask of a list of capability names (names must be known)."""
    mask = 0
    for name in names:
        mask |= CAP_TO_MASK(CAPABILITIES.index(name))
    return mask


def cap_names(mask: int) -> list[str]:
    return [name for bit, name in enumerate(CAPABILITIES) if mask & (1 << bit)]


def flag_names(flags: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES.items() if flags & bit]


# include/asm-i386/signal.h
SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = 1, 2, 3, 4, 5, 6, 7, 8
SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 9, 10, 11, 12, 13, 14, 15
SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU = 16, 17, 18, 19, 20, 21, 22
SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO = 23, 24, 25, 26, 27, 28, 29
SIGPWR, SIGSYS = 30, 31
SIGRTMIN, SIGRTMAX = 32, 63
"""The real-time signals: ``#define SIGRTMIN 32`` and ``#define SIGRTMAX (_NSIG-1)``."""
SIGNALS = {
    "HUP": SIGHUP,
    "INT": SIGINT,
    "QUIT": SIGQUIT,
    "ILL": SIGILL,
    "TRAP": SIGTRAP,
    "ABRT": SIGABRT,
    "BUS": SIGBUS,
    "FPE": SIGFPE,
    "KILL": SIGKILL,
    "USR1": SIGUSR1,
    "SEGV": SIGSEGV,
    "USR2": SIGUSR2,
    "PIPE": SIGPIPE,
    "ALRM": SIGALRM,
    "TERM": SIGTERM,
    "STKFLT": SIGSTKFLT,
    "CHLD": SIGCHLD,
    "CONT": SIGCONT,
    "STOP": SIGSTOP,
    "TSTP": SIGTSTP,
    "TTIN": SIGTTIN,
    "TTOU": SIGTTOU,
    "URG": SIGURG,
    "XCPU": SIGXCPU,
    "XFSZ": SIGXFSZ,
    "VTALRM": SIGVTALRM,
    "PROF": SIGPROF,
    "WINCH": SIGWINCH,
    "IO": SIGIO,
    "PWR": SIGPWR,
    "SYS": SIGSYS,
}
"""The named signals 1 .. 31, in number order."""
SIGNAL_ALIASES = {"IOT": SIGABRT, "CLD": SIGCHLD, "POLL": SIGIO, "UNUSED": SIGSYS}
"""Other names ``signal.h`` gives some of them."""
SIGNAL_NAMES = {num: name for name, num in SIGNALS.items()}


def rt_signal_name(sig: int) -> str:
    """``RTMIN``, ``RTMIN+1`` … ``RTMAX-1``, ``RTMAX``: bash's names for 32 .. 63."""
    if sig - SIGRTMIN <= (SIGRTMAX - SIGRTMIN) // 2:
        return "RTMIN" if sig == SIGRTMIN else f"RTMIN+{sig - SIGRTMIN}"
    return "RTMAX" if sig == SIGRTMAX else f"RTMAX-{SIGRTMAX - sig}"


def signal_name(sig: int) -> str | None:
    """The name of signal ``sig`` without ``SIG`` (``TERM``, ``RTMIN+3``), or None."""
    if sig in SIGNAL_NAMES:
        return SIGNAL_NAMES[sig]
    if SIGRTMIN <= sig <= SIGRTMAX:
        return rt_signal_name(sig)
    return None


# mm/vmscan.c
DEF_PRIORITY = 6
SWAP_CLUSTER_MAX = 32

# kernel/sched.c: NICE_TO_TICKS(nice) = (TICK_SCALE(20-(nice))+1) with TICK_SCALE(x) = x>>2
# at HZ=100. The time slice is also the scheduler weight in this simulation.


def NICE_TO_TICKS(nice: int) -> int:
    return ((20 - nice) >> 2) + 1


# Each task owns an order-1 allocation: task_struct plus kernel stack (THREAD_SIZE = 8K).
TASK_STRUCT_ORDER = 1
TASK_STRUCT_PAGES = 1 << TASK_STRUCT_ORDER
