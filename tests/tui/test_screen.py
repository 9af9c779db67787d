"""The screen as an htop user drives it: keys in bursts, focus, the layout at every size,
the kill dialog, panels maximized, explain, help and the footer (issue 13)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from textual import events
from textual.containers import VerticalScroll
from textual.geometry import Spacing
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static

from moomtui.kernel import BootSpec, TaskSpec
from moomtui.kernel.constants import HZ
from moomtui.kernel.units import format_size_short
from moomtui.modules.explain import explain
from moomtui.presets import Scenario, load_preset
from moomtui.presets.fields import TASK_COLUMNS
from moomtui.tui.app import MoomApp
from moomtui.tui.columns import COLUMN_BY_KEY, COLUMNS, columns_for_width
from moomtui.tui.components import memory
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.dialogs import HelpScreen, HelpTableView, SignalDialog
from moomtui.tui.components.dmesg import DmesgView
from moomtui.tui.components.explain import ExplainScreen
from moomtui.tui.components.keybar import KeyBar
from moomtui.tui.components.memory import MemoryView
from moomtui.tui.components.modules import ModuleBox, ModulePanel
from moomtui.tui.components.pager import PagerScreen, PagerText
from moomtui.tui.components.process_view import ProcessView

from .reading import region_text, screen_lines
from .scenarios import family_scenario, hog_scenario
from .waiting import notifications, palette_highlights, until

SIZE = (120, 40)
MakeApp = Callable[..., MoomApp]

CHARACTERS = {"space": " ", "backspace": "\x7f", "enter": "\r", "minus": "-", "colon": ":"}


def burst(app: MoomApp, *keys: str) -> None:
    """Post ``keys`` to the app all at once, as a paste or tmux's send-keys delivers them
    (``pilot.press`` waits for each key to be handled before the next)."""
    for key in keys:
        character = CHARACTERS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


def wheel(widget, *, up: bool) -> None:  # type: ignore[no-untyped-def]
    """One notch of the mouse wheel over ``widget``."""
    cls = events.MouseScrollUp if up else events.MouseScrollDown
    widget.post_message(cls(widget, 5, 5, 0, 0, 0, False, False, False))


def console_text(app: MoomApp) -> str:
    return app.query_one(ConsoleView).output.plain


async def enter_command(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    """Put ``line`` at the focused prompt at once and press Enter."""
    prompt = pilot.app.query_one(ConsoleView).input
    assert prompt.has_focus
    prompt.value = line
    await pilot.press("enter")


# ============================================================================ item 12: bursts
async def test_keys_typed_in_a_burst_after_backspace_keep_their_order(make_app: MakeApp) -> None:
    """``renice 5``, Backspace, ``10`` in one burst became ``renice 51``: Textual ran the
    Backspace binding after the keys that followed it."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        burst(app, *"renice 5", "backspace", *"10 -p 400")
        await pilot.pause()
        assert app.query_one(ConsoleView).input.value == "renice 10 -p 400"
        burst(app, "ctrl+u", *"free")
        await pilot.pause()
        assert app.query_one(ConsoleView).input.value == "free"


