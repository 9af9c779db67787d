"""Theme files: the shipped ones are complete and readable, user ones override, errors are
one line naming the file and key, and a loaded theme drives Textual's CSS variables."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

import moomtui
from moomtui.tui import themes
from moomtui.tui.themes import (
    DEFAULT_THEME,
    PROJECT_VARIABLES,
    ThemeError,
    discover_themes,
    load_theme_file,
    shipped_themes_dir,
    user_themes_dir,
)

REPOSITORY_THEMES = Path(__file__).resolve().parents[2] / "themes"
SHIPPED_FILES = sorted(REPOSITORY_THEMES.glob("*.toml"))
TEXT_VARIABLES = [name for name in PROJECT_VARIABLES if name.startswith(("log-", "task-"))] + [
    "oom-victim"
]
FILL_VARIABLES = [name for name in PROJECT_VARIABLES if name.startswith("gauge-")] + ["watermark"]
CGA_PALETTE = {
    "#000000", "#0000AA", "#00AA00", "#00AAAA", "#AA0000", "#AA00AA", "#AA5500", "#AAAAAA",
    "#555555", "#5555FF", "#55FF55", "#55FFFF", "#FF5555", "#FF55FF", "#FFFF55", "#FFFFFF",
}  # fmt: skip


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two colours, from 1 (none) to 21 (black on white)."""

    def luminance(text: str) -> float:
        def channel(value: int) -> float:
            value_01 = value / 255
            return value_01 / 12.92 if value_01 <= 0.03928 else ((value_01 + 0.055) / 1.055) ** 2.4

        colour = Color.parse(text)
        return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def write_theme(folder: Path, filename: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty XDG_CONFIG_HOME, so the tester's own themes never leak into a test."""
    home = tmp_path / "config"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


# The shipped themes


def test_the_four_named_themes_ship_and_load_without_errors(config_home: Path) -> None:
    loaded, errors = discover_themes()

    assert errors == []
    assert {"vga", "amber", "phosphor", "paper"} <= set(loaded)
    assert DEFAULT_THEME in loaded


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.stem)
def test_shipped_theme_spells_out_every_colour_and_project_variable(path: Path) -> None:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    theme = load_theme_file(path)

    assert theme.name == path.stem
    assert theme.description
    assert set(document["colors"]) == set(themes.COLOR_KEYS) - {"boost"}
    assert set(document["variables"]) == set(PROJECT_VARIABLES)
    assert set(theme.variables) == set(PROJECT_VARIABLES)
    assert "primary-darken-3" in theme.to_color_system().generate()


@pytest.mark.parametrize(
    ("name", "dark"), [("vga", True), ("amber", True), ("phosphor", True), ("paper", False)]
)
def test_dark_flag_of_shipped_theme(name: str, dark: bool) -> None:
    assert load_theme_file(REPOSITORY_THEMES / f"{name}.toml").dark is dark


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.stem)
def test_shipped_theme_dark_flag_agrees_with_its_background(path: Path) -> None:
    theme = load_theme_file(path)
    assert theme.background is not None

    assert (contrast(theme.background, "#000000") < contrast(theme.background, "#FFFFFF")) is (
        theme.dark
    )


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.stem)
def test_shipped_theme_text_is_readable(path: Path) -> None:
    theme = load_theme_file(path)
    assert theme.foreground and theme.background and theme.surface and theme.panel

    for ground in (theme.background, theme.surface, theme.panel):
        assert contrast(theme.foreground, ground) >= 4.5, ground
    for name in TEXT_VARIABLES:
        for ground in (theme.background, theme.surface):
            assert contrast(theme.variables[name], ground) >= 4.5, (name, ground)
    for name in FILL_VARIABLES:
        assert contrast(theme.variables[name], theme.background) >= 3, name


def test_vga_theme_uses_only_the_sixteen_cga_colours() -> None:
    document = tomllib.loads((REPOSITORY_THEMES / "vga.toml").read_text(encoding="utf-8"))
    colours = {*document["colors"].values(), *document["variables"].values()}

    assert {colour.upper() for colour in colours} <= CGA_PALETTE
    assert document["colors"]["background"] == "#000000"
    assert document["colors"]["foreground"] == "#AAAAAA"


@pytest.mark.parametrize("name", list(PROJECT_VARIABLES))
def test_project_variable_default_reads_on_black_and_on_white(name: str) -> None:
    assert contrast(PROJECT_VARIABLES[name], "#000000") >= 4.5
    assert contrast(PROJECT_VARIABLES[name], "#FFFFFF") >= 4.5


# Where the shipped themes are found


def test_shipped_themes_fall_back_to_the_repository_when_the_data_package_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "moomtui._themes", None)  # import now fails

    assert shipped_themes_dir() == REPOSITORY_THEMES
    assert (shipped_themes_dir() / "vga.toml").is_file()


