"""Modules and tunables: ``insmod``, ``rmmod``, ``lsmod``, ``modinfo``, ``modprobe``, ``sysctl``.

The module commands are modutils 2.4's, answered by the kernel's loader (its
:class:`~moomtui.kernel.module.ModuleError` text is the tool's message). ``sysctl`` is
procps' (``kernel.panic = 10``; ``error: "vm.foo" is an unknown key``), reading and
writing through ``/proc/sys`` so a write is the same event as ``echo > /proc/sys/…``.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ..kernel.errno import EACCES, ENOENT
from ..kernel.kconfig import KCONFIG_OPTIONS, KCONFIG_PROMPTS, KconfigError, resolve_kconfig
from ..kernel.module import MODULE_DIR, ModuleError
from ..kernel.procfs import ProcError, read_proc, sysctl_path, write_proc
from ..kernel.sysctl import sysctl_key
from ..modules.plugins import insmod_file, is_policy_file
from .base import ArgParser, CommandError, clip, command, matching, parse, refused_in
from .completion import options

if TYPE_CHECKING:
    from .profile import Profile
    from .shell import Shell

SYSCTL_FAILED = 255
"""procps' ``sysctl`` returns -1 from ``main`` when a key fails."""


def module_name(text: str) -> str:
    """``oom_kill`` for ``oom_kill``, ``oom_kill.o`` or ``/lib/modules/…/oom_kill.o``."""
    return posixpath.basename(text).removesuffix(".o")


def _loadable(sh: Shell) -> list[str]:
    modules = sh.kernel.modules
    return [name for name in modules.names() if modules.state(name) in ("available", "loaded")]


def _complete_load(sh: Shell, before: list[str], prefix: str) -> list[str]:
    names = [w for w in before if not w.startswith("-")]
    if not names:
        if prefix.startswith("-"):
            return options(prefix, ("-r", "-l"))
        return matching(prefix, _loadable(sh))
    cls = sh.kernel.modules.registry.get(module_name(names[0]))
    params = [f"{p.name}=" for p in cls.params] if cls is not None else []
    return matching(prefix, params)


def _insmod_parser() -> ArgParser:
    p = ArgParser(
        "insmod",
        "Load a module into the running kernel (modutils 2.4).",
        usage_line="Usage: insmod [-fkmpqsvxXyY] [-o module_name] module [symbol=value ...]",
    )
    p.add_argument(
        "module", help="module name or object file (oom_kill, oom_kill.o), or a policy file"
    )
    p.add_argument(
        "params", nargs="*", default=[], metavar="symbol=value", help="MODULE_PARM values"
    )
    return p


def _insmod_guard(profile: Profile, argv: list[str]) -> str | None:
    """A policy file runs the file's Python: only where code may run and files be read."""
    args = parse(_insmod_parser(), argv)
    if is_policy_file(args.module) and not (profile.run_code and profile.read_files):
        return (
            f"insmod: {clip(args.module, 120)}: {refused_in(profile)} "
            "(a policy file runs code: insmod takes module names here)"
        )
    return None


@command(
    "insmod",
    "load a kernel module",
    parser=_insmod_parser,
    complete=_complete_load,
    guard=_insmod_guard,
)
def insmod(sh: Shell, argv: list[str]) -> str:
    args = parse(_insmod_parser(), argv)
    modules = sh.kernel.modules
    try:
        if is_policy_file(args.module):  # a user-written policy: insmod ./my_policy.py
            insmod_file(modules, args.module, args.params)
        else:
            modules.insmod(module_name(args.module), args.params)
    except ModuleError as err:
        raise CommandError(str(err)) from None
    return ""


def _modprobe_parser() -> ArgParser:
    p = ArgParser("modprobe", "Load or remove a module (here: insmod and rmmod by name).")
    p.add_argument("-r", "--remove", action="store_true", help="remove the modules")
    p.add_argument("-l", "--list", action="store_true", help="list the module objects")
    p.add_argument("module", nargs="?", help="module name")
    p.add_argument(
        "params", nargs="*", default=[], metavar="symbol=value", help="MODULE_PARM values"
    )
    return p


