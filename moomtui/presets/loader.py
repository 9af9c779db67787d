"""Loading a preset: a name or a path → the file, read as data from anyone → a Scenario.

The file is read only if it is a regular file under 1 MiB (:mod:`moomtui.userfiles`), then
parsed as TOML, changed by any ``--set`` overrides (:mod:`.overrides`) and checked
(:mod:`.checker`), which ends with a trial boot (:mod:`.trial_boot`). Where the caller
allows it (``moomtui run -``, ``check -``, ``compare -``: ``stdin=True``), ``-`` is standard
input, read under the same cap and named ``<stdin>``; the screen never reads a preset there,
its keyboard is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..toml_scan import TomlError, loads_toml
from ..userfiles import (
    STDIN,
    STDIN_NAME,
    UserFileError,
    read_stdin_text,
    read_user_text,
)
from . import families
from .checker import Checker
from .locations import display_path, preset_keys, resolve_preset, shipped_presets_dir
from .overrides import apply_override
from .quoting import clip, one_line
from .scenario import Game, PresetError, Scenario
from .trial_boot import KeptBoot


@dataclass(frozen=True, slots=True)
class PresetSource:
    """A preset's text as read, once: what :func:`load_preset` checks, and what ``compare``
    loads again under each policy (standard input cannot be read twice)."""

    text: str
    source: str
    """How messages name it: the path as given, or ``<stdin>``."""
    key: str
    """The file's stem (``fork-bomb``); empty for standard input."""

    def load(
        self,
        *,
        overrides: list[str] | None = None,
        keep: KeptBoot | None = None,
        draw: int | str | None = None,
    ) -> Scenario:
        scenario = parse_preset(self.text, self.source, overrides=overrides, keep=keep, draw=draw)
        scenario.key = self.key
        return scenario


def read_preset(ref: str | Path, *, include_user: bool = True, stdin: bool = False) -> PresetSource:
    """The text of preset ``ref`` (a name, a path, or with ``stdin`` ``-``); PresetError."""
    if stdin and ref == STDIN:
        try:
            return PresetSource(read_stdin_text(), STDIN_NAME, "")
        except UserFileError as err:
            raise PresetError(str(err)) from None
    path = resolve_preset(ref, include_user=include_user)
    source = one_line(clip(display_path(path), 200))
    try:
        text = read_user_text(path, name=source)
    except UserFileError as err:
        raise PresetError(str(err)) from None
    return PresetSource(text, source, path.stem)


def load_preset(
    ref: str | Path,
    *,
    overrides: list[str] | None = None,
    include_user: bool = True,
    keep: KeptBoot | None = None,
    stdin: bool = False,
    draw: int | str | None = None,
) -> Scenario:
    """The scenario of preset ``ref`` (a name or a path; with ``stdin``, ``-`` is standard
    input), checked; PresetError if not. ``keep``: the trial boot is kept there for the run
    that follows (:mod:`.trial_boot`); ``draw``: a workload family's seed (:func:`parse_preset`)."""
    preset = read_preset(ref, include_user=include_user, stdin=stdin)
    return preset.load(overrides=overrides, keep=keep, draw=draw)


def load_shipped_preset(key: str) -> Scenario:
    """The shipped preset ``key``: never a path, never a user's preset (a served session)."""
    return load_preset(_shipped_path(key))


def _shipped_path(key: str) -> Path:
    """The file of the shipped preset ``key``; PresetError naming them if there is none."""
    if key in preset_keys(include_user=False):
        return shipped_presets_dir() / f"{key}.toml"
    keys = ", ".join(preset_keys(include_user=False))
    raise PresetError(f"{key}: no such preset (shipped presets: {keys})")


def shipped_game(key: str) -> Game:
    """The goals and score rule of the shipped preset ``key``, read and checked as
    :func:`load_shipped_preset` reads and checks them, and nothing else of the preset: no
    trial boot (a listing marks each game preset with its par and best; a whole load of
    every preset cost a listing of them a third of a second)."""
    preset = read_preset(_shipped_path(key))
    return Checker(preset.source).game(_toml(preset.text, preset.source))


def _toml(text: str, source: str) -> dict[str, Any]:
    """A preset's TOML, parsed within its bounds (:mod:`moomtui.toml_scan`); PresetError."""
    try:
        return loads_toml(text)
    except TomlError as err:
        raise PresetError(f"{source}: {err}") from None


def parse_preset(
    text: str,
    source: str,
    *,
    overrides: list[str] | None = None,
    keep: KeptBoot | None = None,
    draw: int | str | None = None,
) -> Scenario:
    """The scenario of a preset's TOML ``text`` (``source`` names it in messages), with
    ``overrides`` (``--set``) applied first, checked; PresetError if not.

    A workload family's distributions (:mod:`.families`) are drawn before the check, from
    ``draw`` — the run's seed (default: the preset's own ``seed``), or an end of every
    distribution (``"low"``, ``"high"``, as ``check`` tries them); the scenario keeps the
    values drawn (``Scenario.drawn``)."""
    data = _toml(text, source)
    for item in overrides or ():
        apply_override(data, item, source)
    if draw is None:
        seed = data.get("seed", 0)
        draw = seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else 0
    try:
        drawn = families.draw(data, draw)
    except families.FamilyError as err:
        raise PresetError(f"{source}: {err}") from None
    scenario = Checker(source, keep).scenario(data)
    scenario.drawn = drawn
    return scenario
