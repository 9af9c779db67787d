"""Colour themes: hand-edited TOML files turned into Textual themes.

The shipped themes live in the repository's `themes/` folder (installed as the data package
`moomtui._themes`); a user adds or replaces themes in `$XDG_CONFIG_HOME/moomtui/themes/`
(`~/.config/moomtui/themes/` by default). A theme file looks like this:

    name = "vga"                  # required; letters, digits, "-" and "_"
    description = "one line"      # optional; printable text
    dark = true                   # optional, default true; false for a light background
    [colors]                      # Textual's theme colours; only primary is required
    primary = "#AAAAAA"           # also secondary, accent, foreground, background, surface,
                                  # panel, boost, warning, error, success
    [variables]                   # moomtui's own colours, see PROJECT_VARIABLES; optional
    gauge-anon = "#00AA00"        # gauge-*, watermark, oom-victim, task-*, log-*

A colour is anything `textual.color.Color.parse` accepts: "#RGB", "#RRGGBB", "rgb(…)",
"hsl(…)" or a name. The file is checked strictly, like a compiler would: an unknown key, a
value of the wrong type or a bad colour is a `ThemeError` whose message is one line naming
the file and the key path. The app reads these files and never writes them, and reads them
as input from anyone (`moomtui.userfiles`): only a regular file of at most 64 KiB, its TOML
bounded in depth — a FIFO, a device or a thousand nested arrays is an error, not a hang or
a crash.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..dirs import config_dir
from ..patterns import anchored
from ..text import clip, one_line, quote
from ..toml_scan import TomlError, loads_toml
from ..userfiles import UserFileError, read_user_file

DEFAULT_THEME = "vga"
MAX_THEME_FILE = 64 * 1024
"""A theme file is at most 64 KiB (a shipped one is under 1 KiB)."""

COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)

# Mid-luminance colours (about 4.6:1 against both black and white), so a user theme that
# leaves a variable out stays readable whether its background is dark or light.
PROJECT_VARIABLES: MappingProxyType[str, str] = MappingProxyType(
    {
        "gauge-anon": "#228822",
        "gauge-cache": "#A56812",
        "gauge-free": "#767676",
        "gauge-kernel": "#546CE1",
        "gauge-swap": "#DB3636",
        "watermark": "#8A7407",
        "oom-victim": "#EA1313",
        "task-new": "#18882B",
        "task-dying": "#C431C4",
        "log-emerg": "#DB189A",
        "log-alert": "#E61A4D",
        "log-crit": "#E12C2C",
        "log-err": "#D14617",
        "log-warning": "#A26A09",
        "log-notice": "#118197",
        "log-info": "#767676",
        "log-debug": "#5D779C",
    }
)

_TOP_LEVEL_KEYS = ("name", "description", "dark", "colors", "variables")
_NAME = anchored(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_BARE_KEY = anchored(r"[A-Za-z0-9_-]+")
_TOML_POSITION = anchored(
    r"^(?P<message>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)$"
)
_REPOSITORY_THEMES = Path(__file__).resolve().parents[2] / "themes"


@dataclass
class MoomTheme(Theme):
    """A Textual theme read from a theme file, keeping the file's one-line description."""

    description: str = ""


class ThemeError(Exception):
    """A theme file that cannot be used, told in one line: `file: key path: problem`."""

    def __init__(self, path: Path, where: str, problem: str) -> None:
        self.path = path
        self.where = where
        self.problem = problem
        location = f"{display_path(path)}: {where}" if where else display_path(path)
        super().__init__(f"{location}: {problem}")


