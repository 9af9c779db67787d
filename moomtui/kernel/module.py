"""Loadable modules and the Kconfig tristates of the modular OOM killer.

Models three parts of a 2.4.22 system with the seed patch applied:

* ``mm/Config.in``: the tristates ``CONFIG_OOM_PANIC``, ``CONFIG_OOM_KILL`` and
  ``CONFIG_OOM_KPPID``, evaluated top to bottom exactly as ``make oldconfig`` does, so the
  first ``y`` wins and every later ``y`` is demoted to ``m``; all three may be ``n``.
* ``kernel/module.c`` and the initcalls: built-in (``y``) objects run their ``module_init``
  at boot and can never be removed; ``m`` objects are loaded and unloaded by hand; ``n``
  objects do not exist.
* modutils 2.4: ``insmod`` (``MODULE_PARM`` values parsed like ``strtol(…, 0)``),
  ``rmmod``, ``lsmod`` in the ``/proc/modules`` layout and ``modinfo``. Errors are one-line
  messages that start with the tool's name.

Simplified: there are no module dependencies or symbol tables (``Used by`` is only the
count, and ``(unused)`` means a count of zero rather than "never used"), no kmod
autoloading, no ``(autoclean)``/``(deleted)`` states, and ``modprobe`` is ``insmod``. Only
the ``"i"`` parameter type of ``MODULE_PARM`` exists. A module whose Python code raises is
treated as an oops: the kernel logs it, removes the module instead of leaving it stuck,
keeps running, and is marked tainted with ``D``, the flag 2.6.9 later gave to "an oops
happened" (2.4.22 itself only knew ``P``, ``F`` and ``S``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from moomtui.kernel.events import Event, ModuleLoad, ModuleUnload

KERN_ALERT = 1
"""``<1>``: the level of the oops line printed when a module's code raises."""

MODULE_DIR = "/lib/modules/2.4.22-moom/kernel/mm"
"""Where ``make modules_install`` puts the objects of ``mm/``."""

TRISTATES = ("y", "m", "n")

KCONFIG_OPTIONS = ("CONFIG_OOM_PANIC", "CONFIG_OOM_KILL", "CONFIG_OOM_KPPID")
"""The tristates of ``mm/Config.in``, in the order the file asks them."""

KCONFIG_PROMPTS = {
    "CONFIG_OOM_PANIC": "Panic",
    "CONFIG_OOM_KILL": "Classic",
    "CONFIG_OOM_KPPID": "Kill parents",
}
"""``tristate 'Panic' CONFIG_OOM_PANIC`` …: the menu prompt of each option."""

KCONFIG_MODULES = {
    "CONFIG_OOM_PANIC": "oom_panic",
    "CONFIG_OOM_KILL": "oom_kill",
    "CONFIG_OOM_KPPID": "oom_kill_parent",
}
"""``obj-$(CONFIG_OOM_PANIC) += oom_panic.o`` …: the object each option builds."""

DEFCONFIG = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "y", "CONFIG_OOM_KPPID": "n"}
"""The defconfig keeps the classic killer built in, as 2.4 without the patch had it."""

_INT_MIN = -(1 << 31)
_UINT_MAX = (1 << 32) - 1
_C_INTEGER = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


class KconfigError(ValueError):
    """A Kconfig choice names an unknown option or gives a value other than y, m or n."""


class ModuleError(Exception):
    """A failed module command; ``str(err)`` is the tool's one-line message."""


class KernelLike(Protocol):
    """What the loader needs of the kernel."""

    jiffies: int
    boot: int
    current_uid: int

    def printk(self, level: int, text: str) -> None: ...

    def emit(self, event_cls: type[Event], **fields: Any) -> None: ...


