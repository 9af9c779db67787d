"""Policies from outside the tree: a Python file the user names, or an installed package's.

Two ways in, neither of them open to a preset (docs/policies.md):

* :func:`insmod_file` is the console's ``insmod ./my_policy.py``: it reads the file (only
  as root, only a regular file of bounded size: :mod:`moomtui.userfiles`), runs it as a
  fresh Python module, takes the one :class:`~moomtui.modules.api.Policy` subclass it
  defines and hands it to the kernel's module loader, which loads it like any module and
  forgets it when it is unloaded. Running the file is the only place moomtui runs a user's
  code; code that raises while the file runs is an oops, as in a module's ``init``.
* :func:`entry_point_modules` finds the module classes installed packages declare in the
  ``moomtui.modules`` entry-point group; the shipped machine (:mod:`moomtui.machine`) asks
  it at each boot.

Here, not in the kernel: the simulated kernel reads no file of the host and imports no
package by name; it is handed module classes.
"""

from __future__ import annotations

import itertools
import os
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ..kernel.module import KernelModule, ModuleError
from ..kernel.module_loader import ModuleLoader
from ..kernel.oops import describe, is_oops
from ..kernel.panic import entry_point
from ..patterns import anchored, scanning
from ..userfiles import UserFileError, read_user_file
from .api import Policy

ENTRY_POINT_GROUP = "moomtui.modules"
"""The entry-point group installed packages declare their OOM policies in."""

