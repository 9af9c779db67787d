"""Dependencies point down: every import in moomtui, read from the source.

The layers, each importing only those below it (docs/architecture.md draws them)::

    kernel ← userland ← modules ← machine ← shell ← presets ← sim ← game
           ← tui, headless, compare ← cli

* ``kernel``: the simulated 2.4 kernel. It is handed its policies and programs at boot
  (``kernel/platform.py``) and imports nothing above it, and nothing outside the standard
  library.
* ``userland``: the programs tasks run. ``modules``: the OOM policies; earlyoom is a
  userspace daemon, so ``modules`` may use ``userland``. ``machine``: the platform moomtui
  boots its kernels with (its programs, its policies, the installed packages' policies).
* ``tui``, ``headless`` and ``compare`` are three front ends side by side: none imports
  another. ``cli`` (and ``__main__``) may import anything.

The newer top-level parts sit where they belong:

* ``real`` (``moomtui postmortem`` / ``snapshot``: a real machine's OOM report rebuilt as a
  preset) uses what is below ``sim`` — the kernel's constants, the classic ``badness``, the
  preset limits; only its screen glue, ``real/screen.py``, may use ``sim``, ``game`` and
  ``tui``, to open the rebuilt machine in the app, and its command line, ``real/cli.py``,
  sits just below ``cli``.
* ``web`` (``moomtui serve``) runs the app for a browser: it sits above ``tui``.
* ``lab`` (sweeps: the jobs, the engines, the results file, the summary) sits below the
  front ends, which run their many runs through it (``compare`` is its simplest case); its
  command, ``lab/command.py`` (``moomtui sweep``, which draws compare's tables and records
  the installed version), sits just below ``cli``.
* ``install`` (where this copy was installed from: ``-V``, the web extra's hint) is the
  command line's, just below ``cli``.
* The shipped presets and themes are data packages (``moomtui._presets``,
  ``moomtui._themes``): any layer may find its files there.
* Leaf utilities import nothing of moomtui (the standard library only): ``interrupt`` (a
  real Ctrl+C told apart from a policy's ``KeyboardInterrupt``), ``text`` (text from data
  shown, never sent to a terminal) and ``errors`` (one line for an exception; it shows the
  exception's text with ``text``) may be used by every layer, the kernel's oops guard
  included; ``userfiles`` (reading the host's files, bounded) by every layer but the
  kernel, which reads no host file; ``toml_scan`` (TOML bounded before it is parsed) by the
  same layers; ``patterns`` (every regular expression, declared where its structure is
  checked) by every layer and by ``toml_scan``; ``output`` (the JSON
  documents' version, the width to print for) by the front ends; ``dirs`` (where the user's
  files are, with platformdirs) by the layers above the shell, the only leaf that is not
  the standard library's alone. The package's
  ``__init__`` (the version) is a leaf too.

Every import counts: at the top of a module, inside a function (a lazy import) and under
``if TYPE_CHECKING:`` — a type is a dependency too.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "moomtui"

ORDER: list[tuple[str, ...]] = [
    ("kernel",),
    ("userland",),
    ("modules",),
    ("machine",),
    ("shell",),
    ("presets",),
    ("sim",),
    ("game",),
    ("lab",),
    ("tui", "headless", "compare"),
    ("web", "real.screen"),
    ("real.cli", "install"),
    ("lab.command", "arguments"),
    ("cli",),
    ("__main__",),
]
"""Each layer may import the layers of the rows above its own."""

REAL = {"kernel", "userland", "modules", "machine", "presets"}
"""What the postmortem (``real`` but its screen glue) may import."""

LEAVES = {
    "interrupt",
    "errors",
    "text",
    "userfiles",
    "toml_scan",
    "patterns",
    "output",
    "dirs",
    "",
}
"""Modules that import nothing of moomtui but another leaf (:data:`LEAF_USES`); ``""`` is
the package's ``__init__``."""

LEAF_USES = {"errors": {"text"}, "toml_scan": {"patterns"}}
"""The leaves a leaf may use: the last-resort line shows an exception's text safely; the TOML
pre-scan's patterns are declared like every other."""