def resolve_kconfig(choice: Mapping[str, str]) -> dict[str, str]:
    """Evaluate ``mm/Config.in`` for ``choice``; options not chosen take :data:`DEFCONFIG`.

    Each option's block, in file order, demotes every *other* option that is ``y`` to ``m``
    (``define_bool CONFIG_OOM_KILL = m``), so once one option is ``y`` no later one can be.
    """
    for option, value in choice.items():
        if option not in KCONFIG_OPTIONS:
            raise KconfigError(
                f"unknown Kconfig option {option!r} (known: {', '.join(KCONFIG_OPTIONS)})"
            )
        if value not in TRISTATES:
            raise KconfigError(f"{option}: invalid value {value!r} (expected y, m or n)")
    config = {**DEFCONFIG, **choice}
    for option in KCONFIG_OPTIONS:
        if config[option] == "y":
            for other in KCONFIG_OPTIONS:
                if other != option and config[other] == "y":
                    config[other] = "m"
    return config


def parse_c_integer(text: str) -> int:
    """Parse ``text`` as ``strtol(text, &end, 0)`` with nothing left over: 10, 0x10, 010, -1.

    Raises ValueError for anything else, including Python-only forms like ``0o17`` or ``1_0``.
    """
    if _C_INTEGER.fullmatch(text) is None:
        raise ValueError(f"not a C integer: {text!r}")
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits[2:], 16)
    if digits.startswith("0"):
        return sign * int(digits, 8)
    return sign * int(digits)


@dataclass(frozen=True, slots=True)
class ModuleParam:
    """One ``MODULE_PARM(name, "i")`` with its ``MODULE_PARM_DESC``.

    ``ctype`` is the C type of the variable behind it (``int`` or ``unsigned int``): any value
    that fits 32 bits, signed or unsigned, is accepted and stored wrapped to that type, as
    modutils writes the 32-bit pattern into the variable. ``minimum``/``maximum`` are checked
    on the stored value.
    """

    name: str
    type: str
    desc: str
    default: int
    minimum: int | None = None
    maximum: int | None = None
    ctype: str = "int"

    def __post_init__(self) -> None:
        if self.type != "i":
            raise ValueError(f"{self.name}: MODULE_PARM type {self.type!r} is not supported")
        if self.ctype not in ("int", "uint"):
            raise ValueError(f"{self.name}: ctype must be 'int' or 'uint', not {self.ctype!r}")
        if self.convert(self.default) != self.default:
            raise ValueError(f"{self.name}: default {self.default} is not a valid {self.ctype}")

    def convert(self, value: int) -> int:
        """The value stored for ``value``; ValueError says why it is refused."""
        if not _INT_MIN <= value <= _UINT_MAX:
            raise ValueError("does not fit in 32 bits")
        stored = value & _UINT_MAX
        if self.ctype == "int" and stored > _UINT_MAX >> 1:
            stored -= 1 << 32
        if self.minimum is not None and stored < self.minimum:
            raise ValueError(f"less than the minimum {self.minimum}")
        if self.maximum is not None and stored > self.maximum:
            raise ValueError(f"more than the maximum {self.maximum}")
        return stored