@command("modprobe", "insmod by name; -r removes", parser=_modprobe_parser, complete=_complete_load)
def modprobe(sh: Shell, argv: list[str]) -> str:
    parser = _modprobe_parser()
    args = parse(parser, argv, intermixed=True)
    modules = sh.kernel.modules
    if args.list:
        return "\n".join(f"{MODULE_DIR}/{name}.o" for name in sorted(_loadable(sh)))
    if args.module is None:
        parser.error("no module name given")
    name = module_name(args.module)
    if not args.remove and modules.state(name) == "loaded":
        return ""  # modutils' modprobe: a module already loaded is success, silently
    try:
        if args.remove:
            for one in [name, *args.params]:
                modules.rmmod(module_name(one))
        else:
            modules.modprobe(name, args.params)
    except ModuleError as err:
        tool, _, rest = str(err).partition(": ")
        message = f"modprobe: {rest}" if tool in ("insmod", "rmmod") else str(err)
        raise CommandError(message) from None
    return ""


def _rmmod_parser() -> ArgParser:
    p = ArgParser(
        "rmmod",
        "Unload modules from the running kernel.",
        usage_line="Usage: rmmod [-aehrsvV] module ...",
    )
    p.add_argument("modules", nargs="+", metavar="module")
    return p


def _complete_loaded(sh: Shell, before: list[str], prefix: str) -> list[str]:
    return matching(prefix, (m.name for m in sh.kernel.modules.loaded() if not m.builtin))


@command("rmmod", "unload kernel modules", parser=_rmmod_parser, complete=_complete_loaded)
def rmmod(sh: Shell, argv: list[str]) -> str:
    args = parse(_rmmod_parser(), argv)
    errors = []
    for name in args.modules:
        try:
            sh.kernel.modules.rmmod(module_name(name))
        except ModuleError as err:
            errors.append(str(err))
    if errors:
        raise CommandError("\n".join(errors))
    return ""


def _lsmod_parser() -> ArgParser:
    return ArgParser("lsmod", "List the loaded modules, newest first (/proc/modules).")


@command("lsmod", "list loaded modules", parser=_lsmod_parser)
def lsmod(sh: Shell, argv: list[str]) -> str:
    """2.4's lsmod, plus one line that lsmod never had: the OOM notifier chain in the order
    ``out_of_memory()`` calls it, built-in handlers included, each block's priority shown
    where it is not the seed's 0."""
    parse(_lsmod_parser(), argv)
    chain = (
        " → ".join(
            nb.name if not nb.priority else f"{nb.name} (priority {nb.priority})"
            for nb in sh.kernel.oom.chain
        )
        or "(empty: no OOM handler)"
    )
    return sh.kernel.modules.lsmod().rstrip("\n") + f"\nOOM chain: out_of_memory() → {chain}\n"


def _kconfig_parser() -> ArgParser:
    p = ArgParser(
        "kconfig",
        "Show the OOM killer's Kconfig (mm/Config.in) or change it for the next reboot.",
    )
    p.add_argument("settings", nargs="*", metavar="CONFIG_OOM_X=y|m|n")
    return p


@command("kconfig", "show or change the OOM Kconfig (next reboot)", parser=_kconfig_parser)
def kconfig(sh: Shell, argv: list[str]) -> str:
    """``make menuconfig`` for the three tristates; the new kernel runs after ``reboot``."""
    args = parse(_kconfig_parser(), argv)
    k = sh.kernel
    spec = k.spec
    asked: dict[str, str] = {}
    if args.settings:
        if k.current_uid != 0:
            raise CommandError("kconfig: Operation not permitted")
        choice = dict(spec.kconfig)
        for item in args.settings:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"kconfig: {item}: expected CONFIG_OOM_X=y|m|n")
            choice[key.strip()] = value.strip()
            asked[key.strip()] = value.strip()
        try:
            resolved = resolve_kconfig(choice)
        except KconfigError as err:
            raise CommandError(f"kconfig: {err}") from None
        # what `make config` writes to .config: the values mm/Config.in leaves, a demoted
        # y as the m it became (a later kconfig line then starts from what was built)
        spec.kconfig = resolved
    running = k.modules.config
    pending = resolve_kconfig(spec.kconfig)
    lines = []
    for option in KCONFIG_OPTIONS:
        now, then = running[option], pending[option]
        note = f"   (after reboot: {then})" if now != then else ""
        lines.append(f"{option}={now}   # {KCONFIG_PROMPTS[option]}{note}")
    winner = next((o for o in KCONFIG_OPTIONS if pending[o] == "y"), None)
    for option, value in asked.items():
        if pending[option] != value and winner is not None:
            # Each option's block in mm/Config.in: if [ "$CONFIG_OOM_KILL" = "y" ]; then
            # ... define_bool CONFIG_OOM_KPPID = m: one policy is y, the first in the file.
            lines.append(
                f"{option}={value} is {pending[option]}: mm/Config.in builds one policy in, "
                f"and {winner}=y comes first (kconfig {winner}=m {option}={value} to swap)"
            )
    if pending != dict(running):
        lines.append("reboot to run the new configuration")
    return "\n".join(lines) + "\n"


