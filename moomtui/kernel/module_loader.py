"""The module loader: ``insmod``, ``rmmod``, ``lsmod``, ``modinfo`` and the initcalls.

Models two parts of a 2.4.22 system with the seed patch applied, on the Kconfig the kernel
was built with (:mod:`moomtui.kernel.kconfig`):

* ``kernel/module.c`` and the initcalls: built-in (``y``) objects run their ``module_init``
  at boot and can never be removed; ``m`` objects are loaded and unloaded by hand; ``n``
  objects do not exist.
* modutils 2.4: ``insmod`` (``MODULE_PARM`` values read as its
  ``process_module_arguments`` reads them: :func:`int_parameter`), ``rmmod``, ``lsmod`` in
  the ``/proc/modules`` layout and ``modinfo``. Errors are messages that start with the
  tool's name, in modutils' words where modutils has words for them.

Simplified: there are no module dependencies or symbol tables (``Used by`` is only the
count, and ``(unused)`` means a count of zero rather than "never used"), no kmod
autoloading, no ``(autoclean)``/``(deleted)`` states, and ``modprobe`` is ``insmod``. A
module whose Python code raises is treated as an oops: the kernel logs it, removes the
module instead of leaving it stuck, keeps running, and is marked tainted with ``D``, the
flag 2.6.9 later gave to "an oops happened" (2.4.22 itself only knew ``P``, ``F`` and
``S``); what counts as an oops is :mod:`moomtui.kernel.oops`'. That holds for its OOM
handler too: the OOM notifier calls every handler on the chain under the loader's guard
(:class:`~moomtui.kernel.oom_notifier.HandlerGuard`).

Loading and unloading are transactions on what a module registers — its blocks on the OOM
notifier chain and its ``/proc/sys`` tables. An ``init`` that fails (raises, or returns
anything but 0) leaves both exactly as they were before the load, whatever it registered or
unregistered on the way; after ``exit`` — even one that raises — nothing the module
registered is left behind. ``check()`` holds the invariant: every block on the OOM chain
belongs to a loaded module.

The registry of modules is handed to the kernel at boot
(:class:`~moomtui.kernel.platform.Platform`). Policies from outside the tree come in through
:mod:`moomtui.modules.plugins`, which reads a user's file or an installed package's entry
point and gives the loader a class (:meth:`ModuleLoader.insmod_external`): the kernel itself
reads no file and runs no code it was not handed.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from moomtui.kernel.errno import EBUSY, EPERM, strerror
from moomtui.kernel.events import ModuleLoad, ModuleUnload
from moomtui.kernel.kconfig import TRISTATES, KconfigError, kconfig_rank, tristate
from moomtui.kernel.module import (
    C_SPACE,
    MODULE_DIR,
    KernelLike,
    KernelModule,
    ModuleError,
    strtoul,
)
from moomtui.kernel.notifier import NotifierBlock
from moomtui.kernel.oom_notifier import OomNotifier
from moomtui.kernel.oops import describe, is_oops
from moomtui.kernel.panic import entry_point
from moomtui.kernel.printk import KERN_ALERT, KERN_WARNING
from moomtui.kernel.sysctl import SysctlHeader, SysctlTree


def _strerror(ret: object) -> str:
    """``init_module``'s failure: ``strerror(-ret)`` for an errno, else what it returned."""
    if isinstance(ret, int) and not isinstance(ret, bool) and -4096 < ret < 0:
        return strerror(-ret)
    shown = repr(ret)
    return f"returned {shown if len(shown) <= 40 else shown[:39] + '…'}, not 0 or -errno"


@dataclass(slots=True)
class _Registrations:
    """What a module put on the OOM chain and in ``/proc/sys`` while it loaded."""

    blocks: list[NotifierBlock] = field(default_factory=list)
    headers: list[SysctlHeader] = field(default_factory=list)


@dataclass(slots=True)
class _Mark:
    """The OOM chain and the sysctl tree before a module's ``init``, to undo it."""

    oom: object = None
    chain: tuple[NotifierBlock, ...] = ()
    sysctl: object = None
    headers: tuple[SysctlHeader, ...] = ()