class KernelModule:
    """Base class of loadable modules: subclass, set the class attributes, override hooks.

    Each parameter in ``params`` becomes an instance attribute of the same name.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    author: ClassVar[str]
    license: ClassVar[str] = "GPL"
    size: ClassVar[int]
    kconfig: ClassVar[str | None] = None
    params: ClassVar[tuple[ModuleParam, ...]] = ()

    def __init__(self, kernel: KernelLike, **params: int) -> None:
        self.kernel = kernel
        self.use_count = 0
        self.builtin = False
        for param in self.params:
            setattr(self, param.name, param.convert(params.pop(param.name, param.default)))
        if params:
            raise TypeError(f"{self.name}: unknown parameters {', '.join(sorted(params))}")

    def init(self) -> int:
        """``module_init``: 0 on success or a negative errno, which fails the load."""
        return 0

    def exit(self) -> None:
        """``module_exit``: undo what :meth:`init` did."""


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _kconfig_rank(cls: type[KernelModule]) -> int:
    if cls.kconfig in KCONFIG_OPTIONS:
        return KCONFIG_OPTIONS.index(cls.kconfig)
    return len(KCONFIG_OPTIONS)


class ModuleLoader:
    """The modules of one kernel: which exist, which are loaded, and the commands on them.

    ``registry`` maps each module's name to its class; ``config`` is the resolved Kconfig
    (see :func:`resolve_kconfig`). A class without ``kconfig`` is always built as ``m``.
    """

    __slots__ = ("_loaded", "config", "kernel", "registry", "tainted")

    def __init__(
        self,
        kernel: KernelLike,
        registry: Mapping[str, type[KernelModule]],
        config: Mapping[str, str],
    ) -> None:
        for key, cls in registry.items():
            if cls.name != key:
                raise ValueError(f"registry key {key!r} names module {cls.name!r}")
        for option, value in config.items():
            if value not in TRISTATES:
                raise KconfigError(f"{option}: invalid value {value!r} (expected y, m or n)")
        self.kernel = kernel
        self.registry = dict(registry)
        self.config = dict(config)
        self.tainted: set[str] = set()
        self._loaded: dict[str, KernelModule] = {}

    def boot(self) -> None:
        """Run the initcalls of the built-in modules, in ``mm/Config.in`` order.

        Starts from a cold machine: whatever was loaded before is forgotten without its exit
        running, as a reboot does, and the taint is cleared. Like ``do_initcalls`` it ignores
        a failing init: that module is simply not running.
        """
        self._loaded.clear()
        self.tainted.clear()
        builtins = [cls for cls in self.registry.values() if self._tristate(cls) == "y"]
        for cls in sorted(builtins, key=_kconfig_rank):
            with contextlib.suppress(ModuleError):
                self._start(cls, {}, builtin=True)

    def insmod(self, name: str, args: Sequence[str] = ()) -> KernelModule:
        """Load module ``name`` with ``args`` like ``"oom_parent_max=5"``; returns it."""
        self._require_root("insmod")
        cls = self.registry.get(name)
        if cls is None:
            raise ModuleError(f"insmod: {name}: no module by that name found")
        tristate = self._tristate(cls)
        if tristate != "m":
            state = "built into the kernel" if tristate == "y" else "not built"
            raise ModuleError(
                f"insmod: {name}: {state} ({cls.kconfig}={tristate}): no module by that name found"
            )
        if name in self._loaded:
            raise ModuleError(f"insmod: a module named {name} already exists")
        return self._start(cls, self._parse_args(cls, args), builtin=False)

    modprobe = insmod

    def rmmod(self, name: str) -> None:
        """Unload module ``name``; refused for built-ins and while it is in use."""
        self._require_root("rmmod")
        cls = self.registry.get(name)
        if cls is not None and self._tristate(cls) == "y":
            raise ModuleError(f"rmmod: {name}: is built into the kernel and cannot be removed")
        module = self._loaded.get(name)
        if module is None:
            raise ModuleError(f"rmmod: module {name} is not loaded")
        if module.use_count > 0:
            raise ModuleError(f"rmmod: {name}: {os.strerror(errno.EBUSY)}")
        failure = self._stop(module, "rmmod")
        if failure is not None:
            raise ModuleError(
                f"rmmod: {name}: cleanup_module: kernel oops ({_describe(failure)}); "
                "module removed, kernel tainted"
            )

    def taint(self, name: str, reason: str) -> None:
        """Remove misbehaving module ``name`` (if loaded) and mark the kernel tainted.

        ModuleUnload carries ``reason``. Works on built-ins too: they stay off until reboot.
        """
        self.tainted.add(name)
        module = self._loaded.get(name)
        if module is not None:
            self._stop(module, reason)

    def state(self, name: str) -> str:
        """``built-in``, ``loaded``, ``available`` (an ``m`` not loaded) or ``not built``.

        A name not in the registry is ``not built``.
        """
        cls = self.registry.get(name)
        tristate = "n" if cls is None else self._tristate(cls)
        if tristate == "y":
            return "built-in"
        if tristate == "m":
            return "loaded" if name in self._loaded else "available"
        return "not built"

    def loaded(self) -> list[KernelModule]:
        """Running modules in load order; the built-ins, loaded at boot, come first."""
        return list(self._loaded.values())

    def get(self, name: str) -> KernelModule | None:
        return self._loaded.get(name)

    def names(self) -> list[str]:
        """Every module in the registry, built or not."""
        return list(self.registry)

    def lsmod(self) -> str:
        """2.4 ``lsmod``: loaded modules, newest first; built-ins are not listed."""
        taint = "Tainted: D" if self.tainted else "Not tainted"
        lines = [f"{'Module':<20}{'Size':>8}  Used by    {taint}"]
        for module in reversed(self._loaded.values()):
            if module.builtin:
                continue
            line = f"{module.name:<20}{module.size:>8}{module.use_count:>4}"
            lines.append(line + "  (unused)" if module.use_count == 0 else line)
        return "\n".join(lines)

    def modinfo(self, name: str) -> str:
        """modutils ``modinfo`` for a module that is built (``y`` or ``m``)."""
        cls = self.registry.get(name)
        if cls is None:
            raise ModuleError(f"modinfo: {name}: no module by that name found")
        tristate = self._tristate(cls)
        if tristate == "n":
            raise ModuleError(
                f"modinfo: {name}: not built ({cls.kconfig}=n): no module by that name found"
            )
        filename = "(builtin)" if tristate == "y" else f"{MODULE_DIR}/{name}.o"
        lines = [
            f"filename:    {filename}",
            f'description: "{" ".join(cls.description.split())}"',
            f'author:      "{cls.author}"',
            f'license:     "{cls.license}"',
        ]
        lines += [f'parm:        {p.name} int, description "{p.desc}"' for p in cls.params]
        return "\n".join(lines)

    def _tristate(self, cls: type[KernelModule]) -> str:
        if cls.kconfig is None:
            return "m"
        return self.config.get(cls.kconfig, "n")

    def _require_root(self, tool: str) -> None:
        if self.kernel.current_uid != 0:
            raise ModuleError(f"{tool}: {os.strerror(errno.EPERM)}")

    def _parse_args(self, cls: type[KernelModule], args: Sequence[str]) -> dict[str, int]:
        params = {param.name: param for param in cls.params}
        values: dict[str, int] = {}
        for arg in args:
            key, sep, text = arg.partition("=")
            if not sep:
                raise ModuleError(f"insmod: invalid parameter {arg}")
            param = params.get(key)
            if param is None:
                raise ModuleError(f"insmod: {cls.name}: unknown parameter {key}")
            try:
                number = parse_c_integer(text)
            except ValueError as exc:
                raise ModuleError(f"insmod: invalid parameter {arg}") from exc
            try:
                values[key] = param.convert(number)
            except ValueError as exc:
                raise ModuleError(f"insmod: invalid parameter {arg}: {exc}") from exc
        return values

    def _start(
        self, cls: type[KernelModule], values: dict[str, int], *, builtin: bool
    ) -> KernelModule:
        try:
            module = cls(self.kernel, **values)
            ret = module.init()
        except Exception as exc:
            self._oops(cls.name, exc)
            raise ModuleError(
                f"insmod: {cls.name}: init_module: kernel oops ({_describe(exc)})"
            ) from exc
        if ret != 0:
            raise ModuleError(f"insmod: {cls.name}: init_module: {os.strerror(-ret)}")
        module.builtin = builtin
        self._loaded[cls.name] = module
        self.kernel.emit(
            ModuleLoad,
            name=cls.name,
            builtin=builtin,
            params=tuple(f"{key}={value}" for key, value in values.items()),
        )
        return module

    def _stop(self, module: KernelModule, reason: str) -> Exception | None:
        """Run ``module_exit`` and drop the module; returns what its exit raised, if anything."""
        failure: Exception | None = None
        try:
            module.exit()
        except Exception as exc:
            self._oops(module.name, exc)
            failure = exc
        del self._loaded[module.name]
        self.kernel.emit(ModuleUnload, name=module.name, reason=reason)
        return failure

    def _oops(self, name: str, exc: Exception) -> None:
        self.kernel.printk(
            KERN_ALERT, f"Unable to handle kernel request in module {name}: {_describe(exc)}"
        )
        self.tainted.add(name)
