"""``--set KEY=VALUE``: a preset's value changed from the command line before it is checked.

The key is a dotted path of at most four bare keys (``machine.swap``); the value is read as
a TOML value, or else taken as a plain string (``--set machine.swap=128M``). The result is
checked like any preset: an override can make a preset invalid, never unchecked.
``moomtui compare`` loads its configurations through the same overrides.
"""

from __future__ import annotations

from typing import Any

from ..userfiles import TomlError, loads_toml
from .quoting import BARE_KEY, clip
from .scenario import PresetError


def apply_override(data: dict[str, Any], item: str, source: str) -> None:
    """``--set machine.swap=128M``: the value is a TOML value, or else a plain string."""
    key, sep, raw = item.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(BARE_KEY.fullmatch(part) for part in parts) or len(parts) > 4:
        raise PresetError(
            f"--set {clip(item)}: expected KEY=VALUE with a key like machine.swap "
            "(at most 4 parts), e.g. machine.swap=128M"
        )
    try:
        value = loads_toml(f"v = {raw}")["v"]
    except TomlError:
        value = raw
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise PresetError(f"{source}: --set {key}: {part} is not a table")
        node = child
    node[parts[-1]] = value