async def test_a_pasted_burst_of_commands_runs_each_one(make_app: MakeApp) -> None:
    """``free`` Enter ``uptime`` Enter in one burst: the line is emptied when Enter is read,
    so the second command is not glued to the first."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        burst(app, *"free", "enter", *"uptime", "enter", *"ps")
        await pilot.pause()
        text = console_text(app)
        assert "root@moom:~# free" in text and "root@moom:~# uptime" in text
        assert "freeuptime" not in text
        assert app.query_one(ConsoleView).input.value == "ps"
        assert app.history.lines == ["free", "uptime"]


# ============================================================================ item 2: layout
SIZES = [(80, 24), (100, 30), (120, 40), (200, 60)]


def _inside(widget, size: tuple[int, int]) -> bool:  # type: ignore[no-untyped-def]
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= size[1]


@pytest.mark.slow
async def test_the_side_column_never_scrolls_and_memory_stays_on_screen(make_app: MakeApp) -> None:
    """At 120×40 the right column was taller than the screen: one Tab (onto the scrolling
    column) and Down scrolled the memory panel away, and it stayed away across ``boot``."""
    for size in SIZES:
        app = make_app(family_scenario())
        async with app.run_test(size=size) as pilot:
            memory = app.query_one(MemoryView)
            top = memory.region.y
            await pilot.press("tab")
            assert app.focused is app.query_one(ModulePanel)
            await pilot.press(*["down"] * 4)
            await pilot.pause()
            assert memory.region.y == top and _inside(memory, size), size
            await pilot.press("colon")
            await enter_command(pilot, "boot two-killers")
            await pilot.pause()
            assert memory.region.y == top and _inside(memory, size), size
            assert "oom_kill_parent" in memory.plain  # both meters
            box = app.query_one(ModuleBox)
            assert box.region.height >= 3 and _inside(box, size), size


async def test_the_module_list_scrolls_in_its_box_to_keep_the_cursor_in_view(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ModulePanel)
        box = app.query_one(ModuleBox)
        await pilot.press("tab")
        for _ in range(len(panel.names)):
            await pilot.press("down")
            await pilot.pause()
            line = panel._cursor_line
            top = round(box.scroll_y)
            assert top <= line < top + box.scrollable_content_region.height, panel.selected


async def test_short_screens_drop_the_legends_before_the_module_list(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        memory = app.query_one(MemoryView).plain
        assert "RAM" in memory and "free " in memory and "Swap" in memory
        assert "■kernel" not in memory and "(last 60s)" not in memory
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        app.refresh_frame()
        await pilot.pause()
        memory = app.query_one(MemoryView).plain
        assert "■kernel" in memory and "min/low/high" in memory


# ============================================================================ item 8: focus
@pytest.mark.slow
async def test_tab_visits_only_the_visible_panels(make_app: MakeApp) -> None:
    """Tab stopped on hidden containers (the side column's scroller)."""
    for size in SIZES:
        app = make_app(family_scenario())
        async with app.run_test(size=size) as pilot:
            seen = [type(app.focused).__name__]
            for _ in range(6):
                await pilot.press("tab")
                focused = app.focused
                assert focused is not None and _inside(focused, size), (size, focused)
                seen.append(type(focused).__name__)
            assert set(seen) == {
                "ProcessView",
                "ModulePanel",
                "DmesgView",
                "ConsoleOutput",
                "PromptInput",
            }, size


async def test_the_focused_panel_wears_a_heavy_frame(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        tasks, box = app.query_one("#tasks-panel"), app.query_one(ModuleBox)
        await pilot.pause()
        assert tasks.styles.border_top[0] == "heavy" and box.styles.border_top[0] == "round"
        await pilot.press("tab")
        await pilot.pause()
        assert tasks.styles.border_top[0] == "round" and box.styles.border_top[0] == "heavy"


async def test_colon_then_a_burst_types_at_the_console(make_app: MakeApp) -> None:
    """``:boot who-dies`` sent in one burst: the ``o`` of ``boot`` sorted the task tree,
    because ``:`` moved the focus only after the next keys had gone to the tree."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        burst(app, "colon", *"boot who-dies", "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.sim.scenario.key == "who-dies"
        assert view.model.sort_key == "pid"
        burst(app, "escape", "slash", *"nic")
        await pilot.pause()
        assert app.query_one("#filter", Input).value == "nic"
        await pilot.press("escape")
        await pilot.press("colon", *"a:b/c")
        assert app.query_one(ConsoleView).input.value == "a:b/c"  # typed, not bound


async def test_keys_sent_before_the_colon_are_the_trees_not_the_consoles(
    make_app: MakeApp,
) -> None:
    """``↑ ↑ :`` in one burst after a command: the arrows move the tree's cursor. (The app
    looks a key's bindings up when it comes back from the widget it was handed to; ``:``,
    taken first, had moved the focus to the console meanwhile, and the arrows recalled its
    history.)"""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        await pilot.press("colon")
        await enter_command(pilot, "uptime")
        await pilot.press("escape")
        view.focus()
        rows = view.model.rows
        view.select_pid(rows[-1].pid)
        await pilot.pause()
        burst(app, "up", "up", "colon", *"free")
        await pilot.pause()
        await pilot.pause()
        assert view.cursor_pid == rows[-3].pid
        assert app.focused is app.query_one(ConsoleView).input
        assert app.query_one(ConsoleView).input.value == "free"


async def test_a_task_is_selected_after_boot(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        view.select_pid(400)
        await pilot.press("colon")
        await enter_command(pilot, "boot who-dies")
        await pilot.pause()
        assert view.cursor_pid is not None and view.cursor_pid in app.kernel.tasks
        assert view.selected is not None and view.selected.pid == view.cursor_pid


# ============================================================================ item 9: signals
async def test_k_asks_which_signal_and_sends_sigterm_by_default(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(ProcessView).select_pid(400)
        await pilot.press("k")
        dialog = app.screen
        assert isinstance(dialog, SignalDialog)
        assert "Send a signal to 400 (mysqld)" in str(
            dialog.query_one(".dialog-title", Label).render()
        )
        options = dialog.query_one(OptionList)
        assert options.get_option_at_index(options.highlighted or 0).id == "15"
        await pilot.press("escape")  # cancelled: nothing sent
        assert 400 in app.kernel.tasks and "kill" not in console_text(app)
        await pilot.press("f9")  # htop's key
        assert isinstance(app.screen, SignalDialog)
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("9")
        await pilot.press("enter")
        app.driver.step(2)
        assert 400 not in app.kernel.tasks
        assert "root@moom:~# kill -KILL 400" in console_text(app)


async def test_the_signal_dialog_warns_for_init_and_kernel_threads(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        for pid, words in ((1, "init gets no signal"), (4, "is a kernel thread")):
            view.select_pid(pid)
            await pilot.press("k")
            warning = app.screen.query_one(".dialog-warning", Label)
            assert words in str(warning.render())
            await pilot.press("escape")
        view.select_pid(400)
        await pilot.press("k")
        assert not app.screen.query(".dialog-warning")
        await pilot.press("escape")


async def test_k_with_the_module_panel_focused_names_the_task_it_acts_on(
    make_app: MakeApp,
) -> None:
    """With the module panel focused, ``k`` sent ``kill -9`` to the unseen selection (init,
    twice); now it asks first, naming the task."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        assert app.focused is app.query_one(ModulePanel)
        await pilot.press("k")
        assert isinstance(app.screen, SignalDialog)
        assert app.screen.pid == app.query_one(ProcessView).cursor_pid == 1
        await pilot.press("escape")
        assert console_text(app).count("kill") == 0


# ============================================================================ explain
async def test_e_explains_the_selected_task_and_n_goes_to_the_next_victim(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        app.kernel.modules.insmod("oom_kill", [])
        app.query_one(ProcessView).select_pid(301)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExplainScreen)
        text = str(screen.query_one("#explain-text", Static).render())
        assert "points = p->mm->total_vm;" in text
        assert "virtual size 256 pages (1M)  → 256" in text
        assert "301 (worker0): 16 points, 3rd of 39" in text  # root: quartered twice
        await pilot.press("n")
        text = str(screen.query_one("#explain-text", Static).render())
        assert screen.pid == 400 and "400 (mysqld): 256 points, the next victim" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, ExplainScreen)


