"""Loading a preset: a name or a path → the file, read as data from anyone → a Scenario.

The file is read only if it is a regular file under 1 MiB (:mod:`moomtui.userfiles`), then
parsed as TOML, changed by any ``--set`` overrides (:mod:`.overrides`) and checked
(:mod:`.checker`), which ends with a trial boot (:mod:`.trial_boot`).
"""

from __future__ import annotations

from pathlib import Path

from ..userfiles import TomlError, UserFileError, loads_toml, read_user_text
from .checker import Checker
from .locations import display_path, preset_keys, resolve_preset, shipped_presets_dir
from .overrides import apply_override
from .quoting import clip, printable
from .scenario import PresetError, Scenario
from .trial_boot import KeptBoot


def load_preset(
    ref: str | Path,
    *,
    overrides: list[str] | None = None,
    include_user: bool = True,
    keep: KeptBoot | None = None,
) -> Scenario:
    """The scenario of preset ``ref`` (a name or a path), checked; PresetError if not.
    ``keep``: the trial boot is kept there for the run that follows (:mod:`.trial_boot`)."""
    path = resolve_preset(ref, include_user=include_user)
    source = printable(clip(display_path(path), 200))
    try:
        text = read_user_text(path, name=source)
    except UserFileError as err:
        raise PresetError(str(err)) from None
    scenario = parse_preset(text, source, overrides=overrides, keep=keep)
    scenario.key = path.stem
    return scenario


def load_shipped_preset(key: str) -> Scenario:
    """The shipped preset ``key``: never a path, never a user's preset (a served session)."""
    if key in preset_keys(include_user=False):
        return load_preset(shipped_presets_dir() / f"{key}.toml")
    keys = ", ".join(preset_keys(include_user=False))
    raise PresetError(f"{key}: no such preset (shipped presets: {keys})")


def parse_preset(
    text: str, source: str, *, overrides: list[str] | None = None, keep: KeptBoot | None = None
) -> Scenario:
    """The scenario of a preset's TOML ``text`` (``source`` names it in messages), with
    ``overrides`` (``--set``) applied first, checked; PresetError if not."""
    try:
        data = loads_toml(text)
    except TomlError as err:
        raise PresetError(f"{source}: {err}") from None
    for item in overrides or ():
        apply_override(data, item, source)
    return Checker(source, keep).scenario(data)
