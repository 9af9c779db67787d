"""``--set KEY=VALUE``: a preset's value changed from the command line before it is checked.

The key is a dotted path of at most four bare keys (``machine.swap``), or ``kernel.sysctl.``
and a sysctl's dotted name (``kernel.sysctl.vm.overcommit_memory``), which sets that sysctl
however the preset spells it; the value is read as a TOML value, or else taken as a plain
string (``--set machine.swap=128M``). The result is checked like any preset: an override can
make a preset invalid, never unchecked.
``moomtui compare`` loads its configurations through the same overrides.
"""

from __future__ import annotations

from typing import Any

from ..toml_scan import TomlError, loads_toml
from .quoting import BARE_KEY, clip
from .scenario import PresetError

SYSCTL = ["kernel", "sysctl"]
"""The table whose keys are sysctl names: the rest of an override's key is one name."""
SYSCTL_PARTS = 6
"""Parts a sysctl's name may have in an override (``vm.oom.oom_parent_max`` has three)."""


def apply_override(data: dict[str, Any], item: str, source: str) -> None:
    """``--set machine.swap=128M``: the value is a TOML value, or else a plain string."""
    key, sep, raw = item.partition("=")
    parts = key.strip().split(".")
    sysctl = parts[:2] == SYSCTL and 2 < len(parts) <= 2 + SYSCTL_PARTS
    if (
        not sep
        or not all(BARE_KEY.fullmatch(part) for part in parts)
        or (len(parts) > 4 and not sysctl)
    ):
        raise PresetError(
            f"--set {clip(item)}: expected KEY=VALUE with a key like machine.swap "
            "(at most 4 parts) or kernel.sysctl.NAME, e.g. machine.swap=128M"
        )
    try:
        value = loads_toml(f"v = {raw}")["v"]
    except TomlError:
        value = raw
    node = data
    for part in parts[: 2 if sysctl else -1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise PresetError(f"{source}: --set {key}: {part} is not a table")
        node = child
    if sysctl:
        _forget_sysctl(node, parts[2:])
        node[".".join(parts[2:])] = value
    else:
        node[parts[-1]] = value


def _forget_sysctl(table: dict[str, Any], name: list[str]) -> None:
    """Remove every spelling of sysctl ``name`` from ``kernel.sysctl`` ``table`` — the
    quoted ``"vm.overcommit_memory"`` and the dotted ``vm.overcommit_memory`` (a table
    ``vm``) alike — so the override's is the only one (the checker refuses two)."""
    for i in range(1, len(name) + 1):
        head = ".".join(name[:i])
        if i == len(name):
            table.pop(head, None)
        elif isinstance(table.get(head), dict):
            _forget_sysctl(table[head], name[i:])