async def test_the_explain_panel_follows_the_machine_and_says_when_the_task_is_gone(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(ProcessView).select_pid(302)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExplainScreen)
        app.run_command("kill -9 302")
        app.driver.step(3)
        screen.update_text()
        title = str(screen.query_one("#explain-title", Label).render())
        assert "302 (worker1) is gone" in title


# ============================================================================ item 10: room
async def test_z_maximizes_the_focused_panel_and_ctrl_f_works_while_typing(
    make_app: MakeApp,
) -> None:
    """The console was 58 columns wide at 120×40: ``ps aux`` wrapped into garbage."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        console = app.query_one(ConsoleView)
        await pilot.press("colon")
        await enter_command(pilot, "ps aux")
        assert console.output.size.width < 60
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert app.main.maximized is console
        assert console.output.size.width > 110
        assert console.input.has_focus  # still typing
        header = next(r for r in console.output._rows if r[0].startswith("USER"))
        assert header[0].rstrip().endswith("COMMAND")  # one line, not wrapped
        assert "^f or Esc restores" in str(console.border_subtitle)  # z is typed
        await pilot.press("escape")
        assert app.main.maximized is None
        await pilot.press("escape", "z")  # from the task tree: the tree
        assert app.main.maximized is app.query_one("#tasks-panel")
        assert "z or Esc restores" in str(app.query_one("#tasks-panel").border_subtitle)
        await pilot.press("z")
        assert app.main.maximized is None
        await pilot.press("tab", "tab", "z")  # dmesg
        assert app.main.maximized is app.query_one(DmesgView)


async def test_page_up_and_down_scroll_the_console_from_the_prompt(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        output = app.query_one(ConsoleView).output
        await pilot.press("colon")
        for _ in range(8):
            await enter_command(pilot, "ps ax")
        await pilot.pause()
        bottom = output.max_scroll_y
        assert output.scroll_y == bottom > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert output.scroll_y < bottom
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert output.scroll_y == output.max_scroll_y


async def test_a_command_brings_the_console_back_to_its_end_after_a_wheel_scroll(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        output = app.query_one(ConsoleView).output
        await pilot.press("colon")
        for _ in range(6):
            await enter_command(pilot, "ps ax")
        await pilot.pause()
        for _ in range(5):
            wheel(output, up=True)
            await pilot.pause()
        assert output.scroll_y < output.max_scroll_y
        await enter_command(pilot, "uptime")
        await pilot.pause()
        assert output.scroll_y == output.max_scroll_y  # the answer is in view
        app.kernel.printk(4, "new line")  # and it follows again
        for _ in range(5):
            wheel(output, up=False)
            await pilot.pause()
        await enter_command(pilot, "free")
        await pilot.pause()
        assert output.scroll_y == output.max_scroll_y


# ============================================================================ item 13: palette
async def test_the_palette_runs_a_command_that_needs_no_argument(make_app: MakeApp) -> None:
    """Palette "console: free" only pre-filled the prompt and left the focus there, so the
    next shortcut keys became text."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"console: free")
        await palette_highlights(pilot, "console: free")
        await pilot.press("enter")
        await pilot.pause()
        assert "root@moom:~# free" in console_text(app)
        assert "Mem:" in console_text(app)
        assert isinstance(app.focused, ProcessView)  # the keys are the screen's again
        assert app.query_one(ConsoleView).input.value == ""