NOT_FOR = {
    "userfiles": {"kernel"},
    "toml_scan": {"kernel"},
    "dirs": {"kernel", "userland", "modules", "machine", "shell"},
}
"""Leaves a layer may not use: the kernel reads no file of the host; nothing below the
presets asks where the user's files are."""

DATA = {"_presets", "_themes"}
"""Data packages: files, no code."""

STDLIB_ONLY = {"kernel", "userland", "modules", "machine", "shell", *(LEAVES - {"dirs"})}
"""Layers that need nothing but the standard library (no Textual, no Rich)."""


def layer_of(module: str) -> str:
    """``moomtui.kernel.mm`` → ``kernel``; ``moomtui.real.screen`` → ``real.screen``."""
    parts = module.split(".")[1:]
    if not parts:
        return ""
    if parts[0] == "real" and parts[1:2] in (["screen"], ["cli"]):
        return f"real.{parts[1]}"
    if parts[0] == "lab" and parts[1:2] == ["command"]:
        return "lab.command"
    return parts[0]


def allowed(layer: str) -> set[str]:
    """The layers ``layer`` may import, itself and the leaves it may use included."""
    if layer in LEAVES:
        return {layer} | LEAF_USES.get(layer, set())

    if layer == "real":
        below = set(REAL)
    else:
        row = next(i for i, names in enumerate(ORDER) if layer in names)
        below = {name for names in ORDER[:row] for name in names}
        if layer == "real.screen" or "real.screen" in below:
            below.add("real")
    leaves = {leaf for leaf in LEAVES if layer not in NOT_FOR.get(leaf, set())}
    return below | leaves | DATA | {layer}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    base = PACKAGE.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports, with the line: absolute, relative ones resolved."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                base = node.module
            else:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield node.lineno, sub if is_module(sub) else base


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer() -> None:
    known = {name for names in ORDER for name in names} | LEAVES | {"real"}
    unplaced = {module_name(p) for p in SOURCES if layer_of(module_name(p)) not in known}
    assert not unplaced, f"place these in a layer (tests/test_layering.py): {sorted(unplaced)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_point_down(path: Path) -> None:
    layer = layer_of(module_name(path))
    ok = allowed(layer)
    wrong = [
        f"line {line}: {target} ({layer_of(target) or 'moomtui'})"
        for line, target in imports(path)
        if target.split(".")[0] == "moomtui" and layer_of(target) not in ok
    ]
    assert not wrong, f"{layer or 'moomtui'} may not import: " + "; ".join(wrong)


@pytest.mark.parametrize(
    "path",
    [p for p in SOURCES if layer_of(module_name(p)) in STDLIB_ONLY],
    ids=lambda p: str(p.relative_to(PACKAGE.parent)),
)
def test_the_lower_layers_need_only_the_standard_library(path: Path) -> None:
    foreign = sorted(
        {
            target
            for _, target in imports(path)
            if target.split(".")[0] not in (*sys.stdlib_module_names, "moomtui")
        }
    )
    assert not foreign, f"imports from outside the standard library: {foreign}"


def test_the_rules_catch_an_upward_import() -> None:
    """The checker itself: the imports the layering forbids are refused."""
    assert "modules" not in allowed("kernel")
    assert "userland" not in allowed("kernel")
    assert "userfiles" not in allowed("kernel")
    assert {"interrupt", "errors"} <= allowed("kernel")
    assert "shell" not in allowed("modules")
    assert "tui" not in allowed("headless") and "headless" not in allowed("tui")
    assert "sim" not in allowed("real") and "tui" in allowed("real.screen")
    assert "tui" in allowed("web") and "web" not in allowed("tui")
    assert allowed("errors") == {"errors", "text"}
    assert allowed("text") == {"text"} and allowed("interrupt") == {"interrupt"}
    assert "text" in allowed("kernel") and "text" in allowed("cli")
    assert allowed("userfiles") == {"userfiles"} and "toml_scan" not in allowed("kernel")
    assert allowed("toml_scan") == {"toml_scan", "patterns"} and "patterns" in allowed("kernel")
    assert "real" in allowed("real.cli") and "real.cli" not in allowed("real")