class ModuleLoader:
    """The modules of one kernel: which exist, which are loaded, and the commands on them.

    ``registry`` maps each module's name to its class; ``config`` is the resolved Kconfig
    (see :func:`resolve_kconfig`). A class without ``kconfig`` is always built as ``m``.
    """

    __slots__ = (
        "_deleting",
        "_files",
        "_loaded",
        "_owned",
        "config",
        "kernel",
        "registry",
        "tainted",
    )

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
        self._files: dict[str, tuple[str, Callable[[], None]]] = {}
        """Modules loaded from outside the registry: name → (file name, release)."""
        self._owned: dict[str, _Registrations] = {}
        """What each loaded module registered during its ``init``."""
        self._deleting: set[str] = set()
        """Modules ``rmmod`` has marked ``MOD_DELETED`` whose exit waits for the OOM chain."""

    def boot(self) -> None:
        """Run the initcalls of the built-in modules, in ``mm/Config.in`` order.

        Starts from a cold machine: whatever was loaded before is forgotten without its exit
        running, as a reboot does, and the taint is cleared. Like ``do_initcalls`` it ignores
        a failing init: that module is simply not running.
        """
        self._loaded.clear()
        self._owned.clear()
        self._deleting.clear()
        self.tainted.clear()
        for name in list(self._files):
            self._forget_file(name)
        builtins = [cls for cls in self.registry.values() if self._tristate(cls) == "y"]
        for cls in sorted(builtins, key=lambda cls: kconfig_rank(cls.kconfig)):
            with contextlib.suppress(ModuleError):
                self._start(cls, {}, builtin=True)

    @entry_point
    def insmod(self, name: str, args: Sequence[str] = ()) -> KernelModule:
        """Load module ``name`` with ``args`` like ``"oom_parent_max=5"``; returns it (None
        when its init panicked the machine: an entry point, see :mod:`moomtui.kernel.panic`)."""
        self.require_root("insmod")
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

    @entry_point
    def insmod_external(
        self,
        cls: type[KernelModule],
        args: Sequence[str] = (),
        *,
        filename: str,
        release: Callable[[], None],
    ) -> KernelModule:
        """Load a module class from outside the registry (a policy file the user names):
        ``insmod`` of an object that is not in ``/lib/modules``.

        The caller has checked the class (:func:`moomtui.modules.plugins.insmod_file`). It is
        in the registry while it is loaded, with ``filename`` for ``modinfo``, and leaves it
        when unloaded or at the next boot; then ``release`` is called. A load that fails
        calls it at once.
        """
        self.require_root("insmod")
        name = cls.name
        try:
            if name in self._loaded or name in self.registry:
                raise ModuleError(f"insmod: a module named {name} already exists")
            module = self._start(cls, self._parse_args(cls, args), builtin=False)
        except ModuleError:
            release()
            raise
        self.registry[name] = cls
        self._files[name] = (filename, release)
        return module

    @entry_point
    def rmmod(self, name: str) -> None:
        """Unload module ``name``; refused for built-ins and while it is in use.

        A built-in is not in 2.4's ``module_list``, so ``sys_delete_module`` finds nothing
        (``if ((mod = find_module(name)) == NULL) ... error = -ENOENT``) and modutils says
        what it says for any name it cannot find (``if (errno == ENOENT) error("module %s
        is not loaded", argv[i]);``); a second line explains.

        While ``out_of_memory()`` runs (a handler unloading a module), the module is marked
        deleted at once and its exit waits for the walk to end, as ``cleanup_module`` waits
        for ``notify_mutex`` in C (see :mod:`moomtui.kernel.oom_notifier`).
        """
        self.require_root("rmmod")
        cls = self.registry.get(name)
        if cls is not None and self._tristate(cls) == "y":
            raise ModuleError(
                f"rmmod: module {name} is not loaded\n"
                f"Hint: {name} is built into the kernel ({cls.kconfig}=y), not a module: "
                f"kconfig {cls.kconfig}=m and reboot to make it one"
            )
        module = self._loaded.get(name)
        if module is None or name in self._deleting:
            raise ModuleError(f"rmmod: module {name} is not loaded")
        if isinstance(module.use_count, int) and module.use_count > 0:
            raise ModuleError(f"rmmod: {name}: {strerror(EBUSY)}")
        oom = self._oom()
        if oom is not None and oom.busy:
            # mod->flags |= MOD_DELETED; free_module(mod, 0); -- whose cleanup_module waits
            # in unregister_oom_notifier's down(&notify_mutex) for the walk to end
            self._deleting.add(name)
            oom.wait_for_mutex(partial(self._deleted, module))
            return
        failure = self._stop(module, "rmmod")
        if failure is not None:
            raise ModuleError(
                f"rmmod: {name}: cleanup_module: kernel oops ({describe(failure)}); "
                "module removed, kernel tainted"
            )

    def _deleted(self, module: KernelModule) -> None:
        """The end of an ``rmmod`` that waited for the OOM chain: the exit runs now (unless
        the module is gone already: an oops took it meanwhile)."""
        self._deleting.discard(module.name)
        if self._loaded.get(module.name) is module:
            self._stop(module, "rmmod")

    def is_oops(self, exc: BaseException) -> bool:
        """Whether ``exc``, raised by a module's code, is its oops (:func:`~.oops.is_oops`)."""
        return is_oops(self.kernel, exc)

    def handler_returned(self, nb: NotifierBlock, ret: object) -> None:
        """An OOM handler returned ``ret``, not an ``int``: the chain takes it as
        ``NOTIFY_DONE``, with a warning."""
        self.kernel.printk(
            KERN_WARNING,
            f"moomtui policy {nb.name or '?'}: OOM handler returned {ret!r}, not an int: "
            "taken as NOTIFY_DONE",
        )

    def handler_oops(self, nb: NotifierBlock, exc: BaseException) -> bool:
        """An OOM handler raised ``exc``: log the oops, then remove its module and taint.

        The module is the one that owns the block (:meth:`owner`). False when the block
        belongs to no loaded module (the caller takes it off the chain).
        """
        owner = self.owner(nb)
        name = owner.name if owner is not None else nb.name or "?"
        frames = traceback.extract_tb(exc.__traceback__)
        printk = self.kernel.printk
        printk(KERN_ALERT, f"Oops: moomtui policy {name} raised {describe(exc)}")
        if frames:
            printk(KERN_ALERT, f"EIP: {frames[-1].filename}:{frames[-1].lineno}")
        self.tainted.add(name)
        if owner is None:
            return False
        self.taint(owner.name, "oops")
        return True

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
        if name in self._files:
            filename = self._files[name][0]
        lines = [
            f"filename:    {filename}",
            f'description: "{" ".join(cls.description.split())}"',
            f'author:      "{cls.author}"',
            f'license:     "{cls.license}"',
        ]
        lines += [
            f'parm:        {p.name} {"string" if p.type == "s" else "int"}, description "{p.desc}"'
            for p in cls.params
        ]
        return "\n".join(lines)

    def _tristate(self, cls: type[KernelModule]) -> str:
        return tristate(self.config, cls.kconfig)

    def require_root(self, tool: str) -> None:
        """``tool: Operation not permitted`` unless the current user is root."""
        if self.kernel.current_uid != 0:
            raise ModuleError(f"{tool}: {strerror(EPERM)}")

    def _parse_args(self, cls: type[KernelModule], args: Sequence[str]) -> dict[str, int | str]:
        """``process_module_arguments(f, argc, argv, 1)``: the values ``args`` store.

        An argument without ``=`` is skipped, as modutils skips it (``if ((input =
        strchr(*argv, '=')) == NULL) continue;``); an ``"i"`` value is read by
        :func:`int_parameter`, and one that stores nothing leaves the default. The range a
        policy may declare (``minimum``/``maximum``) is moomtui's own check, made on the
        value stored; the seed's modules declare none.
        """
        params = {param.name: param for param in cls.params}
        values: dict[str, int | str] = {}
        for arg in args:
            key, sep, text = arg.partition("=")
            if not sep:
                continue
            param = params.get(key)
            if param is None:
                raise ModuleError(f"insmod: {cls.name}: unknown parameter {key}")
            if param.type == "s":
                values[key] = text
                continue
            try:
                number = int_parameter(key, text)
            except ValueError as exc:
                raise ModuleError(f"insmod: {cls.name}: {exc}") from None
            if number is None:
                continue
            try:
                values[key] = param.convert(number)
            except ValueError as exc:
                raise ModuleError(f"insmod: invalid parameter {arg}: {exc}") from exc
        return values

    def _start(
        self, cls: type[KernelModule], values: dict[str, int | str], *, builtin: bool
    ) -> KernelModule:
        """``sys_init_module``: run ``init``; on failure undo what it registered."""
        mark = self._mark()
        try:
            module = cls(self.kernel, **values)
            ret = module.init()
        except BaseException as exc:
            self._rollback(mark)
            if not is_oops(self.kernel, exc):
                raise
            self.oops(cls.name, exc)
            raise ModuleError(
                f"insmod: {cls.name}: init_module: kernel oops ({describe(exc)})"
            ) from exc
        if isinstance(ret, bool) or ret != 0:
            self._rollback(mark)
            raise ModuleError(f"insmod: {cls.name}: init_module: {_strerror(ret)}")
        module.builtin = builtin
        self._loaded[cls.name] = module
        self._owned[cls.name] = self._registered_since(mark)
        self.kernel.emit(
            ModuleLoad(
                name=cls.name,
                builtin=builtin,
                params=tuple(f"{key}={value}" for key, value in values.items()),
            )
        )
        return module

    def _stop(self, module: KernelModule, reason: str) -> BaseException | None:
        """Run ``module_exit`` and drop the module with everything it registered; returns
        what its exit raised, if anything."""
        failure: BaseException | None = None
        try:
            module.exit()
        except BaseException as exc:
            if not is_oops(self.kernel, exc):
                self._drop(module, reason)
                raise
            self.oops(module.name, exc)
            failure = exc
        self._drop(module, reason)
        return failure

    def _drop(self, module: KernelModule, reason: str) -> None:
        """The module is gone: so is whatever it registered that its exit left behind."""
        owned = self._owned.pop(module.name, _Registrations())
        oom = self._oom()
        if oom is not None:
            for nb in oom.chain:
                if nb in owned.blocks or _method_of(nb) is module:
                    oom.unregister_oom_notifier(nb)
        sysctl = self._sysctl()
        if sysctl is not None:
            for header in owned.headers:
                if header in sysctl.headers:
                    sysctl.unregister_sysctl_table(header)
        del self._loaded[module.name]
        self._forget_file(module.name)
        self.kernel.emit(ModuleUnload(name=module.name, reason=reason))

    # --- registrations ----------------------------------------------------------------
    def _oom(self) -> OomNotifier | None:
        oom = getattr(self.kernel, "oom", None)
        return oom if isinstance(oom, OomNotifier) else None

    def _sysctl(self) -> SysctlTree | None:
        sysctl = getattr(self.kernel, "sysctl", None)
        return sysctl if isinstance(sysctl, SysctlTree) else None

    def _mark(self) -> _Mark:
        mark = _Mark()
        oom, sysctl = self._oom(), self._sysctl()
        if oom is not None:
            mark.oom, mark.chain = oom.snapshot(), oom.chain
        if sysctl is not None:
            mark.sysctl, mark.headers = sysctl.snapshot(), sysctl.headers
        return mark

    def _rollback(self, mark: _Mark) -> None:
        """The OOM chain and the sysctl tree exactly as they were at ``mark``."""
        oom, sysctl = self._oom(), self._sysctl()
        if oom is not None and mark.oom is not None:
            oom.restore(mark.oom)
        if sysctl is not None and mark.sysctl is not None:
            sysctl.restore(mark.sysctl)

    def _registered_since(self, mark: _Mark) -> _Registrations:
        oom, sysctl = self._oom(), self._sysctl()
        blocks = [nb for nb in oom.chain if nb not in mark.chain] if oom is not None else []
        headers = [h for h in sysctl.headers if h not in mark.headers] if sysctl is not None else []
        return _Registrations(blocks, headers)

    def owner(self, nb: NotifierBlock) -> KernelModule | None:
        """The loaded module block ``nb`` belongs to: registered by its ``init``, or a
        method of it; None if no loaded module owns it."""
        method_of = _method_of(nb)
        for name, module in self._loaded.items():
            if method_of is module or nb in self._owned.get(name, _Registrations()).blocks:
                return module
        return None

    def check(self) -> list[str]:
        """Broken invariants of the modules: a block on the OOM chain that belongs to no
        loaded module (a ghost handler)."""
        oom = self._oom()
        if oom is None:
            return []
        return [
            f"OOM chain: block {nb.name or '?'} belongs to no loaded module"
            for nb in oom.chain
            if self.owner(nb) is None
        ]

    def _forget_file(self, name: str) -> None:
        """A module loaded from outside the registry leaves it, and is released."""
        entry = self._files.pop(name, None)
        if entry is not None:
            self.registry.pop(name, None)
            entry[1]()

    def oops(self, name: str, exc: BaseException) -> None:
        """Module ``name``'s code raised ``exc``: log the oops and mark the kernel tainted."""
        self.kernel.printk(
            KERN_ALERT, f"Unable to handle kernel request in module {name}: {describe(exc)}"
        )
        self.tainted.add(name)


