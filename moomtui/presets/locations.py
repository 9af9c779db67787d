"""Where presets live and what is there: the shipped ones, the user's own, a name or a path.

The shipped presets are installed as the data package ``moomtui._presets`` (the repository's
presets/ folder); the user's are in ``$XDG_CONFIG_HOME/moomtui/presets`` (``~/.config`` by
default), and one with the same key as a shipped preset takes its place. A preset is named
by its file's stem (``leaky-apache``); anything else is a path. Listing a preset reads only
its name and description, bounded and made printable, and never fails: a file that cannot
be read is listed with a note saying so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..shell.session import is_preset_name
from ..userfiles import TomlError, UserFileError, loads_toml, read_user_text
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
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "moomtui" / "presets"


def list_presets(*, include_user: bool = True) -> list[PresetInfo]:
    """Shipped presets, then the user's own (a user preset with the same key wins). A user
    preset that cannot be read is listed with a note saying so.

    ``include_user=False`` lists the shipped ones only, without looking at the user's folder.
    """
    found: dict[str, PresetInfo] = {}
    folders = [(shipped_presets_dir(), False)]
    if include_user:
        folders.append((user_presets_dir(), True))
    for folder, mine in folders:
        try:
            paths = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError:
            continue
        for path in paths:
            if not is_preset_name(path.stem):
                continue
            name, description = _peek(path)
            found[path.stem] = PresetInfo(path.stem, name, description, path, mine)
    return sorted(found.values(), key=lambda p: (p.key == "bench", p.user, p.key))


def _peek(path: Path) -> tuple[str, str]:
    try:
        data = loads_toml(read_user_text(path))
    except (UserFileError, TomlError):
        return path.stem, "(cannot be read: run `moomtui check` on it)"
    name = data.get("name")
    desc = data.get("description")
    return (
        printable(clip(name, 80)) if isinstance(name, str) else path.stem,
        printable(clip(desc, 2000)) if isinstance(desc, str) else "",
    )


def resolve_preset(ref: str | Path, *, include_user: bool = True) -> Path:
    """The file of preset ``ref``: a shipped or user preset's name, or else a path.

    A name is a file's stem (``leaky-apache``, see
    :func:`~moomtui.shell.session.is_preset_name`); anything else — with a ``/``, ending in
    ``.toml`` — is a path, taken as given.
    """
    text = str(ref)
    if isinstance(ref, Path) or not is_preset_name(text):
        return Path(ref)
    infos = list_presets(include_user=include_user)
    for info in infos:
        if info.key == text:
            return info.path
    keys = ", ".join(p.key for p in infos)
    raise PresetError(f"{text}: no such preset (presets: {keys})")


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
