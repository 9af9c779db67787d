"""TOML presets → a validated :class:`Scenario`.

A preset describes one scenario: the machine, the kernel configuration, the workload,
scripted console commands and goals. It is read with ``tomllib`` and checked strictly; every
problem is reported as one line naming the file, the key path and what was expected::

    presets/x.toml: tasks[2].nice: expected an integer from -20 to 19, got "high"

- :mod:`.scenario` — what a preset becomes (:class:`Scenario`) and :class:`PresetError`;
- :mod:`.locations` — the shipped and the user's presets, listing them, a name or a path;
- :mod:`.loader` — :func:`load_preset` / :func:`parse_preset`: read (``-``: stdin, where
  allowed), override, check;
- :mod:`.overrides` — ``--set KEY=VALUE``;
- :mod:`.fields` — the format's tables and keys, for the checker and the schema;
- :mod:`.checker` — the TOML checked key by key, with the limits a preset may not pass;
- :mod:`.schema` — the format as a JSON Schema, for editors (``moomtui schema``);
- :mod:`.trial_boot` — the kernel's own check of modules, sysctls and tasks at load time;
- :mod:`.quoting` — how a stranger's text is quoted in messages and listings.

Import the names from here. The format is documented in docs/presets.md.
"""

from . import families
from .checker import FIRST_USER_PID, RAM_MAX, SWAP_MAX, TOTAL_VM_MAX
from .loader import (
    PresetSource,
    load_preset,
    load_shipped_preset,
    parse_preset,
    read_preset,
    shipped_game,
)
from .locations import (
    DEFAULT_PRESET,
    PresetInfo,
    list_presets,
    preset_keys,
    resolve_preset,
    shipped_presets_dir,
    user_presets_dir,
)
from .scenario import SCORE_UNITS, Game, PresetError, PresetEvent, Scenario, ScoreRule

__all__ = [
    "DEFAULT_PRESET",
    "FIRST_USER_PID",
    "RAM_MAX",
    "SCORE_UNITS",
    "SWAP_MAX",
    "TOTAL_VM_MAX",
    "Game",
    "PresetError",
    "PresetEvent",
    "PresetInfo",
    "PresetSource",
    "Scenario",
    "ScoreRule",
    "families",
    "list_presets",
    "load_preset",
    "load_shipped_preset",
    "parse_preset",
    "preset_keys",
    "read_preset",
    "resolve_preset",
    "shipped_game",
    "shipped_presets_dir",
    "user_presets_dir",
]