def int_parameter(key: str, text: str, *, most: int = 1) -> int | None:
    """What modutils 2.4's ``process_module_arguments`` stores for ``key=text`` when
    ``key`` is a ``MODULE_PARM(key, "i")``: the 32-bit value, or None when it stores
    nothing (the variable keeps its default); ValueError, with modutils' message, when it
    refuses the argument (``most`` is the count the type allows: ``"i"`` is one).

    The loop, from modutils 2.4.16 ``insmod/insmod.c``::

        while (*input) {
            ...
            case 'i':
                *(int *) loc = strtoul(input, &input, 0);
            ...
            while (*input && isspace(*input))
                ++input;
            if (*input == '\0')
                break; /* while (*input) */
            if (*input == ',') {
                if (max && (++n > max)) {
                    error("too many values for %s (max %d)", key, max);
                    return 0;
                }
                ++input;
            } else {
                error("invalid argument syntax for %s: '%c'", key, *input);
                return 0;
            }
        }

    So ``x=`` stores nothing, ``x=`` followed by blanks stores 0 (``strtoul`` found no
    digit), blanks around the number are skipped, ``x=5,6`` is too many values, and a
    number ``strtoul`` stops short of (``x=08``, ``x=1.5``, ``x=abc``) is the syntax error
    at the character where it stopped. C's string ends at a NUL.
    """
    text = text.partition("\0")[0]
    stored: int | None = None
    n = 1
    pos = 0
    while pos < len(text):
        value, end = strtoul(text[pos:])
        if n == 1:
            stored = value
        pos += end
        while pos < len(text) and text[pos] in C_SPACE:
            pos += 1
        if pos == len(text):
            break
        if text[pos] == ",":
            n += 1
            if n > most:
                raise ValueError(f"too many values for {key} (max {most})")
            pos += 1
        else:
            c = text[pos]
            shown = c if c.isprintable() else repr(c)[1:-1]
            raise ValueError(f"invalid argument syntax for {key}: '{shown}'")
    return stored


def _method_of(nb: NotifierBlock) -> object:
    """The object whose bound method ``nb`` calls (None for a plain function)."""
    return getattr(nb.notifier_call, "__self__", None)
