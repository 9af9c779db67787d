"""Where presets live and what is there: the shipped ones, the user's own, a name or a path.

The shipped presets are installed as the data package ``moomtui._presets`` (the repository's
presets/ folder); the user's are in ``$XDG_CONFIG_HOME/moomtui/presets`` (``~/.config`` by
default), and one with the same key as a shipped preset takes its place. A preset is named
by its file's stem (``leaky-apache``); anything else is a path.

A user's folder may hold a stranger's file, so a preset is looked up by its file's name and
no other file is opened (:func:`resolve_preset`, :func:`preset_keys`). Only the listing
(:func:`list_presets`) reads each file, and of it only the part before its first table —
where its name and description are — bounded and made printable; it never fails: a file that
cannot be read is listed with its one-line reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..dirs import config_dir
from ..shell.session import is_preset_name
from ..toml_scan import TomlError, loads_toml, toml_head
from ..userfiles import UserFileError, read_user_text
from .quoting import clip, printable
from .scenario import PresetError

DEFAULT_PRESET = "leaky-apache"
"""What ``moomtui`` opens without a preset named: the most instructive one."""


@dataclass(frozen=True, slots=True)
class PresetInfo:
    key: str
    name: str
    description: str
    path: Path
    user: bool


def shipped_presets_dir() -> Path:
    """Installed as the data package ``moomtui._presets``; the repository's presets/ else."""
    try:
        from importlib.resources import files

        import moomtui._presets as pkg  # noqa: F401 - only to find the folder

        for entry in files("moomtui._presets").iterdir():
            if entry.name.endswith(".toml"):
                return Path(str(entry)).parent
    except (ImportError, FileNotFoundError, NotADirectoryError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "presets"


def user_presets_dir() -> Path:
    """``$XDG_CONFIG_HOME/moomtui/presets`` (:func:`moomtui.dirs.config_dir`)."""
    return config_dir() / "presets"


def _preset_files(include_user: bool) -> dict[str, tuple[Path, bool]]:
    """Each preset's key → its file and whether it is the user's; by name, nothing read."""
    found: dict[str, tuple[Path, bool]] = {}
    folders = [(shipped_presets_dir(), False)]
    if include_user:
        folders.append((user_presets_dir(), True))
    for folder, mine in folders:
        try:
            paths = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError:
            continue
        for path in paths:
            if is_preset_name(path.stem):
                found[path.stem] = (path, mine)
    return found


def _order(key: str, user: bool) -> tuple[bool, bool, str]:
    """Shipped presets first, the user's next, ``bench`` last."""
    return key == "bench", user, key


def preset_keys(*, include_user: bool = True) -> list[str]:
    """The keys of the shipped presets and the user's, in listing order, from the files'
    names alone: no file is opened."""
    files = _preset_files(include_user)
    return sorted(files, key=lambda key: _order(key, files[key][1]))


def list_presets(*, include_user: bool = True) -> list[PresetInfo]:
    """Shipped presets, then the user's own (a user preset with the same key wins), with
    their names and descriptions. A user preset that cannot be read is listed with the
    reason, in one line.

    ``include_user=False`` lists the shipped ones only, without looking at the user's folder.
    """
    infos = [
        PresetInfo(key, *_peek(path), path, mine)
        for key, (path, mine) in _preset_files(include_user).items()
    ]
    return sorted(infos, key=lambda p: _order(p.key, p.user))


def _peek(path: Path) -> tuple[str, str]:
    """The name and description of the preset at ``path``: only the part of the file before
    its first table is parsed (top-level keys come first in TOML)."""
    try:
        data = loads_toml(toml_head(read_user_text(path)))
    except UserFileError as err:
        return path.stem, f"(cannot be read: {printable(clip(err.problem, 200))})"
    except TomlError as err:
        return path.stem, f"(cannot be read: {printable(clip(str(err), 200))})"
    name = data.get("name")
    desc = data.get("description")
    return (
        printable(clip(name, 80)) if isinstance(name, str) else path.stem,
        printable(clip(desc, 2000)) if isinstance(desc, str) else "",
    )


def resolve_preset(ref: str | Path, *, include_user: bool = True) -> Path:
    """The file of preset ``ref``: a user's or a shipped preset's name, or else a path.

    A name is a file's stem (``leaky-apache``, see
    :func:`~moomtui.shell.session.is_preset_name`), looked up as ``NAME.toml`` in the user's
    folder, then among the shipped presets, without opening any other file; anything else —
    with a ``/``, ending in ``.toml`` — is a path, taken as given.
    """
    text = str(ref)
    if isinstance(ref, Path) or not is_preset_name(text):
        return Path(ref)
    folders = [user_presets_dir()] if include_user else []
    for folder in [*folders, shipped_presets_dir()]:
        path = folder / f"{text}.toml"
        if os.path.lexists(path):
            return path
    keys = ", ".join(preset_keys(include_user=include_user))
    raise PresetError(f"{text}: no such preset (presets: {keys})")


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