_MODULE_NAME = anchored(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
_NOT_WORD = scanning(r"\W")
"""What ``insmod`` accepts as a module name: a C identifier, as the object's symbols use."""
_file_modules = itertools.count(1)


def is_policy_file(text: str) -> bool:
    """Whether ``insmod TEXT`` names a Python policy file rather than a module.

    ``./my_policy.py``, ``policies/youngest`` and ``x.py`` are files; ``oom_kill``,
    ``oom_kill.o`` and ``/lib/modules/…/oom_kill.o`` are modules.
    """
    return text.endswith(".py") or ("/" in text and not text.endswith(".o"))


def plugin_problem(cls: type[KernelModule]) -> str | None:
    """Why a policy from outside the tree cannot be a module, or None."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or _MODULE_NAME.fullmatch(name) is None:
        return f"module name {name!r} is not a C identifier of at most 60 characters"
    if cls.kconfig is not None:
        return f"{name}: only the seed's modules have a Kconfig option (kconfig = None)"
    for attr, kind in (("description", str), ("author", str), ("license", str), ("size", int)):
        if not isinstance(getattr(cls, attr, None), kind):
            return f"{name}: class attribute {attr} must be a {kind.__name__}"
    return None


@entry_point
def insmod_file(modules: ModuleLoader, path: str, args: Sequence[str] = ()) -> KernelModule | None:
    """Load the policy defined in the Python file at ``path`` into ``modules``; returns it
    (None when its init panicked the machine: an entry point, see
    :mod:`moomtui.kernel.panic`).

    The file must define exactly one subclass of :class:`~moomtui.modules.api.Policy`. Its
    ``name`` defaults to the file's stem, as insmod names a module after its object file.
    The module is in the registry while it is loaded and leaves it when unloaded, so loading
    the file again runs its current text: a policy can be changed without rebooting. Only
    root may do this, and nothing a preset names reaches it.
    """
    modules.require_root("insmod")
    cls, modname = _read_policy_file(modules, path)
    return _insmod_class(modules, cls, modname, path, args)


@entry_point
def insmod_source(
    modules: ModuleLoader, path: str, source: bytes, args: Sequence[str] = ()
) -> KernelModule | None:
    """:func:`insmod_file` with the file's bytes already read (``path`` names it): how a
    sweep's policy file, read once where the sweep starts, is loaded on its workers, which
    may be other machines (docs/lab.md)."""
    modules.require_root("insmod")
    cls, modname = _read_policy_file(modules, path, source)
    return _insmod_class(modules, cls, modname, path, args)


def _insmod_class(
    modules: ModuleLoader,
    cls: type[KernelModule],
    modname: str,
    path: str,
    args: Sequence[str],
) -> KernelModule | None:
    def release() -> None:
        sys.modules.pop(modname, None)

    return modules.insmod_external(cls, args, filename=path, release=release)


def _read_policy_file(
    modules: ModuleLoader, path: str, source: bytes | None = None
) -> tuple[type[KernelModule], str]:
    """Run the file at ``path`` as a fresh module; its one Policy class and module name.

    The source is compiled from the file each time rather than through the import system's
    bytecode cache, whose one-second timestamps could hand back the previous version of a
    file edited and loaded again within the same second.
    """
    file = Path(path)
    if source is None:
        try:
            source = read_user_file(path)
        except UserFileError as err:
            raise ModuleError(f"insmod: {path}: {err.problem}") from None
    try:
        code = compile(source, str(file), "exec")
    except SyntaxError as err:
        raise ModuleError(f"insmod: {path}: syntax error at line {err.lineno}: {err.msg}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise ModuleError(f"insmod: {path}: not Python source ({describe(err)})") from None
    stem = _NOT_WORD.sub("_", file.stem) or "policy"
    modname = f"moomtui_policy_{next(_file_modules)}_{stem}"
    pymod = types.ModuleType(modname)
    pymod.__file__ = str(file)
    sys.modules[modname] = pymod
    try:
        exec(code, pymod.__dict__)
    except BaseException as exc:
        sys.modules.pop(modname, None)
        if not is_oops(modules.kernel, exc):
            raise
        modules.oops(file.stem, exc)
        raise ModuleError(f"insmod: {path}: kernel oops while loading ({describe(exc)})") from exc
    found = [
        obj
        for obj in vars(pymod).values()
        if isinstance(obj, type)
        and issubclass(obj, Policy)
        and obj is not Policy
        and obj.__module__ == modname
    ]
    problem = None
    if not found:
        problem = "no Policy subclass in file"
    elif len(found) > 1:
        names = ", ".join(cls.__name__ for cls in found)
        problem = f"{len(found)} Policy subclasses in file ({names}): expected one"
    else:
        cls = found[0]
        if getattr(cls, "name", None) is None:
            cls.name = file.stem
        if "size" not in vars(cls):
            cls.size = len(source)
        problem = plugin_problem(cls)
    if problem is not None:
        sys.modules.pop(modname, None)
        raise ModuleError(f"insmod: {path}: {problem}")
    return found[0], modname


def may_declare_modules() -> bool:
    """Whether an installed distribution may declare ``moomtui.modules`` entry points: a
    look at the ``entry_points.txt`` files where :mod:`importlib.metadata` finds them, the
    ``*.dist-info`` and ``*.egg-info`` folders of the folders on ``sys.path`` — a few
    reads, where importing :mod:`importlib.metadata` takes longer than booting a small
    machine. True (look properly) for anything else it could read: a finder of
    distributions besides the path's, a zip or an egg on the path, a file not readable."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if finder is not PathFinder and hasattr(finder, "find_distributions"):
            return True
    group = ENTRY_POINT_GROUP.encode()
    for entry in sys.path:
        root = entry or "."
        if root.lower().endswith(".egg"):
            return True
        try:
            names = os.listdir(root)
        except NotADirectoryError:
            return True  # a zip on the path
        except OSError:
            continue  # not there: nothing to find
        for name in names:
            if not name.lower().endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(root, name, "entry_points.txt"), "rb") as file:
                    if group in file.read():
                        return True
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError:
                return True
    return False


def entry_point_modules(
    known: Mapping[str, type[KernelModule]], warn: Callable[[str], None]
) -> dict[str, type[KernelModule]]:
    """The modules installed packages declare in the ``moomtui.modules`` entry-point group.

    Each entry point names a :class:`KernelModule` subclass whose ``name`` is the entry
    point's name, with no Kconfig option. One that cannot be imported, is not such a class,
    or takes a name already in ``known`` (or taken by an earlier entry point) is left out,
    and ``warn`` is told why in one line.
    """
    found: dict[str, type[KernelModule]] = {}
    if not may_declare_modules():
        return found
    import importlib.metadata  # only when looking: it is a third of the kernel's import

    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {ep.name} = {ep.value}"
        try:
            cls = ep.load()
        except Exception as exc:
            warn(f"{where}: cannot be loaded ({describe(exc)})")
            continue
        if not isinstance(cls, type) or not issubclass(cls, KernelModule):
            warn(f"{where}: not a KernelModule subclass")
            continue
        problem = plugin_problem(cls)
        if problem is None and cls.name != ep.name:
            problem = f"names module {cls.name!r}, not {ep.name!r}"
        if problem is None and (cls.name in known or cls.name in found):
            problem = f"a module named {cls.name} already exists"
        if problem is not None:
            warn(f"{where}: {problem}")
            continue
        found[cls.name] = cls
    return found
