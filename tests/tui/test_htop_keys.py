"""htop's keys beside moomtui's, the column chooser, the user's config file and the one theme
list (issue 24): driven as an htop user would, in few pilot runs (each costs a second)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import OptionList

from moomtui.shell.profile import SERVED
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp
from moomtui.tui.bindings import HTOP_CLASHES
from moomtui.tui.components.choosers import ColumnChooser, SortMenu, UserChooser
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.config import Config
from moomtui.tui.help import HelpTable, help_page
from moomtui.tui.themes import discover_themes

from .reading import screen_lines
from .scenarios import family_scenario, hog_scenario

MakeApp = Callable[..., MoomApp]


def _header(app: MoomApp) -> str:
    return " ".join(c.title for c in app.main.process_view.columns)


@pytest.mark.slow
async def test_htops_keys_sort_search_filter_and_help(make_app: MakeApp) -> None:
    """M, P, T sort as htop's do, I reverses, F5 switches tree and list, F6 chooses the
    sort, F3 jumps to a match and leaves every row (F4 filters), Z pauses, help shows
    htop's keys in a column of their own (F1 opens it: test_app's help test), and F10
    quits."""
    app = make_app(family_scenario())
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.main.process_view
        model = view.model
        await pilot.press("f3")
        assert app.focused is app.main.search_input
        rows = len(model.rows)
        await pilot.press("y", "1")  # from the top, in pid order: getty1
        assert view.selected is not None and view.selected.task.comm == "getty1"
        await pilot.press("f3")  # the next match: getty10
        assert view.selected is not None and view.selected.task.comm == "getty10"
        await pilot.press("shift+f3")
        assert view.selected is not None and view.selected.task.comm == "getty1"
        assert len(model.rows) == rows  # a search, not a filter
        await pilot.press("q")  # y1q: no task; the cursor stays, the field says so
        assert view.selected.task.comm == "getty1"
        assert app.main.search_input.has_class("-no-match")
        await pilot.press("enter")
        assert not app.main.search_input.display and app.focused is view

        for key, column in (("M", "rss"), ("P", "cpu"), ("T", "cpu"), ("M", "rss")):
            await pilot.press(key)
            assert (model.sort_key, model.reverse) == (column, True), key
        await pilot.press("I")
        assert (model.sort_key, model.reverse) == ("rss", False)
        await pilot.press("f5")
        assert not model.tree
        await pilot.press("f5")
        assert model.tree

        await pilot.press("f6")
        assert isinstance(app.screen, SortMenu)
        menu = app.screen.query_one(OptionList)
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        assert ids[:3] == ["pid", "user", "nice"] and ids[-1] == "command"
        menu.highlighted = ids.index("oom")
        await pilot.press("enter")
        assert app.screen is app.main and model.sort_key == "oom"

        await pilot.press("f4")
        assert app.focused is app.main.filter_input
        await pilot.press("w", "o")
        assert 0 < len(model.rows) < rows
        await pilot.press("escape")
        assert model.filter == "" and len(model.rows) == rows

        keys = {text.split(":")[0]: (ours, htop) for ours, htop, text, _ in app.key_table()}
        assert keys["search"] == ("", "f3")
        assert keys["send the selected task a signal"] == ("k", "k, f9")
        assert keys["this help"] == ("?", "?, f1")
        page = help_page(app.key_table(), [], HTOP_CLASHES)  # F1 opens it: test_app's
        tables = {part.title: part for part in page if isinstance(part, HelpTable)}
        clashes = {
            row[0]: row[1:] for row in tables["htop's keys that do something else here"].rows
        }
        assert clashes["u"][0] == "a user's tasks"
        assert clashes["u"][1].startswith("unload the selected policy; U")
        assert tables["Keys"].headers == ("moomtui", "htop", "action", "id")
        kill = next(row for row in tables["Keys"].rows if row[3] == "task.kill")
        assert kill[:3] == ("k", "k, f9", "send the selected task a signal: choose it, Enter "
                            "sends (console: kill)")  # fmt: skip

        assert app.driver.paused
        await pilot.press("Z")  # htop's freeze: the clock here
        assert not app.driver.paused
        await pilot.press("f10")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


@pytest.mark.slow
async def test_u_is_rmmod_and_U_shows_one_users_tasks(make_app: MakeApp) -> None:
    """htop's u filters by user; here u unloads the selected policy (moomtui's), and U
    chooses a user — the filter ``user:NAME``, which a user may also type after /."""
    app = make_app(hog_scenario())
    async with app.run_test(size=(120, 40)) as pilot:
        model = app.main.process_view.model
        everyone = len(model.rows)
        await pilot.press("U")
        assert isinstance(app.screen, UserChooser)
        users = app.screen.query_one(OptionList)
        names = [str(users.get_option_at_index(i).id) for i in range(users.option_count)]
        assert names == ["*", "root", "user"]
        users.highlighted = names.index("user")
        await pilot.press("enter")
        assert model.filter == "user:user"
        assert {row.task.comm for row in model.rows if not row.ancestor_only} == {"hog"}
        assert "filter 'user:user'" in str(app.main.tasks_panel.border_subtitle)
        await pilot.press("U", "enter")  # All users
        assert model.filter == "" and len(model.rows) == everyone
        app.main.module_panel.select("oom_kill")
        await pilot.press("u")
        assert app.kernel.modules.state("oom_kill") != "loaded"


@pytest.mark.slow
async def test_f2_chooses_the_columns_and_keeps_ni_at_80_columns(
    make_app: MakeApp, tmp_path: Path
) -> None:
    """The user's config.toml gives the theme and a key. At 80 columns a panel whose preset
    keeps NI (fork-bomb's) shows PID, NI, OOM; F2 puts FLAGS right after PID and hides the
    rest; the choice is a ``columns`` command at the console, kept in config.toml (as is
    ``t``'s theme) and drawn at once; the console's ``columns`` does the same; r in the
    chooser goes back to the panel's own choice."""
    path = tmp_path / "config" / "moomtui" / "config.toml"
    config = Config(path, theme="paper", keys={"tasks.sort_memory": "x"})
    app = make_app(replace(hog_scenario(), columns=("nice",)), config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        assert _header(app) == "PID NI OOM COMMAND"
        assert app.theme == "paper"
        await pilot.press("x")  # the user's key for htop's M
        assert app.main.process_view.model.sort_key == "rss"
        rows = {text.split(",")[0]: (ours, htop) for ours, htop, text, _ in app.key_table()}
        assert rows["sort by memory (RSS)"] == ("x", "")
        await pilot.press("t")
        assert path.read_text().endswith(f'theme = "{app.theme}"\n') and app.theme != "paper"
        await pilot.press("f2")
        assert isinstance(app.screen, ColumnChooser)
        chooser = app.screen
        await pilot.pause()
        _whole_frames(app)  # 80×24 holds fewer lines than the ten columns: the list scrolls
        option_list = chooser.query_one(OptionList)
        assert option_list.max_scroll_y > 0 and option_list.border_title == "↑↓ 1/10"
        await pilot.press(*["down"] * 9)  # to FLAGS, the last: scrolled into view
        assert option_list.border_title == "↑↓ 10/10"
        assert option_list.scroll_y == option_list.max_scroll_y
        assert any("✓ FLAGS" in line for line in screen_lines(app))
        await pilot.press("home")
        chooser.shown = {"pid", "nice", "flags"}
        chooser.query_one(OptionList).highlighted = chooser.order.index("flags")
        for _ in range(chooser.order.index("flags") - 1):
            await pilot.press("shift+up")
        assert chooser.order[:2] == ["pid", "flags"]
        await pilot.press("space", "space")  # hidden and shown again
        await pilot.press("enter")
        assert app.sim.session.columns == ("pid", "flags", "nice")
        await pilot.pause()
        assert _header(app) == "PID FLAGS NI COMMAND"
        assert "columns pid flags nice" in app.query_one(ConsoleView).output.plain
        assert 'columns = ["pid", "flags", "nice"]' in path.read_text()

        await pilot.press("colon")
        app.query_one(ConsoleView).input.value = "columns hide flags"
        await pilot.press("enter")
        await pilot.pause()
        assert _header(app) == "PID NI COMMAND"
        await pilot.press("escape", "S", "r")  # htop's S too; r: every column again
        assert app.sim.session.columns is None
        await pilot.pause()
        assert _header(app) == "PID NI OOM COMMAND"  # the preset's lesson again
        assert "columns =" not in path.read_text()


def _whole_frames(app: MoomApp) -> None:
    """The dialog's frame and its option list's frame, top and bottom, are on the screen
    as drawn: the list ends inside the dialog, and its bottom line (the chosen columns)
    and the dialog's are where they belong; the title is not cut."""
    option_list = app.screen.query_one(OptionList)
    dialog = option_list.parent
    assert isinstance(dialog, Widget)
    assert option_list.region.bottom <= dialog.content_region.bottom
    lines = screen_lines(app)
    bottom = lines[option_list.region.bottom - 1]
    assert "▁ PID USER NI S VIRT RSS SWAP CPU OOM FLAGS COMMAND ▁" in bottom
    assert set(lines[dialog.region.bottom - 1][dialog.region.x + 1 : dialog.region.right - 1]) == {
        "▄"
    }
    assert "Esc cancels" in "".join(lines[dialog.region.y : option_list.region.y])


def test_one_theme_list_for_t_theme_and_the_palette(make_app: MakeApp) -> None:
    """Textual's own themes (its palette's "Theme" command lists them) are not offered beside
    moomtui's: t, --theme, the palette's theme entries and Textual's list are one list."""
    app = make_app(hog_scenario())
    names = sorted(discover_themes()[0])
    assert sorted(app.available_themes) == names
    assert [name for name, _ in app.theme_list()] == names
    assert app.theme == "vga"


def test_a_served_session_saves_no_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    sim = Simulation(hog_scenario(), profile=SERVED)
    app = MoomApp(sim, config=Config(path, theme="amber", columns=("pid",)), paused=True)
    app.keep_setting("theme", "paper")
    assert not path.exists()
