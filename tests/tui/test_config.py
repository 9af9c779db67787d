"""config.toml: read bounded and checked strictly (one line naming the file and the key),
saved without losing what the user wrote, never written when it cannot be read back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moomtui import dirs
from moomtui.shell.cmd_columns import COLUMN_KEYS
from moomtui.shell.profile import LOCAL_CONSOLE
from moomtui.tui.app import run_app
from moomtui.tui.columns import COLUMNS, columns_for_width
from moomtui.tui.config import ConfigError, key_name, load_config, save_setting

THEMES = ("amber", "paper", "phosphor", "vga")
ACTIONS = ("task.kill", "app.quit", "tasks.sort_memory")


def load(path: Path, text: str):  # type: ignore[no-untyped-def]
    path.write_text(text)
    return load_config(path, themes=THEMES, actions=ACTIONS)


def test_a_good_file_gives_theme_columns_and_keys(tmp_path: Path) -> None:
    config = load(
        tmp_path / "config.toml",
        '# mine\ntheme = "amber"\ncolumns = ["pid", "NI", "flags"]\n'
        '[keys]\n"task.kill" = "x, f9"\napp.quit = "?"\ntasks.sort_memory = "ctrl+m"\n',
    )
    assert config.theme == "amber"
    assert config.columns == ("pid", "nice", "flags")
    assert config.keys == {"task.kill": "x,f9", "app.quit": "question_mark",
                           "tasks.sort_memory": "ctrl+m"}  # fmt: skip
    assert load_config(tmp_path / "none.toml", themes=THEMES, actions=ACTIONS).keys == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('theme = "nope"', 'theme: no theme named "nope" (themes: amber, paper, phosphor, vga)'),
        ("colums = []", 'colums: unknown key; did you mean "columns"?'),
        ('columns = ["pid", "bogus"]', "columns[1]: expected a column: pid, user, nice"),
        ('columns = ["pid", "PID"]', "columns[1]: pid is named twice"),
        ('columns = "pid"', "columns: expected a list of column names"),
        ('[keys]\n"task.kil" = "x"', 'keys.task.kil: no such action; did you mean "task.kill"?'),
        ('[keys]\ntask.kill = "ctrl+"', 'keys.task.kill: "ctrl+" is not a key'),
        ('[keys]\ntask.kill = "nokey"', 'keys.task.kill: "nokey" is not a key'),
        ("[keys]\ntask.kill = 5", 'keys.task.kill: expected keys, like "x" or "x,f9"'),
        ("keys = 1", 'keys: expected a table: [keys] then action = "key"'),
        ("theme = \n", "line 1, column 9: Invalid value"),
        ("a" + ".a" * 40 + " = 1", "a key with more than 16 dotted parts"),
        ('theme = "\\u001b[2J"', 'theme: no theme named "\\x1b[2J"'),
        ('"\\u001b[2J" = 1', 'config.toml: "\\x1b[2J": unknown key'),
        ('[keys]\n"\\u001b]0;x" = "q"', 'keys."\\x1b]0;x": no such action'),
        ('[keys]\n"task.kill" = "\\u009b"', 'keys.task.kill: "\\x9b" is not a key'),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "config.toml", text)
    shown = str(caught.value)
    assert "\n" not in shown and shown.startswith(f"{tmp_path}/config.toml: ")
    assert message in shown


def test_a_fifo_or_a_huge_file_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo, themes=THEMES, actions=ACTIONS)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 70_000)
    with pytest.raises(ConfigError, match="larger than 64 KiB"):
        load_config(big, themes=THEMES, actions=ACTIONS)


def test_key_names_are_textuals() -> None:
    assert [key_name(k) for k in ("x", "?", "/", "F", "f5", "ctrl+x", "shift+f3", "space")] == [
        "x", "question_mark", "slash", "F", "f5", "ctrl+x", "shift+f3", "space"
    ]  # fmt: skip
    assert [key_name(k) for k in ("", "ctrl+", "hyperdrive", "fn+x", " ", "f5x")] == [None] * 6


def test_saving_keeps_what_the_user_wrote(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    mine = '# my settings\ntheme = "vga"   # the old one\n\n[keys]\n"task.kill" = "x"\n'
    path.write_text(mine)
    save_setting(path, "theme", "amber")
    save_setting(path, "columns", ["pid", "nice"])
    assert path.read_text() == (
        '# my settings\ntheme = "amber"\n\ncolumns = ["pid", "nice"]\n[keys]\n"task.kill" = "x"\n'
    )
    path.write_text('columns = [\n  "pid",  # first\n  "oom",\n]\ntheme = "vga"\n')
    save_setting(path, "columns", ["flags"])
    assert path.read_text() == 'columns = ["flags"]\ntheme = "vga"\n'
    save_setting(path, "columns", None)
    assert path.read_text() == 'theme = "vga"\n'


def test_a_new_file_is_created_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "config" / "moomtui" / "config.toml"
    save_setting(path, "theme", "paper")
    assert load_config(path, themes=THEMES, actions=ACTIONS).theme == "paper"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".moomtui-tmp")]


@pytest.mark.parametrize("text", ["theme = \n", 'theme = "vga"\ntheme = "amber"\n'])
def test_a_file_that_does_not_read_back_is_never_overwritten(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"config\.toml: theme: not saved: the file does not"):
        save_setting(path, "theme", "paper")
    assert path.read_text() == text


def test_a_bad_config_stops_the_screen_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = dirs.config_file()
    assert path == tmp_path / "moomtui" / "config.toml"
    path.parent.mkdir()
    path.write_text("[keys]\nquit = 'q'\n")
    assert run_app("classic-leak", profile=LOCAL_CONSOLE) == 2
    err = capsys.readouterr().err
    assert err.startswith("moomtui: ") and err.count("\n") == 1
    assert "config.toml: keys.quit: no such action" in err


def test_the_users_columns_keep_their_order_and_lose_the_rightmost_first() -> None:
    keys = lambda width, chosen: [c.key for c in columns_for_width(width, (), chosen)]  # noqa: E731
    assert keys(200, ("nice", "pid", "flags")) == ["nice", "pid", "flags", "command"]
    assert keys(42, ("pid", "nice", "flags", "rss", "oom")) == ["pid", "nice", "flags", "command"]
    assert keys(42, ()) == ["command"]
    assert keys(42, None) == ["pid", "rss", "oom", "command"]  # the panel's own choice


def test_the_shells_columns_are_the_panels() -> None:
    """The ``columns`` command (the shell knows no Textual) names the panel's columns."""
    assert tuple(c.key for c in COLUMNS) == COLUMN_KEYS