@pytest.mark.slow
async def test_the_palette_makes_it_plain_when_it_waits_for_arguments(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        told = notifications(app)
        await pilot.press("ctrl+p", *"console: renice")
        await palette_highlights(pilot, "console: renice")
        await pilot.press("enter")
        await pilot.pause()
        prompt = app.query_one(ConsoleView).input
        assert prompt.has_focus and prompt.value == "renice "
        assert any("complete 'renice' and press Enter" in message for message in told)
        assert app.query_one("#console").styles.border_top[0] == "heavy"
        assert "Enter run" in str(app.query_one(KeyBar).render())


# ============================================================================ item 16: help, keys
async def test_help_shows_killed_and_exited_and_the_colon_key(make_app: MakeApp) -> None:
    """Help lost ``<killed>``/``<exited>`` (read as HTML) and garbled the ``:`` key (a
    backtick inside a code span)."""
    app = make_app(family_scenario())
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys_view = app.screen.query(HelpTableView).first()
        app.screen.query_one("#help", VerticalScroll).scroll_to_widget(keys_view, animate=False)
        await pilot.pause()
        drawn = "\n".join(screen_lines(app))
        shown = " ".join(
            cell for table in app.screen.tables().values() for row in table.rows for cell in row
        )
        assert "<killed> or <exited> when gone" in shown
        assert ":, `" in shown
        assert "k, f9" in shown
        assert "│ :, `    │" in drawn  # the key as it is, not a code span's fences


def _bar(app: MoomApp) -> str:
    return str(app.query_one(KeyBar).render())


async def test_the_key_bar_keeps_the_important_keys_at_100_columns(make_app: MakeApp) -> None:
    """At 100 columns the footer dropped ``i``/``r``; ``/ o O v F t`` were only in help."""
    app = make_app(family_scenario())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = _bar(app)
        for hint in ("space pause", "k kill", "e explain", "n renice", "iu ins/rmmod", "? help"):
            assert hint in bar, hint
        assert bar.rstrip().endswith("^p palette")
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        app.refresh_frame()
        bar = _bar(app)
        for hint in ("/ filter", "oO sort", "v tree", "F follow", "t theme", "q quit"):
            assert hint in bar, hint
        await pilot.press("colon")
        bar = _bar(app)
        assert "Enter run" in bar and "Esc leave" in bar and "PgUp/PgDn scroll" in bar
        assert "space pause" not in bar


async def test_the_key_bar_follows_the_keymap(make_app: MakeApp) -> None:
    app = make_app(family_scenario(), keymap={"task.kill": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "x kill" in _bar(app) and "k kill" not in _bar(app)


async def test_clicking_a_key_in_the_bar_presses_it(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        start = next(s for s, _, key in bar._spans if key == "space")
        await pilot.click(KeyBar, offset=(start, 0))
        assert not app.driver.paused


async def test_a_theme_change_is_told(make_app: MakeApp) -> None:
    app = make_app(family_scenario(), theme="vga")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        told = notifications(app)
        await pilot.press("t")
        name = app.theme
        assert name != "vga"
        assert any(f"theme {name}" in message for message in told)
        assert f"theme {name}" in console_text(app)
        app.set_theme("vga")  # as the palette does
        await pilot.pause()
        assert "theme vga" in console_text(app).splitlines()[-1]


# ============================================================================ item 14: habits
async def test_clear_empties_the_console_and_exit_leaves_it(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await enter_command(pilot, "ps ax")
        await enter_command(pilot, "clear")
        assert console_text(app) == ""
        await enter_command(pilot, "su nobody")
        await enter_command(pilot, "exit")
        assert app.sim.session.uid == 0 and app.query_one(ConsoleView).input.has_focus
        await enter_command(pilot, "exit")
        assert isinstance(app.focused, ProcessView)
        assert "left the console" in console_text(app)


async def test_vmstat_1_3_on_a_paused_screen_runs_the_machine_two_seconds(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        assert app.driver.paused
        ticks = app.sim.ticks
        await pilot.press("colon")
        await enter_command(pilot, "vmstat 1 3")
        assert app.sim.ticks == ticks + 2 * HZ and app.driver.paused
        lines = console_text(app).splitlines()
        after = lines[lines.index("root@moom:~# vmstat 1 3") + 1 :]
        assert after[1].split()[:2] == ["r", "b"]
        assert [len(line.split()) for line in after[2:]] == [15, 15, 15]


# ============================================================================ item 5: states
@pytest.mark.slow
async def test_the_tree_s_column_agrees_with_vmstat_and_loadavg(make_app: MakeApp) -> None:
    """Every task showed ``S`` while vmstat said ``r 9`` and /proc/loadavg ``10/18``."""
    app = make_app(load_preset("leaky-apache"))
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(ProcessView)
        seen = set()
        for _ in range(5):
            app.driver.step(37)
            app.refresh_frame()
            await pilot.pause()
            states = [row.task.state for row in view.model.rows if row.ghost is None]
            shown = [view._content(i)[0].split()[2] for i in range(len(view.model.rows))]
            assert shown == states  # the S column is the task's state
            running = states.count("R")
            seen.add(running)
            await pilot.press("colon")
            await enter_command(pilot, "vmstat")
            await enter_command(pilot, "cat loadavg")
            await pilot.press("escape")
            lines = console_text(app).splitlines()
            assert int(lines[-3].split()[0]) == running
            assert lines[-1].split()[3] == f"{running}/{len(app.kernel.tasks)}"
        assert max(seen) > 0  # some task was caught running


# ============================================================================ less
async def test_less_at_the_console_opens_a_view_to_scroll_and_q_closes_it(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        ps = app.sim.shell.execute("ps ax").output
        await pilot.press("colon")
        await enter_command(pilot, "ps ax | less")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PagerScreen)
        view = screen.query_one(PagerText)
        assert screen.plain == ps and view.has_focus
        assert "(standard input)" in str(screen.query_one("#pager-title", Label).render())
        assert view.scroll_y == 0 < view.max_scroll_y  # it starts at the top
        keys = str(app.query_one(KeyBar).render())
        assert "space page" in keys and "q close" in keys
        assert "space/space" not in keys and "g/g" not in keys  # each key told once
        await pilot.press("space")
        assert view.scroll_y > 0
        await pilot.press("G")
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        assert view.scroll_y == 0
        await pilot.press("q")
        assert not isinstance(app.screen, PagerScreen)
        assert "ps ax | less" in console_text(app)
        await pilot.press("colon")
        await enter_command(pilot, "less meminfo")
        await pilot.pause()
        assert isinstance(app.screen, PagerScreen)
        assert app.screen.plain == app.sim.shell.execute("cat meminfo").output
        await pilot.press("escape")
        assert not isinstance(app.screen, PagerScreen)
        await pilot.press("colon")
        await enter_command(pilot, "ps ax | less | wc -l")  # into a pipe: it prints
        await pilot.pause()
        assert not isinstance(app.screen, PagerScreen)
        assert console_text(app).splitlines()[-1] == f"{len(ps.splitlines()):7d}"


# ============================================================================ issue 24
def _frame_bottom(app: MoomApp) -> str:
    """The task panel's bottom frame line as the screen draws it (the subtitle's line)."""
    region = app.main.tasks_panel.region
    return screen_lines(app)[region.bottom - 1][region.x : region.right]


async def test_the_task_panel_s_label_repaints_after_every_key_click_and_resize(
    make_app: MakeApp,
) -> None:
    """Issue 24, item 1: the label under the task tree (sort · view · filter · follow) was set
    but never repainted — the frame's bottom line was measured inside the border, a line
    short — so it read ``sort PID▲ · tree`` after ``o``, ``v``, a click or shift+→, and ``F``
    gave no feedback."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:

        async def shows(text: str) -> None:
            assert await until(pilot, lambda: text in _frame_bottom(app)), _frame_bottom(app)

        await shows("sort PID▲ · tree")  # the first frame, once drawn
        await pilot.press("o")  # the next column shown at 120 columns: NI
        await shows("sort NI▼ · tree")
        await pilot.press("v")
        await shows("sort NI▼ · list")
        await pilot.click(ProcessView, offset=(1, 0))  # the PID column's title
        await shows("sort PID▲ · list")
        await pilot.press("shift+right")
        await shows("names →8")
        await pilot.press("shift+left", "v")
        await shows("sort PID▲ · tree")
        app.main.process_view.select_pid(400)
        await pilot.press("F")
        await shows("follow 400")
        await pilot.resize_terminal(100, 30)
        await shows("follow 400")
        await pilot.press("F")
        await pilot.resize_terminal(*SIZE)
        await shows("sort PID▲ · tree ")
        assert "follow" not in _frame_bottom(app)


async def test_the_sorted_column_has_one_name_in_its_header_and_the_label(
    make_app: MakeApp,
) -> None:
    """Issue 24, item 6: the header said ``NI▼`` and the label ``NICE▼``."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.main.process_view
        for key in ("nice", "virt", "cpu", "oom", "command"):
            view.sort_by(key)
            await pilot.pause()
            header = view.render_line(0).text
            label = app.main.tasks_panel.border_subtitle
            marked = re.search(r"(\w+)[▲▼]", header)
            assert marked is not None, header
            assert f"sort {marked.group(0)} " in f"{label} ", (header, label)


def big_swap_scenario() -> Scenario:
    """A machine of 2G of swap, with a task of 1017.7M in swap beside one of 1.3M."""
    mb = 1024 // 4  # pages in a megabyte
    tasks = [
        TaskSpec(comm="bigswap", pid=300, total_vm=2000 * mb, rss=mb, swap=260531),
        TaskSpec(comm="small", pid=301, total_vm=8 * mb, rss=mb, swap=mb + mb * 3 // 10),
    ]
    spec = BootSpec(name="big", ram_pages=64 * mb, swap_pages=2048 * mb, seed=2, tasks=tasks)
    return Scenario(name="Big", description="swap", source="test", spec=spec, key="big")


async def test_sizes_in_the_task_columns_always_carry_their_unit(make_app: MakeApp) -> None:
    """Issue 24, item 2: ``1017.7M`` was cut to the column's six cells, ``1017.7``, beside
    ``1.3M``; a size of 1000 or more of a unit goes up to the next one: ``1.0G``."""
    app = make_app(big_swap_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.refresh_frame()
        view = app.main.process_view
        keys = [c.key for c in view._columns]
        sizes = [keys.index(k) for k in ("virt", "rss", "swap")]
        for pid, swap in ((300, "1.0G"), (301, "1.3M")):
            row = view.model.index[pid]
            cells = view.render_line(row - round(view.scroll_y) + 1).text.split()
            assert cells[keys.index("swap")] == swap, cells
            for i in sizes:
                assert re.fullmatch(r"\d+(\.\d)?[KMGT]", cells[i]), cells


def test_a_short_size_fits_six_cells_with_its_unit_at_every_magnitude() -> None:
    for kb in (0, 999, 1000, 1023, 1024, 999 * 1024 + 1000, 1017 * 1024 + 700, 1023 * 1024):
        text = format_size_short(kb // 4)
        assert len(text) <= 6 and text[-1] in "KMGT", (kb, text)
    for shift in range(1, 33):  # up to MAX_SIZE, 16T: 2^32 pages
        for pages in ((1 << shift) - 1, (1 << shift) * 1000 // 1024):
            text = format_size_short(pages)
            assert len(text) <= 6 and text[-1] in "KMGT", (pages, text)
    assert format_size_short(260531) == "1.0G"  # 1017.7M
    assert format_size_short(1024 * 256) == "1G"
    assert format_size_short(1031 * 256) == "1G"  # rounded as format_size rounds
    assert format_size_short(7 * 256 + 3) == "7M"
    assert format_size_short(255974) == "999.9M"  # rounds to a tenth below 1000
    assert format_size_short(1000 * 256 - 1) == "1.0G"  # 999.996M would read 1000.0M


def memory_lines(app: MoomApp) -> list[str]:
    return app.query_one(MemoryView).plain.split("\n")


async def test_the_memory_legends_keep_apart_and_both_bars_end_with_their_total(
    make_app: MakeApp,
) -> None:
    """Issue 24, item 3: on a big machine the legend ran together (``■kernel 128.6M■anon 7G``),
    and the swap bar ended with the swap used where the RAM bar ends with the RAM's total.
    Both bars end with their total; the legends, one column under the other, say what is
    in each, swap's used and free included."""
    app = make_app(big_swap_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.refresh_frame()
        vm = app.kernel.vm
        lines = memory_lines(app)
        ram = next(line for line in lines if line.startswith("RAM"))
        swap = next(line for line in lines if line.startswith("Swap"))
        assert ram.split()[-1] == format_size_short(vm.totalram) == "64M"
        assert swap.split()[-1] == format_size_short(vm.swap_total) == "2G"
        legends = [line for line in lines if "■" in line]
        assert len(legends) == 3, lines
        for line in legends:  # every entry is apart from the next: "■name size"
            assert re.fullmatch(r" +(■\w+ \d+(\.\d)?[KMGT]) +(■\w+ \d+(\.\d)?[KMGT])", line), line
        assert len({line.index("■", line.index("■") + 1) for line in legends}) == 1  # a column
        assert f"■used {format_size_short(vm.swap_used)}" in legends[2]
        assert f"■free {format_size_short(vm.nr_swap_pages)}" in legends[2]


async def test_the_memory_legend_of_a_big_machine_keeps_its_entries_apart(
    make_app: MakeApp,
) -> None:
    """The kernel's own pages of an 8G machine (``128.6M``) filled the legend's first column
    to its last cell, and the next entry followed without a space."""
    mb = 1024 // 4
    tasks = [TaskSpec(comm="db", pid=300, total_vm=7 * 1024 * mb, rss=7 * 1024 * mb - 700 * mb)]
    spec = BootSpec(name="big", ram_pages=8 * 1024 * mb, seed=2, tasks=tasks)
    app = make_app(Scenario(name="Big", description="", source="test", spec=spec, key="big"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.refresh_frame()
        legend = next(line for line in memory_lines(app) if "■kernel" in line)
        assert re.fullmatch(r" +■kernel \d+\.\dM +■anon \d+(\.\d)?G", legend), legend


def test_a_sparkline_covers_the_last_minute_at_any_width_and_speed() -> None:
    """Issue 24, item 11: the sparkline showed one sample a cell, a span that changed with
    the panel's width and the clock's speed, and that nothing told. It covers the last
    minute of simulated time now, each cell the worst moment of its slice (or the last
    sample before it, when a fast clock sampled once a frame), and its label says so."""
    quarter = memory.SAMPLE_JIFFIES
    now = 100 * HZ
    samples = [(t, 100) for t in range(0, now + 1, quarter)]
    samples[(now - 50 * HZ) // quarter] = (now - 50 * HZ, 0)  # a dip 50 s ago
    samples[(now - 70 * HZ) // quarter] = (now - 70 * HZ, 0)  # one 70 s ago: out of the span
    for width in (12, 23, 32, 50):
        line = memory.sparkline(samples, 100, width, now)
        assert len(line) == width and " " not in line
        assert line.count("▁") == 1, line
        assert line.index("▁") == (10 * HZ * width - 1) // (60 * HZ), (width, line)
    young = memory.sparkline([(t, 100) for t in range(0, 15 * HZ + 1, quarter)], 100, 20, 15 * HZ)
    assert young == " " * 14 + "█" * 6  # 15 s into the run: its last 5 cells, and the start
    fast = [(0, 100), (50 * HZ, 0), (100 * HZ, 100)]  # 1000×: a sample a frame, 50 s apart
    line = memory.sparkline(fast, 100, 12, 100 * HZ)
    assert line == "█" + "▁" * 10 + "█"  # 100 until 50 s, 0 until the sample at 100 s


async def test_the_sparklines_say_what_time_they_cover(make_app: MakeApp) -> None:
    app = make_app(big_swap_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.refresh_frame()
        lines = memory_lines(app)
        assert any(line.startswith("free (last 60s) ") for line in lines), lines
        assert any(line.startswith("swap (last 60s) ") for line in lines), lines


async def test_the_meter_s_marks_agree_with_its_rounded_times(make_app: MakeApp) -> None:
    """Issue 24, item 7: at 4.96 s since the last kill the meter showed ✗ beside ``5.0s``:
    the mark is the C's test (``< HZ * 5``), the time was rounded up past it. It is cut to
    the tenth it shows now: ✗ beside ``4.9s``, ✓ from ``5.0s`` on; the same for explain."""
    app = make_app(hog_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        module = app.kernel.modules.get("oom_kill")
        assert module is not None
        timing = module.timing  # type: ignore[attr-defined]
        for since, shown in ((496, "✗kill 4.9s"), (500, "✓kill 5.0s"), (99, "✗1st 0.9s")):
            timing.lastkill = timing.first = (app.kernel.jiffies - since) & 0xFFFFFFFF
            app.main.memory_view._key = ()  # draw it again with the clock stopped
            app.refresh_frame()
            meter = app.query_one(MemoryView).plain
            assert shown in meter, meter
        timing.last = app.kernel.jiffies
        timing.lastkill = timing.first = app.kernel.jiffies - 96
        (verdict,) = explain(app.kernel, next(iter(app.kernel.tasks.values()))).verdicts
        text = "\n".join(verdict.when)
        assert "✗ failures for 1 s (now - first = 0.9 s)" in text, text


async def test_colon_at_the_console_s_empty_prompt_is_not_typed(make_app: MakeApp) -> None:
    """Issue 24, item 4: ``:`` with the console focused typed a colon, so ``:`` ``:lsmod``
    ran ``::lsmod: command not found``. At the empty prompt ``:`` (and `` ` ``) is the key
    that focuses it, and does nothing more; inside a line a colon is typed."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(ConsoleView).input
        await pilot.press("colon")
        assert prompt.has_focus
        await pilot.press("colon", "grave_accent", *"lsmod", "enter")
        text = console_text(app)
        assert "root@moom:~# lsmod\n" in text + "\n" and "command not found" not in text
        assert app.history.lines == ["lsmod"]
        burst(app, "colon", "colon", *"echo a:b:")  # a burst: the same
        await pilot.pause()
        assert prompt.value == "echo a:b:"


async def test_one_key_one_meaning_u_unloads_a_policy_and_r_replays(make_app: MakeApp) -> None:
    """Issue 24, item 12: ``r`` replayed the game on the report and unloaded the selected
    policy everywhere else. Unloading is ``u`` now, in the key bar, the briefing and help;
    ``r`` on the main screen does nothing."""
    app = make_app(hog_scenario())
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        app.main.module_panel.select("oom_kill")
        await pilot.press("r")
        assert app.kernel.modules.state("oom_kill") == "loaded"
        await pilot.press("u")
        assert app.kernel.modules.state("oom_kill") != "loaded"
        assert "rmmod oom_kill" in console_text(app)
        assert "iu ins/rmmod" in _bar(app)
        assert ("u", "rmmod (module panel)") in app.briefing_keys()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.tables()["Keys"]  # moomtui, htop, action, id
        keys = {row[0]: row[2] for row in table.rows}
        assert keys["u"].startswith("unload the selected policy"), keys
        assert "r" not in keys  # r is the report's alone, told with the game


SCROLLBAR_GLYPHS = set("▁▂▃▄▅▆▇▔▀")
"""What a scrollbar's thumb is drawn with, in eighths of a cell."""


def _inside_frame(app: MoomApp, widget: Widget) -> str:
    """The screen inside ``widget``'s frame (its border cells left out), as drawn."""
    region = widget.region.shrink(Spacing(1, 1, 1, 1))
    return "\n".join(region_text(app, region.x, region.y, region.width, region.height))


def _scrolled_down(view: Widget) -> Callable[[], bool]:
    """Whether ``view`` has left its top, and its frame says so."""
    return lambda: view.scroll_y > 0 and not str(view.border_subtitle).endswith(" 0%")


@pytest.mark.slow
async def test_the_help_and_the_signal_chooser_scroll_without_stray_glyphs(
    make_app: MakeApp,
) -> None:
    """Issue 24, item 8: their scrollbars' thumbs, drawn in eighths of a cell, left block
    glyphs (``▃▃``, ``▆▆``) about the dialogs at 80×24 and 120×40. They scroll with no bar;
    their frames say where the view is and which keys scroll it."""
    for size in ((80, 24), (120, 40)):
        app = make_app(family_scenario())
        async with app.run_test(size=size) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            help_view = app.screen.query_one("#help")
            assert help_view.max_scroll_y > 0  # the text is longer than the screen
            assert not SCROLLBAR_GLYPHS & set(_inside_frame(app, help_view)), size
            assert help_view.border_subtitle == "↑↓ PgUp PgDn · 0%"
            await pilot.press("pagedown")
            assert await until(pilot, _scrolled_down(help_view))
            assert not SCROLLBAR_GLYPHS & set(_inside_frame(app, help_view)), size
            await pilot.press("escape")
            await pilot.press("k")
            await pilot.pause()
            assert isinstance(app.screen, SignalDialog)
            signals = app.screen.query_one(OptionList)
            assert signals.max_scroll_y > 0  # 31 signals, not all in view
            assert signals.border_subtitle == f"↑↓ 15/{signals.option_count}"  # SIGTERM
            assert not SCROLLBAR_GLYPHS & set(_inside_frame(app, signals)), size
            await pilot.press("down")
            assert signals.border_subtitle == f"↑↓ 16/{signals.option_count}"


async def test_at_80_columns_the_tree_keeps_the_column_the_lesson_is_read_in(
    make_app: MakeApp,
) -> None:
    """Issue 24, item 5: at 80×24 the task tree showed PID, RSS, OOM and COMMAND: the fork
    bomb's NI (badness() doubles for a niced task) and Leaky Apache's FLAGS (oom_kill_parent's
    strikes) were gone. A preset names its lesson's columns (``columns``); a narrow tree
    leaves out another first (RSS here)."""
    for preset, kept in (("fork-bomb", "nice"), ("leaky-apache", "flags")):
        app = make_app(load_preset(preset))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.refresh_frame()
            view = app.main.process_view
            shown = [c.key for c in view._columns]
            assert kept in shown and shown[0] == "pid" and shown[-1] == "command", shown
            assert "oom" in shown and "rss" not in shown, shown
            title = COLUMN_BY_KEY[kept].title
            assert title in view.render_line(0).text.split(), view.render_line(0).text
            app.run_command("boot classic-leak")  # no columns of its own
            await pilot.pause()
            app.refresh_frame()
            assert [c.key for c in view._columns] == ["pid", "rss", "oom", "command"]


def test_kept_columns_are_left_out_last() -> None:
    assert [c.key for c in columns_for_width(42)] == ["pid", "rss", "oom", "command"]
    assert [c.key for c in columns_for_width(42, ("nice",))] == ["pid", "nice", "oom", "command"]
    assert [c.key for c in columns_for_width(42, ("flags",))] == ["pid", "oom", "flags", "command"]
    assert columns_for_width(200, ("nice",)) == columns_for_width(200)  # room for all
    assert [c.key for c in columns_for_width(20, ("nice",))] == ["pid", "command"]


def test_a_preset_names_only_columns_the_tree_has() -> None:
    """``columns``' choices (the preset format's) are the tree's own column keys."""
    assert set(TASK_COLUMNS) == {c.key for c in COLUMNS if c.key != "pid"}