def load_theme_file(path: Path) -> MoomTheme:
    """Read and check one theme file; raise ThemeError at its first problem."""
    document = read_toml_file(path)
    _check_keys(path, document, _TOP_LEVEL_KEYS, "")
    if "name" not in document:
        raise ThemeError(path, "name", "missing")
    name = document["name"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ThemeError(
            path, "name", f'expected a name of letters, digits, "-" and "_", got {_show(name)}'
        )
    description = document.get("description", "")
    if not isinstance(description, str) or not description.isprintable():
        raise ThemeError(
            path,
            "description",
            f"expected one line of printable text (no control characters), got "
            f"{_show(description)}",
        )
    dark = document.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(path, "dark", f"expected true or false, got {_show(dark)}")
    # Theme's colour fields by name (COLOR_KEYS), passed as keywords.
    colors: dict[str, Any] = _colour_table(path, document, "colors", COLOR_KEYS)
    if "primary" not in colors:
        raise ThemeError(path, "colors.primary", "missing; every theme needs a primary colour")
    variables = _colour_table(path, document, "variables", tuple(PROJECT_VARIABLES))
    return MoomTheme(
        name=name,
        description=description,
        dark=dark,
        variables={**PROJECT_VARIABLES, **variables},
        **colors,
    )


def shipped_themes_dir() -> Path:
    """The folder of the themes that ship with moomtui.

    Installed, they are the data package `moomtui._themes`; run from a checkout that has not
    been installed, they are the repository's `themes/` folder beside the package.
    """
    try:
        folder = resources.files("moomtui._themes")
    except ModuleNotFoundError:
        return _REPOSITORY_THEMES
    # Without an __init__.py the data package is a namespace package, which `files` returns
    # as a MultiplexedPath rather than a Path; its entries are real paths.
    if isinstance(folder, Path):
        return folder if folder.is_dir() else _REPOSITORY_THEMES
    for entry in folder.iterdir():
        if isinstance(entry, Path) and entry.suffix == ".toml":
            return entry.parent
    return _REPOSITORY_THEMES


def user_themes_dir() -> Path:
    """`$XDG_CONFIG_HOME/moomtui/themes`, or `~/.config/moomtui/themes` if that is unset
    (:func:`moomtui.dirs.config_dir`: a relative XDG_CONFIG_HOME is ignored)."""
    return config_dir() / "themes"


def discover_themes(*, include_user: bool = True) -> tuple[dict[str, MoomTheme], list[str]]:
    """Load the shipped themes, then the user's, and the one-line error of each bad file.

    A user theme with the name of a shipped theme replaces it; a bad file is left out and
    does not stop the others. ``include_user=False`` loads the shipped themes only.
    """
    themes: dict[str, MoomTheme] = {}
    errors: list[str] = []
    folders = [shipped_themes_dir(), user_themes_dir()] if include_user else [shipped_themes_dir()]
    for folder in folders:
        themes.update(_load_folder(folder, errors))
    return themes, errors


def _load_folder(folder: Path, errors: list[str]) -> dict[str, MoomTheme]:
    themes: dict[str, MoomTheme] = {}
    files: dict[str, Path] = {}
    try:
        paths = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    except OSError:
        return themes
    for path in paths:
        try:
            theme = load_theme_file(path)
        except ThemeError as error:
            errors.append(str(error))
            continue
        if theme.name in files:
            problem = f'"{theme.name}" is also the name of {files[theme.name].name}'
            errors.append(str(ThemeError(path, "name", problem)))
            continue
        themes[theme.name] = theme
        files[theme.name] = path
    return themes


def read_toml_file(path: Path, limit: int = MAX_THEME_FILE) -> dict[str, Any]:
    """The TOML document in ``path`` (a regular file of at most ``limit`` bytes, read bounded
    by :mod:`moomtui.userfiles`); ThemeError naming the file and the line of a problem."""
    try:
        data = read_user_file(path, limit=limit)
    except UserFileError as error:
        raise ThemeError(path, "", f"cannot read: {error.problem}") from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ThemeError(path, "", "not UTF-8 text") from error
    try:
        return loads_toml(text)
    except TomlError as error:
        found = _TOML_POSITION.match(str(error))
        if found is None:
            raise ThemeError(path, "", str(error)) from error
        where = (
            f"line {found['line']}, column {found['column']}" if found["line"] else "end of file"
        )
        raise ThemeError(path, where, found["message"]) from error


def _colour_table(
    path: Path, document: dict[str, Any], table: str, allowed: tuple[str, ...]
) -> dict[str, str]:
    values = document.get(table, {})
    if not isinstance(values, dict):
        raise ThemeError(path, table, f"expected a table, got {_show(values)}")
    _check_keys(path, values, allowed, table)
    for key, value in values.items():
        _check_colour(path, _key_path(table, key), value)
    return values


def _check_keys(path: Path, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = (
                f'did you mean "{close[0]}"?' if close else f"expected one of {', '.join(allowed)}"
            )
            raise ThemeError(path, _key_path(prefix, key), f"unknown key; {hint}")


def _check_colour(path: Path, where: str, value: Any) -> None:
    problem = f'expected a colour like "#AAAAAA" or "red", got {_show(value)}'
    if not isinstance(value, str):
        raise ThemeError(path, where, problem)
    try:
        Color.parse(value)
    except ColorParseError as error:
        if error.suggested_color:
            problem += f'; did you mean "{error.suggested_color}"?'
        raise ThemeError(path, where, problem) from error


def _key_path(prefix: str, key: str) -> str:
    shown = key if _BARE_KEY.fullmatch(key) and len(key) <= 60 else quote(key)
    return f"{prefix}.{shown}" if prefix else shown


def _show(value: Any) -> str:
    """A TOML value as it would be written in the file (cut short), or its kind for a table
    or array."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return clip(str(value))


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory, or from `~`;
    what a terminal would act on in a file's name shown (`\\x1b`), never sent."""
    if path.is_absolute():
        for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
            if path.is_relative_to(base):
                return one_line(prefix + str(path.relative_to(base)))
    return one_line(str(path))
