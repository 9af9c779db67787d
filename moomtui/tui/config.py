"""The user's settings: ``config.toml`` in :func:`moomtui.dirs.config_dir`.

    theme = "amber"                          # t, the palette, --theme: one of the themes
    columns = ["pid", "nice", "oom", "rss"]  # F2, the columns command: the task columns
    [keys]                                   # remapped keys, by binding id (the help's
    "task.kill" = "x,f9"                     # Keys table names each)

The screen writes ``theme`` and ``columns`` when the user changes them (``t``, the palette,
F2, ``columns``); ``[keys]`` and everything else in the file — comments, order, spacing,
other keys — is the user's and is kept as written: a save replaces the one key's value where
it stands (or adds it before the first table), checks that the new text reads back as the old
document with that one change, and then replaces the file atomically under its lock
(:mod:`moomtui.userfiles`). A file it cannot read back as before is never written; the
change then holds for the session and a one-line warning says so. ``--theme`` chooses for
one run and is not saved.

The file is read bounded (:func:`~.themes.read_toml_file`: a regular file, at most
:data:`MAX_CONFIG_FILE`, its TOML's shape bounded) and checked strictly: an unknown key, a
theme or a column that does not exist, an action that has no binding or a key name Textual
does not know is a :class:`ConfigError` — one line naming the file and the key — and
moomtui does not start (exit 2), so a typo is never silently ignored. A served session
(``moomtui serve``) neither reads nor writes it.
"""

from __future__ import annotations

import difflib
import errno
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.binding import Binding, BindingType
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

from ..dirs import config_file
from ..patterns import anchored
from ..shell.cmd_columns import COLUMN_KEYS, column_key
from ..text import quote
from ..toml_scan import TomlError, loads_toml, toml_head
from ..userfiles import (
    UserFileError,
    create_user_text,
    locked,
    read_user_text,
    replace_user_text,
)
from .bindings import APP_BINDINGS, TASK_BINDINGS
from .themes import ThemeError, display_path, read_toml_file

MAX_CONFIG_FILE = 64 * 1024
"""A config file is at most 64 KiB (one with every key remapped is under 2 KiB)."""

TOP_LEVEL = ("theme", "columns", "keys")
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_KEY_NAMES = frozenset(key.value for key in Keys) | frozenset(KEY_NAME_REPLACEMENTS.values())
_HEADER = "# moomtui's settings: theme, columns and [keys] (moomtui keeps what you write here)\n"


class ConfigError(Exception):
    """A config file that cannot be used, or a setting that cannot be saved in it: one
    line, ``file: key: problem``."""

    def __init__(self, path: Path, where: str, problem: str) -> None:
        self.path = path
        self.where = where
        self.problem = problem
        location = f"{display_path(path)}: {where}" if where else display_path(path)
        super().__init__(f"{location}: {problem}")


@dataclass
class Config:
    """What the file says; ``path`` None: no file at all (a served session)."""

    path: Path | None = None
    theme: str | None = None
    columns: tuple[str, ...] | None = None
    keys: dict[str, str] = field(default_factory=dict)


def binding_ids(bindings: Iterable[BindingType]) -> list[str]:
    """The ids of ``bindings`` (the actions a ``[keys]`` entry may remap)."""
    return [b.id for b in bindings if isinstance(b, Binding) and b.id]


def key_name(key: str) -> str | None:
    """``key`` as Textual names keys (``?`` is ``question_mark``, ``ctrl+x`` stays), or None
    if Textual knows no such key."""
    *modifiers, base = key.split("+")
    if any(m not in MODIFIERS for m in modifiers) or not base:
        return None
    if len(base) == 1:
        if not base.isprintable() or base.isspace():
            return None
        if not base.isalnum():
            name = unicodedata.name(base, "").lower().replace("-", "_").replace(" ", "_")
            base = KEY_NAME_REPLACEMENTS.get(name, name)
        return "+".join([*modifiers, base]) if base else None
    known = base in _KEY_NAMES or key_to_character(base) is not None
    return key if known else None


def load_config(path: Path, *, themes: Collection[str], actions: Collection[str]) -> Config:
    """Read and check ``path``; a missing file is an empty config. ``themes``: the theme
    names there are; ``actions``: the binding ids ``[keys]`` may remap."""
    config = Config(path)
    if not path.exists() and not path.is_symlink():
        return config
    try:
        document = read_toml_file(path, MAX_CONFIG_FILE)
    except ThemeError as error:
        raise ConfigError(path, error.where, error.problem) from error
    for key in document:
        if key not in TOP_LEVEL:
            where = key if _BARE.fullmatch(key) else quote(key, 40)
            raise ConfigError(path, where, f"unknown key; {_hint(key, TOP_LEVEL)}")
    if "theme" in document:
        config.theme = _theme(path, document["theme"], themes)
    if "columns" in document:
        config.columns = _columns(path, document["columns"])
    if "keys" in document:
        config.keys = _keys(path, document["keys"], actions)
    return config