def _modinfo_parser() -> ArgParser:
    p = ArgParser("modinfo", "Show a module's description, author, license and parameters.")
    p.add_argument("module")
    return p


def _complete_built(sh: Shell, before: list[str], prefix: str) -> list[str]:
    modules = sh.kernel.modules
    return matching(prefix, (n for n in modules.names() if modules.state(n) != "not built"))


@command("modinfo", "describe a module", parser=_modinfo_parser, complete=_complete_built)
def modinfo(sh: Shell, argv: list[str]) -> str:
    args = parse(_modinfo_parser(), argv)
    try:
        return sh.kernel.modules.modinfo(module_name(args.module))
    except ModuleError as err:
        raise CommandError(str(err)) from None


# ====================================================================== sysctl
def _sysctl_parser() -> ArgParser:
    p = ArgParser("sysctl", "Read and write kernel parameters in /proc/sys (procps).")
    p.add_argument("-a", "-A", dest="all", action="store_true", help="show every variable")
    p.add_argument("-n", dest="values_only", action="store_true", help="print values only")
    p.add_argument("-e", dest="ignore", action="store_true", help="ignore unknown keys")
    p.add_argument("-w", dest="write", action="store_true", help="write key=value settings")
    p.add_argument("variables", nargs="*", default=[], metavar="variable[=value]")
    return p


def _complete_sysctl(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if prefix.startswith("-"):
        return options(prefix, ("-a", "-e", "-n", "-w"))
    return matching(prefix, sh.kernel.sysctl.keys())


class _Sysctl:
    """One ``sysctl`` invocation: its options, output lines and error lines."""

    def __init__(self, sh: Shell, values_only: bool, ignore: bool) -> None:
        self.k = sh.kernel
        self.values_only = values_only
        self.ignore = ignore
        self.out: list[str] = []
        self.failed = False

    def show(self, key: str, value: str) -> None:
        self.out.append(value if self.values_only else f"{key} = {value}")

    def fail(self, message: str) -> None:
        self.out.append(message)
        self.failed = True

    def read(self, name: str) -> None:
        key = sysctl_key(name)
        tree = self.k.sysctl
        if not key or tree.is_dir(key):
            every_key = tree.keys()
            for sub in every_key:
                if not key or sub.startswith(key + "."):
                    self.read(sub)
            return
        try:
            value = read_proc(self.k, sysctl_path(key))
        except ProcError as err:
            if err.errno == ENOENT:
                if not self.ignore:
                    self.fail(f'error: "{name}" is an unknown key')
            elif err.errno == EACCES:
                self.fail(f"error: permission denied on key '{key}'")
            else:
                self.fail(f'error: "{err.strerror}" reading key "{key}"')
            return
        self.show(key, value.rstrip("\n"))

    def write(self, setting: str) -> None:
        name, eq, value = setting.partition("=")
        if not eq:
            self.fail(f'error: "{setting}" must be of the form name=value')
            return
        key = sysctl_key(name.strip())
        value = value.strip()
        if not key or not value:
            self.fail(f'error: Malformed setting "{setting}"')
            return
        try:
            # procps: fprintf(fp, "%s\n", value); through stdio, as echo writes
            write_proc(self.k, sysctl_path(key), value + "\n")
        except ProcError as err:
            if err.errno == ENOENT:
                if not self.ignore:
                    self.fail(f'error: "{key}" is an unknown key')
            elif err.errno == EACCES:
                # procps: case EACCES: fprintf(stderr, ERR_PERMISSION_DENIED, outname);
                self.fail(f"error: permission denied on key '{key}'")
            else:
                self.fail(f'error: "{err.strerror}" setting key "{key}"')
            return
        self.show(key, value)


@command(
    "sysctl", "read or set /proc/sys variables", parser=_sysctl_parser, complete=_complete_sysctl
)
def sysctl(sh: Shell, argv: list[str]) -> str:
    parser = _sysctl_parser()
    args = parse(parser, argv, intermixed=True)
    run = _Sysctl(sh, args.values_only, args.ignore)
    if args.all:
        run.read("")
    elif not args.variables:
        parser.error("no variables specified")
    for variable in args.variables:
        if args.write or "=" in variable:
            run.write(variable)
        else:
            run.read(variable)
    text = "\n".join(run.out)
    if run.failed:
        raise CommandError(text, SYSCTL_FAILED)
    return text