@pytest.fixture(params=["namespace", "regular"])
def installed_data_package(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`moomtui._themes` laid out as an install lays it out: a folder inside `moomtui`."""
    package = tmp_path / "site" / "_themes"
    package.mkdir(parents=True)
    for path in SHIPPED_FILES:
        shutil.copy(path, package / path.name)
    write_theme(package, "installed.toml", 'name = "installed"\n[colors]\nprimary = "red"\n')
    if request.param == "regular":
        (package / "__init__.py").write_text("")
    saved = sys.modules.pop("moomtui._themes", None)
    monkeypatch.setattr(moomtui, "__path__", [str(package.parent), *moomtui.__path__])
    yield package
    sys.modules.pop("moomtui._themes", None)
    if saved is not None:
        sys.modules["moomtui._themes"] = saved
    if hasattr(moomtui, "_themes"):
        delattr(moomtui, "_themes")


def test_shipped_themes_come_from_the_installed_data_package(
    installed_data_package: Path, config_home: Path
) -> None:
    assert shipped_themes_dir() == installed_data_package

    loaded, errors = discover_themes()
    assert errors == []
    assert {"installed", "vga", "paper"} <= set(loaded)


# User themes


def test_user_themes_dir_follows_xdg_config_home(config_home: Path) -> None:
    assert user_themes_dir() == config_home / "moomtui" / "themes"


@pytest.mark.parametrize("value", [None, "", "relative/config"])
def test_user_themes_dir_defaults_to_dot_config_in_home(
    value: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    if value is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", value)

    assert user_themes_dir() == tmp_path / ".config" / "moomtui" / "themes"


def test_user_theme_overrides_a_shipped_one_and_adds_its_own(config_home: Path) -> None:
    folder = config_home / "moomtui" / "themes"
    write_theme(folder, "my-vga.toml", 'name = "vga"\ndark = true\n[colors]\nprimary = "#112233"\n')
    write_theme(folder, "mine.toml", 'name = "mine"\ndark = false\n[colors]\nprimary = "navy"\n')

    loaded, errors = discover_themes()

    assert errors == []
    assert loaded["vga"].primary == "#112233"
    assert loaded["mine"].primary == "navy"
    assert loaded["mine"].dark is False
    assert loaded["amber"].primary == load_theme_file(REPOSITORY_THEMES / "amber.toml").primary


def test_user_theme_may_leave_out_project_variables(tmp_path: Path) -> None:
    path = write_theme(
        tmp_path,
        "mine.toml",
        'name = "mine"\n[colors]\nprimary = "red"\n[variables]\nwatermark = "blue"\n',
    )

    theme = load_theme_file(path)

    assert theme.variables["watermark"] == "blue"
    assert theme.variables["gauge-anon"] == PROJECT_VARIABLES["gauge-anon"]
    assert set(theme.variables) == set(PROJECT_VARIABLES)


def test_bad_user_theme_is_reported_and_does_not_stop_the_others(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = config_home / "moomtui" / "themes"
    monkeypatch.chdir(folder.parent.parent)
    write_theme(folder, "bad.toml", 'name = "bad"\n[colors]\nprimary = "#12345"\n')
    write_theme(folder, "good.toml", 'name = "good"\n[colors]\nprimary = "green"\n')

    loaded, errors = discover_themes()

    assert "good" in loaded
    assert "bad" not in loaded
    assert "vga" in loaded
    assert errors == [
        'moomtui/themes/bad.toml: colors.primary: expected a colour like "#AAAAAA" or "red", '
        'got "#12345"'
    ]


def test_two_user_themes_with_one_name_keep_the_first_and_report_the_second(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = config_home / "moomtui" / "themes"
    monkeypatch.chdir(config_home)
    write_theme(folder, "a.toml", 'name = "twin"\n[colors]\nprimary = "red"\n')
    write_theme(folder, "b.toml", 'name = "twin"\n[colors]\nprimary = "blue"\n')

    loaded, errors = discover_themes()

    assert loaded["twin"].primary == "red"
    assert errors == ['moomtui/themes/b.toml: name: "twin" is also the name of a.toml']


# Errors: one line, naming the file and the key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            'nme = "x"\n',
            'x.toml: nme: unknown key; did you mean "name"?',
            id="unknown-top-level-key",
        ),
        pytest.param(
            'name = "x"\npalette = 3\n',
            "x.toml: palette: unknown key; expected one of name, description, dark, colors, "
            "variables",
            id="unknown-key-no-suggestion",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = "red"\nforground = "white"\n',
            'x.toml: colors.forground: unknown key; did you mean "foreground"?',
            id="unknown-colour-key",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = 12\n',
            'x.toml: colors.primary: expected a colour like "#AAAAAA" or "red", got 12',
            id="colour-of-wrong-type",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = "red"\nerror = "rde"\n',
            'x.toml: colors.error: expected a colour like "#AAAAAA" or "red", got "rde"; '
            'did you mean "red"?',
            id="bad-colour-name",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = "red"\n[variables]\nlog-err = "#GG0000"\n',
            'x.toml: variables.log-err: expected a colour like "#AAAAAA" or "red", got "#GG0000"',
            id="bad-variable-colour",
        ),
        pytest.param(
            'name = "x"\ndark = "yes"\n[colors]\nprimary = "red"\n',
            'x.toml: dark: expected true or false, got "yes"',
            id="dark-of-wrong-type",
        ),
        pytest.param(
            'name = "x"\ncolors = "red"\n',
            'x.toml: colors: expected a table, got "red"',
            id="colors-not-a-table",
        ),
        pytest.param(
            'name = ["x"]\n',
            'x.toml: name: expected a name of letters, digits, "-" and "_", got an array',
            id="name-of-wrong-type",
        ),
        pytest.param(
            'name = "my theme"\n',
            'x.toml: name: expected a name of letters, digits, "-" and "_", got "my theme"',
            id="name-with-a-space",
        ),
        pytest.param(
            'name = "x"\ndescription = """two\nlines"""\n[colors]\nprimary = "red"\n',
            "x.toml: description: expected one line of printable text (no control characters), "
            'got "two\\nlines"',
            id="description-of-two-lines",
        ),
        pytest.param(
            'name = "x"\ndescription = "a\\u001b]0;pwned\\u0007"\n[colors]\nprimary = "red"\n',
            "x.toml: description: expected one line of printable text (no control characters), "
            'got "a\\x1b]0;pwned\\x07"',
            id="description-with-an-escape-sequence",
        ),
        pytest.param(
            '[colors]\nprimary = "red"\n',
            "x.toml: name: missing",
            id="missing-name",
        ),
        pytest.param(
            'name = "x"\n[colors]\nsecondary = "red"\n',
            "x.toml: colors.primary: missing; every theme needs a primary colour",
            id="missing-primary",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = "red"\n[variables]\ngauge-anno = "red"\n',
            'x.toml: variables.gauge-anno: unknown key; did you mean "gauge-anon"?',
            id="unknown-variable",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = "red"\n[variables]\n"my var" = "red"\n',
            'x.toml: variables."my var": unknown key; expected one of '
            + ", ".join(PROJECT_VARIABLES),
            id="unknown-quoted-variable",
        ),
        pytest.param(
            'name = "x"\n[colors]\nprimary = \n',
            "x.toml: line 3, column 11: Invalid value",
            id="toml-syntax",
        ),
        pytest.param(
            'name = "x"\nname = "y"\n',
            "x.toml: line 2, column 11: Cannot overwrite a value",
            id="toml-duplicate-key",
        ),
        pytest.param(
            'name = "x"\ncolors = ["red",\n',
            "x.toml: end of file: Invalid value",
            id="toml-unterminated",
        ),
    ],
)
def test_theme_error_is_one_line_naming_file_and_key(
    text: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_theme(tmp_path, "x.toml", text)

    with pytest.raises(ThemeError) as caught:
        load_theme_file(path)

    assert str(caught.value) == message
    assert "\n" not in str(caught.value)
    assert caught.value.path == path


def test_theme_error_outside_the_working_directory_names_the_whole_path(tmp_path: Path) -> None:
    path = write_theme(tmp_path, "x.toml", 'name = "x"\n[colors]\nprimary = 12\n')

    with pytest.raises(ThemeError, match=r"^.*/x\.toml: colors\.primary: ") as caught:
        load_theme_file(path)

    assert str(caught.value).startswith(str(path) + ": ")


def test_file_that_is_not_utf8_is_a_theme_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.toml"
    path.write_bytes(b'name = "\xff"\n')

    with pytest.raises(ThemeError, match=r"^x\.toml: not UTF-8 text$"):
        load_theme_file(path)


# Themes in a running Textual app


class ThemedApp(App[None]):
    """Uses the project variables in its CSS, as the gauges and the dmesg view do."""

    CSS = """
    #line { color: $log-err; background: $gauge-anon; }
    """

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(PROJECT_VARIABLES)

    def compose(self) -> ComposeResult:
        yield Static("oom-killer: kill process 1234 (hog)", id="line")


async def test_loaded_theme_registers_and_sets_the_css_variables() -> None:
    vga = load_theme_file(REPOSITORY_THEMES / "vga.toml")
    app = App[None]()
    app.register_theme(vga)

    async with app.run_test():
        app.theme = "vga"

        assert app.current_theme is vga
        variables = app.get_css_variables()
        assert variables["gauge-anon"] == vga.variables["gauge-anon"]
        assert variables["log-debug"] == vga.variables["log-debug"]
        assert app.theme_variables["oom-victim"] == vga.variables["oom-victim"]
        assert Color.parse(variables["background"]) == Color.parse("#000000")


async def test_switching_theme_recolours_widgets_using_project_variables() -> None:
    loaded = {
        name: load_theme_file(REPOSITORY_THEMES / f"{name}.toml") for name in ("vga", "paper")
    }
    app = ThemedApp()
    for theme in loaded.values():
        app.register_theme(theme)

    async with app.run_test() as pilot:
        line = app.query_one("#line")
        for name, theme in loaded.items():
            app.theme = name
            await pilot.pause()
            assert line.styles.color == Color.parse(theme.variables["log-err"])
            assert line.styles.background == Color.parse(theme.variables["gauge-anon"])

        app.theme = "nord"
        await pilot.pause()
        assert line.styles.color == Color.parse(PROJECT_VARIABLES["log-err"])