def user_config(themes: Collection[str]) -> Config:
    """The user's ``config.toml`` (:func:`moomtui.dirs.config_file`), checked against
    ``themes`` and the screen's key bindings; ConfigError at its first problem."""
    actions = binding_ids([*APP_BINDINGS, *TASK_BINDINGS])
    return load_config(config_file(), themes=themes, actions=actions)


def _theme(path: Path, value: object, themes: Collection[str]) -> str:
    if not isinstance(value, str) or value not in themes:
        shown = quote(value, 40) if isinstance(value, str) else "(not a name)"
        raise ConfigError(
            path, "theme", f"no theme named {shown} (themes: {', '.join(sorted(themes))})"
        )
    return value


def _columns(path: Path, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(path, "columns", 'expected a list of column names, like ["pid", "nice"]')
    keys: list[str] = []
    for i, name in enumerate(value):
        key = column_key(name) if isinstance(name, str) else None
        if key is None:
            known = ", ".join(COLUMN_KEYS)
            raise ConfigError(path, f"columns[{i}]", f"expected a column: {known}")
        if key in keys:
            raise ConfigError(path, f"columns[{i}]", f"{key} is named twice")
        keys.append(key)
    return tuple(keys)


def _keys(path: Path, value: object, actions: Collection[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(path, "keys", 'expected a table: [keys] then action = "key"')
    remaps: dict[str, str] = {}
    for action, keys in _flatten(value):
        where = f"keys.{action}" if _BARE.fullmatch(action) else f"keys.{quote(action, 40)}"
        if action not in actions:
            raise ConfigError(path, where, f"no such action; {_hint(action, actions)}")
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(path, where, 'expected keys, like "x" or "x,f9"')
        names = []
        for key in keys.split(","):
            name = key_name(key.strip())
            if name is None:
                raise ConfigError(path, where, f"{quote(key.strip(), 20)} is not a key")
            names.append(name)
        remaps[action] = ",".join(names)
    return remaps


_BARE = anchored(r"[A-Za-z0-9_.-]+")
_ASSIGNMENT = anchored(r"[ \t]*[\"']?(?P<key>[A-Za-z0-9_-]+)[\"']?[ \t]*=")
"""A top-level ``key =``, matched at the start of each line (before the first table)."""


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    """``task.kill = "x"`` under ``[keys]`` is a table ``task`` in TOML: back to its id."""
    out: list[tuple[str, object]] = []
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.extend(_flatten(value, name))
        else:
            out.append((name, value))
    return out


def _hint(key: str, allowed: Collection[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f'did you mean "{close[0]}"?' if close else f"expected one of {', '.join(allowed)}"


# --------------------------------------------------------------------------- saving
def save_setting(path: Path, key: str, value: str | list[str] | None) -> None:
    """Set top-level ``key`` to ``value`` in the file at ``path`` (None: remove it), keeping
    the rest of the text as written; ConfigError when the file cannot be read back or the
    key cannot be changed in place (nothing is written then)."""
    line = "" if value is None else f"{key} = {_toml(value)}\n"
    try:
        with locked(path):
            try:
                text = read_user_text(path, limit=MAX_CONFIG_FILE)
            except UserFileError as error:
                if error.errno != errno.ENOENT:
                    raise
                if value is None:
                    return
                path.parent.mkdir(parents=True, exist_ok=True)
                create_user_text(path, _HEADER + line)
                return
            replace_user_text(path, _edited(path, text, key, value, line))
    except UserFileError as error:
        raise ConfigError(path, key, f"not saved: {error.problem}") from error
    except OSError as error:
        raise ConfigError(path, key, f"not saved: {error.strerror}") from error


def _edited(path: Path, text: str, key: str, value: object, line: str) -> str:
    """``text`` with ``key``'s assignment replaced by ``line`` (or ``line`` added before the
    first table), checked to read back as the old document with only that change."""
    try:
        before = loads_toml(text)
    except TomlError as error:
        problem = f"not saved: the file does not read as TOML ({error})"
        raise ConfigError(path, key, problem) from None
    after = dict(before)
    if value is None:
        after.pop(key, None)
    else:
        after[key] = value
    head = toml_head(text)
    starts = [0, *(i + 1 for i, c in enumerate(head) if c == "\n")]
    matches = (_ASSIGNMENT.match(head, start) for start in starts)
    found = next((m for m in matches if m is not None and m["key"] == key), None)
    if found is None:
        if value is None:
            return text
        cut = len(head)
        glue = "" if not head or head.endswith("\n") else "\n"
        candidates = [text[:cut] + glue + line + text[cut:]]
    else:
        start = found.start()
        ends = [i + 1 for i, c in enumerate(text) if c == "\n" and i >= start] + [len(text)]
        candidates = [text[:start] + line + text[end:] for end in ends[:200]]
    for candidate in candidates:
        try:
            if loads_toml(candidate) == after:
                return candidate
        except TomlError:
            continue
    raise ConfigError(path, key, "not saved: it is written in a way moomtui cannot edit")


def _toml(value: str | list[str]) -> str:
    """A theme or column name, or a list of them, as TOML (names are plain ASCII words)."""
    if isinstance(value, str):
        return f'"{value}"'
    return "[" + ", ".join(f'"{item}"' for item in value) + "]"
