"""Playing the game through the screen: keys, the console, the dialogs, the panic screen."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import OptionList

from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.presets import load_preset
from moomtui.shell.profile import SERVED
from moomtui.sim import Simulation
from moomtui.tui.app import InternalError, MoomApp, run_app
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.dialogs import HelpScreen, PresetPicker, SignalDialog, SpawnDialog
from moomtui.tui.components.dmesg import DmesgView
from moomtui.tui.components.memory import MemoryView
from moomtui.tui.components.modules import ModulePanel
from moomtui.tui.components.panic import PanicScreen
from moomtui.tui.components.process_view import ProcessView
from moomtui.tui.components.status import StatusLine
from moomtui.tui.messages import CommandSubmitted

from ..fixtures import Recorder
from .scenarios import family_scenario, hog_scenario, run_until
from .waiting import notifications, palette_highlights, until

SIZE = (120, 40)
MakeApp = Callable[..., MoomApp]


def console_text(app: MoomApp) -> str:
    return app.query_one(ConsoleView).output.plain


async def type_command(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    """Focus the console with ``:``, type ``line`` key by key, press Enter."""
    await pilot.press("colon")
    await pilot.press(*line)
    await pilot.press("enter")


async def enter_command(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    """Put ``line`` at the focused prompt at once (typing is slow in tests) and press Enter."""
    prompt = pilot.app.query_one(ConsoleView).input
    assert prompt.has_focus
    prompt.value = line
    await pilot.press("enter")


# ============================================================================ the OOM story
async def test_oom_kill_shows_in_dmesg_and_the_victim_leaves_the_tree(make_app: MakeApp) -> None:
    app = make_app(hog_scenario())
    async with app.run_test(size=SIZE):
        recorder = Recorder(app.kernel)
        hog = next(t.pid for t in app.kernel.tasks.values() if t.comm == "hog")
        view = app.query_one(ProcessView)
        assert hog in view.model.index

        run_until(app, lambda: bool(recorder.of(ev.OomKill)))
        kill = recorder.of(ev.OomKill)[0]
        assert (kill.pid, kill.module) == (hog, "oom_kill")
        app.driver.step(5)
        app.refresh_frame()

        assert f"Out of Memory: Killed process {hog} (hog)." in app.query_one(DmesgView).plain
        assert hog not in app.kernel.tasks
        ghost = view.model.rows[view.model.index[hog]]
        assert ghost.ghost is not None and ghost.ghost.killed  # shown dying for a moment
        app.tracker.flash = 0
        app.tracker.ghosts.clear()
        app.tracker.generation += 1
        app.refresh_frame()
        assert hog not in view.model.index


async def test_heuristic_meter_counts_failures_before_the_kill(make_app: MakeApp) -> None:
    app = make_app(hog_scenario())
    async with app.run_test(size=SIZE):
        module = app.kernel.modules.get("oom_kill")
        assert module is not None
        run_until(app, lambda: 0 < module.heuristic()["count"] < 10)
        count = module.heuristic()["count"]
        assert "oom_kill ▮" in app.query_one(MemoryView).plain
        assert f"{count}/10" in app.query_one(MemoryView).plain


async def test_no_handler_means_livelock_in_the_header(make_app: MakeApp) -> None:
    app = make_app(hog_scenario(modules=()))
    async with app.run_test(size=SIZE):
        run_until(app, lambda: app.kernel.oom_state() == "livelock", seconds=60)
        assert "livelock" in app.query_one(StatusLine).plain
        assert "no handler" in app.query_one(MemoryView).plain


# ============================================================================ modules
@pytest.mark.slow
async def test_insmod_and_rmmod_from_the_console(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_command(pilot, "insmod oom_kill_parent")
        assert app.kernel.modules.state("oom_kill_parent") == "loaded"
        assert "root@moom:~# insmod oom_kill_parent" in console_text(app)
        panel = app.query_one(ModulePanel)
        assert " ".join(panel.plain.split()).count(
            "chain out_of_memory() → oom_kill → oom_kill_parent"
        )
        assert "blacklist 0/32" in panel.plain

        await enter_command(pilot, "rmmod oom_kill_parent")
        assert app.kernel.modules.state("oom_kill_parent") == "available"
        await enter_command(pilot, "rmmod oom_kill_parent")
        assert "rmmod: module oom_kill_parent is not loaded" in console_text(app)


async def test_insmod_and_rmmod_with_keys_act_on_the_selected_policy(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(ModulePanel)
        panel.select("oom_panic")
        await pilot.press("i")
        assert app.kernel.modules.state("oom_panic") == "loaded"
        assert [nb.name for nb in app.kernel.oom.chain] == ["oom_kill", "oom_panic"]
        assert "insmod oom_panic" in console_text(app)
        await pilot.press("u")
        assert app.kernel.modules.state("oom_panic") == "available"


async def test_clicking_a_module_button_loads_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(ModulePanel)
        line = next(y for y, (_, _, cmd) in panel._buttons.items() if cmd == "insmod oom_panic")
        x = panel._buttons[line][0]
        await pilot.click(ModulePanel, offset=(x + 1 + panel.gutter.left, line + panel.gutter.top))
        assert app.kernel.modules.state("oom_panic") == "loaded"


async def test_sysctl_from_the_console_changes_the_kernel(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await enter_command(pilot, "sysctl -w kernel.panic=7")
        assert app.kernel.panic_timeout.value == 7
        await enter_command(pilot, "sysctl -w kernel.printk=3")
        app.kernel.printk(6, "an info line the console no longer shows")
        app.kernel.printk(2, "a critical line it still shows")
        app.refresh_frame()
        dmesg = app.query_one(DmesgView).plain
        assert "a critical line it still shows" in dmesg
        assert "an info line" not in dmesg


# ============================================================================ the clock
async def test_space_pauses_and_resumes_and_dot_steps_a_jiffy(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.driver.paused
        await pilot.press("space")
        assert not app.driver.paused
        await pilot.press("space")
        assert app.driver.paused
        ticks = app.sim.ticks
        await pilot.press("full_stop")
        assert app.sim.ticks == ticks + 1
        await pilot.press("greater_than_sign")
        assert app.sim.ticks == ticks + 1 + HZ
        assert "PAUSED" in app.query_one(StatusLine).plain


@pytest.mark.slow
async def test_a_long_step_runs_in_slices_with_the_screen_live_and_esc_stops_it(
    make_app: MakeApp,
) -> None:
    """Issue "Trust", vector 13: ``step 1h`` on fork-bomb ran synchronously for minutes and
    froze the screen. A step longer than ten seconds runs on the clock, in slices: the
    frames go on, and Esc stops it (a second Esc then leaves the console as before)."""
    scenario = dataclasses.replace(load_preset("fork-bomb"), goals={})
    app = make_app(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await enter_command(pilot, "step 5s")
        assert app.sim.elapsed == 5 * HZ  # a short step runs at once
        await enter_command(pilot, "step 1h")
        assert app.driver.stepping > 0 and app.sim.elapsed < 3600 * HZ
        assert "step: running 1h00m on the clock; Esc stops it" in console_text(app)
        elapsed, frames = app.sim.elapsed, app.frames
        assert await until(pilot, lambda: app.sim.elapsed > elapsed and app.frames > frames)
        await pilot.press("escape")
        assert app.driver.stepping == 0
        assert "step: stopped, " in console_text(app)
        elapsed = app.sim.elapsed
        await pilot.pause(0.2)
        assert app.sim.elapsed == elapsed and app.driver.paused
        prompt = app.query_one(ConsoleView).input
        assert prompt.has_focus
        await pilot.press("escape")
        assert not prompt.has_focus


async def test_plus_and_minus_change_the_speed(make_app: MakeApp) -> None:
    app = make_app(speed=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert app.driver.speed == 2.0
        await pilot.press("minus", "minus")
        assert app.driver.speed == 0.5
        assert "0.5×" in app.query_one(StatusLine).plain


async def test_running_clock_advances_the_machine_on_its_own(make_app: MakeApp) -> None:
    app = make_app(paused=False, speed=100.0)
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: app.sim.ticks > 0 and app.frames > 1)


# ============================================================================ panic
async def test_oom_panic_takes_over_the_screen_and_r_reboots(make_app: MakeApp) -> None:
    app = make_app(hog_scenario(modules=("oom_panic",)))
    async with app.run_test(size=SIZE) as pilot:
        boot = app.kernel.boot
        run_until(app, lambda: app.kernel.panicked is not None)
        await pilot.pause()
        assert isinstance(app.screen, PanicScreen)
        text = str(app.screen.query_one("#panic-log").render())
        assert "Kernel panic: Out-Of-Memory" in text
        assert "press R to reboot" in str(app.screen.query_one("#panic-status").render())
        await pilot.press("k")  # the game's keys do nothing on a dead machine
        await pilot.press("R")
        assert app.kernel.panicked is None and app.kernel.boot == boot + 1
        await pilot.pause()
        assert not isinstance(app.screen, PanicScreen)
        assert f"──── reboot {boot + 1} ────" in app.query_one(DmesgView).plain


async def test_keys_on_a_panicked_kernel_do_nothing_but_say_what_does(make_app: MakeApp) -> None:
    """A newcomer types a command at the dead console: ``:`` opens nothing, the letters
    neither change the theme nor step the clock nor act behind the panic, and one notice
    says what the keys here do."""
    app = make_app(hog_scenario(modules=("oom_panic",)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        run_until(app, lambda: app.kernel.panicked is not None)
        await pilot.pause()
        assert isinstance(app.screen, PanicScreen)
        app.driver.pause()
        theme, ticks, history = app.theme, app.sim.ticks, len(app.sim.session.recorded)
        told = notifications(app)
        await pilot.press("colon", *"sysctl kernel.panic", "enter")  # p: presets, held
        await pilot.pause()
        assert isinstance(app.screen, PanicScreen)
        assert (app.theme, app.sim.ticks, len(app.sim.session.recorded)) == (theme, ticks, history)
        assert told == [PanicScreen.NOTICE]  # one notice for the word, not one a letter
        await pilot.press("t", "l", "k", "e")  # keys with nothing to do here: one notice
        assert app.theme == theme and isinstance(app.screen, PanicScreen)
        await pilot.press("full_stop")  # stepping the clock is one of the keys that act
        assert app.sim.ticks == ticks + 1
        await pilot.press("R")
        assert app.kernel.panicked is None


async def test_panic_with_a_timeout_counts_down_and_reboots_by_itself(make_app: MakeApp) -> None:
    app = make_app(hog_scenario(modules=("oom_panic",), sysctl={"kernel.panic": 3}))
    async with app.run_test(size=SIZE) as pilot:
        run_until(app, lambda: app.kernel.panicked is not None)
        await pilot.pause()
        status = str(app.screen.query_one("#panic-status").render())
        assert "Rebooting in 3 seconds.." in status
        app.driver.step(3 * HZ + 1)
        app.refresh_frame()
        await pilot.pause()
        assert app.kernel.panicked is None
        assert not isinstance(app.screen, PanicScreen)


async def test_a_machine_that_panics_again_after_its_reboot_gets_a_new_panic_screen(
    make_app: MakeApp,
) -> None:
    app = make_app(hog_scenario(modules=("oom_panic",), sysctl={"kernel.panic": 1}))
    async with app.run_test(size=SIZE) as pilot:
        for boot in (0, 1, 2):
            run_until(app, lambda: app.kernel.panicked is not None)
            assert app.kernel.boot == boot
            await pilot.pause()
            assert isinstance(app.screen, PanicScreen)
            assert sum(isinstance(s, PanicScreen) for s in app.screen_stack) == 1
            # Reboot; the frame drops the panic screen, and the next loop panics again at
            # once, before the old screen is gone.
            app.driver.step(HZ + 1)
            app.refresh_frame()


# ============================================================================ tasks
async def test_selection_follows_the_pid_when_tasks_above_it_die(make_app: MakeApp) -> None:
    app = make_app(family_scenario(children=60))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        assert view.select_pid(400)
        view.scroll_to(y=view.cursor_row - 10, animate=False)
        await pilot.pause()
        row, screen_line = view.cursor_row, view.cursor_row - round(view.scroll_y)
        assert screen_line == 10
        for pid in (301, 302, 303):
            app.run_command(f"kill -9 {pid}")
        app.tracker.flash = 0
        app.driver.step(3)
        app.refresh_frame()
        assert 301 not in view.model.index
        assert view.cursor_pid == 400
        await pilot.pause()
        assert view.cursor_row == row - 3
        assert view.cursor_row - round(view.scroll_y) == screen_line
        assert view.model.rows[view.cursor_row].task.comm == "mysqld"


async def test_k_kills_the_selected_task_and_n_renices_it(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        view.select_pid(400)
        await pilot.press("n")
        await pilot.press("ctrl+a", "ctrl+k", "5", "enter")
        assert app.kernel.tasks[400].nice == 5
        assert "renice 5 -p 400" in console_text(app)
        await pilot.press("k")
        assert isinstance(app.screen, SignalDialog)
        await pilot.press("enter")  # SIGTERM, the default
        app.driver.step(2)
        assert 400 not in app.kernel.tasks
        assert "kill -TERM 400" in console_text(app)


async def test_spawn_dialog_starts_the_chosen_program(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, SpawnDialog)
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("leak")
        await pilot.press("tab", *"rate=1M/s", "enter")
        assert any(t.comm == "leak" for t in app.kernel.tasks.values())
        assert "spawn leak rate=1M/s" in console_text(app)


async def test_filter_sort_and_fold(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        await pilot.press("slash", *"worker")
        assert {r.pid for r in view.model.rows if not r.ancestor_only} == set(range(301, 307))
        await pilot.press("escape")
        assert len(view.model.rows) == len(app.kernel.tasks)
        view.select_pid(300)
        await pilot.press("enter")
        assert 301 not in view.model.index
        await pilot.press("enter")
        assert 301 in view.model.index
        view.sort_by("virt")
        assert view.model.reverse and view.model.sort_key == "virt"
        init_children = [r.pid for r in view.model.rows if r.task.ppid == 1]
        assert init_children[0] == 400  # the biggest first
        assert view.cursor_pid == 300  # still selected after the re-sort


# ============================================================================ console
async def test_every_command_comes_through_submit_and_only_typed_ones_are_history(
    make_app: MakeApp, tmp_path: Path
) -> None:
    """Keys, a module's Enter, a dialog's answer and the console all hand the app a
    CommandSubmitted; its source keeps what the user did not type out of their history."""
    app = make_app(family_scenario(), history_path=tmp_path / "hist")
    seen: list[tuple[str, str]] = []
    async with app.run_test(size=SIZE) as pilot:
        submit = app.submit

        def spy(command: CommandSubmitted) -> None:
            seen.append((command.source, command.line))
            submit(command)

        app.submit = spy  # type: ignore[method-assign]
        app.query_one(ProcessView).select_pid(400)
        await pilot.press("n", "ctrl+a", "ctrl+k", "3", "enter")
        await pilot.press("k", "enter")
        panel = app.query_one(ModulePanel)
        panel.focus()
        panel.select("oom_panic")
        await pilot.press("enter")
        await type_command(pilot, "uptime")
        await pilot.press("enter")
        assert console_text(app).count("root@moom:~# kill -TERM 400") == 1  # every source echoes
    assert seen == [
        ("dialog", "renice 3 -p 400"),
        ("dialog", "kill -TERM 400"),
        ("key", "insmod oom_panic"),
        ("console", "uptime"),
        ("console", ""),
    ]
    assert app.history.lines == ["uptime"]


async def test_console_history_persists_and_up_recalls(make_app: MakeApp, tmp_path: Path) -> None:
    path = tmp_path / "hist"
    app = make_app(history_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await type_command(pilot, "lsmod")
        await enter_command(pilot, "uptime")
    assert path.read_text().splitlines() == ["lsmod", "uptime"]
    again = make_app(history_path=path)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "up", "up")
        prompt = again.query_one(ConsoleView).input
        assert prompt.value == "lsmod"
        await pilot.press("down")
        assert prompt.value == "uptime"


async def test_a_broken_history_file_does_not_stop_the_app(
    make_app: MakeApp, tmp_path: Path
) -> None:
    path = tmp_path / "is-a-folder"
    path.mkdir()
    app = make_app(history_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await type_command(pilot, "lsmod")
        assert "Module" in console_text(app)


async def test_a_history_write_error_is_told_once(make_app: MakeApp, tmp_path: Path) -> None:
    """Issue "Trust", vector 14: write errors after start were never shown."""
    path = tmp_path / "hist"
    app = make_app(history_path=path)
    told: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kwargs: told.append(str(message))  # type: ignore[method-assign]
        await pilot.press("colon")
        await enter_command(pilot, "lsmod")
        path.unlink()
        path.mkdir()
        await enter_command(pilot, "free")
        await enter_command(pilot, "uptime")
    assert told == [f"history: cannot write {path}: Is a directory (kept in memory)"]
    assert app.history.lines == ["lsmod", "free", "uptime"]


@pytest.mark.slow
async def test_text_from_files_is_shown_as_written_never_as_markup(
    make_app: MakeApp, isolated_home: Path
) -> None:
    """A stranger's preset named ``[/]`` crashed the command palette (its text is read as
    markup); a theme error or a task name could do the same in a notification or a dialog."""
    presets = isolated_home / "config" / "moomtui" / "presets"
    presets.mkdir(parents=True)
    (presets / "markup.toml").write_text('name = "[/] [bold"\ndescription = "[/red] [link=x]"\n')
    themes = isolated_home / "config" / "moomtui" / "themes"
    themes.mkdir(parents=True)
    (themes / "bad.toml").write_text('name = "bad"\n[colors]\nprimary = "[/]"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert any("[/]" in error for error in app.theme_errors)
        await pilot.press("ctrl+p")
        await pilot.press(*"markup")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PresetPicker)
        await pilot.press("escape")
        app.run_command("spawn idle --comm [/]")
        pid = max(app.kernel.tasks)
        assert app.query_one(ProcessView).select_pid(pid)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
    assert app.internal_error is None


async def test_an_unexpected_exception_ends_the_app_with_one_line(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's last resort: what nobody has found yet is one line with a hint to report
    it (status 70 from ``moomtui``), not a traceback."""
    app = make_app()

    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.delenv("MOOMTUI_DEBUG", raising=False)
    with pytest.raises(InternalError) as err:
        async with app.run_test(size=SIZE) as pilot:
            monkeypatch.setattr(MemoryView, "sync", broken)
            await pilot.pause(0.5)
    assert str(err.value) == (
        "internal error: ZeroDivisionError: a bug (a bug in moomtui: please report it with "
        "what you did; MOOMTUI_DEBUG=1 shows the traceback)"
    )
    assert isinstance(app.internal_error, ZeroDivisionError)
    assert err.value.__rich__().plain == f"moomtui: {err.value}"


async def test_a_served_session_touches_no_file_of_the_user(
    isolated_home: Path, tmp_path: Path
) -> None:
    """The served profile (for browser sessions): no history file, no user theme, ``boot``
    of the shipped presets only, no ``script save``, no ``insmod PATH``."""
    config = isolated_home / "config" / "moomtui"
    (config / "themes").mkdir(parents=True)
    (config / "themes" / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "red"\n')
    (config / "presets").mkdir(parents=True)
    (config / "presets" / "mine.toml").write_text('name = "Mine"\n')
    history = tmp_path / "hist"
    app = MoomApp(Simulation(hog_scenario(), profile=SERVED), paused=True, history_path=history)
    async with app.run_test(size=SIZE) as pilot:
        assert "mine" not in app.moom_themes and "vga" in app.moom_themes
        await pilot.press("colon")
        await enter_command(pilot, "boot")
        await enter_command(pilot, "boot mine")
        await enter_command(pilot, f"script save {tmp_path / 'out.txt'}")
        await enter_command(pilot, f"insmod {tmp_path / 'x.py'}")
        text = console_text(app)
    assert "leaky-apache" in text and "\nmine\n" not in text
    assert "boot: mine: no such preset (boot alone lists them)" in text
    refused = "Operation not permitted in a served session"
    assert f"script: {tmp_path / 'out.txt'}: {refused} (script show prints it)" in text
    assert f"insmod: {tmp_path / 'x.py'}: {refused} (a policy file runs code" in text
    assert not history.exists() and not (tmp_path / "out.txt").exists()
    assert app.history.path is None and app.history.lines[-1].startswith("insmod")


async def test_tab_completes_through_the_shell(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"insm", "tab", *"oom_kill_p", "tab")
        assert app.query_one(ConsoleView).input.value == "insmod oom_kill_parent "


# ============================================================================ screens
async def test_preset_picker_boots_the_chosen_preset(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, PresetPicker)
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("fork-bomb")
        await pilot.press("enter")
        await pilot.pause()
        assert app.sim.scenario.key == "fork-bomb"
        assert any(t.comm == "mysqld" for t in app.kernel.tasks.values())
        assert "Fork bomb" in app.query_one(StatusLine).plain
        view = app.query_one(ProcessView)
        assert any(r.task.comm == "mysqld" for r in view.model.rows)


async def test_help_explains_the_policies_and_lists_the_keys(make_app: MakeApp) -> None:
    app = make_app(keymap={"task.kill": "x"})
    async with app.run_test(size=SIZE) as pilot:
        threads = {t.ident for t in threading.enumerate()}
        await pilot.press("f1")  # htop's key for help (moomtui's ? is test_screen's)
        assert isinstance(app.screen, HelpScreen)
        # Markdown's parses ran in the app's thread: no thread (8 MB of stack and an arena
        # of a served session's memory share) was started for them
        assert {t.ident for t in threading.enumerate()} <= threads
        assert "oom_kill_parent" in app.screen.text
        assert (
            "x |  | send the selected task a signal: choose it, Enter sends (console: kill) "
            "| task.kill\n" in app.screen.text
        )  # the remapped key: the user's, so not htop's (k, F9) any more
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.slow
async def test_t_cycles_themes_and_the_palette_picks_one(make_app: MakeApp) -> None:
    app = make_app(theme="vga")
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "vga"
        await pilot.press("t")
        assert app.theme != "vga" and app.theme in app.moom_themes
        await pilot.press("ctrl+p", *"theme: amber")
        await palette_highlights(pilot, "theme: amber")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "amber"
        err = app.query_one(DmesgView).get_component_rich_style("dmesg--err")
        assert err.color is not None
        assert err.color.triplet is not None
        assert err.color.triplet.hex.upper() == app.moom_themes["amber"].variables["log-err"]


async def test_resizing_down_to_60_by_20_keeps_working(make_app: MakeApp) -> None:
    app = make_app(hog_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.resize_terminal(60, 20)
        app.driver.step(5 * HZ)
        app.refresh_frame()
        await pilot.pause()
        await pilot.press("down", "down", "slash", "h", "escape")
        assert app.size == (60, 20)
        await pilot.resize_terminal(200, 60)
        app.refresh_frame()
        await pilot.pause()
        assert app.query_one(ProcessView).size.width > 100


async def test_follow_keeps_the_task_in_view_and_says_when_it_dies(make_app: MakeApp) -> None:
    app = make_app(family_scenario(children=60))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        told = notifications(app)
        view = app.query_one(ProcessView)
        view.select_pid(330)
        await pilot.press("F")
        assert view.follow_pid == 330
        assert "follow 330" in str(app.query_one("#tasks-panel").border_subtitle)
        view.scroll_to(y=0, animate=False)
        app.run_command("kill -9 301")
        app.tracker.flash = 0
        app.driver.step(2)
        app.refresh_frame()
        await pilot.pause()
        top = round(view.scroll_y)
        assert top <= view.cursor_row < top + view.body_height  # brought back into view
        app.run_command("kill -9 330")
        app.driver.step(2)
        app.refresh_frame()
        await pilot.pause()
        assert view.follow_pid is None
        assert any("330 (worker29) is gone" in message for message in told)


async def test_mouse_selects_a_row_and_a_column_title_sorts(make_app: MakeApp) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        row = view.model.index[400]
        await pilot.click(ProcessView, offset=(10, row + 1))
        assert view.cursor_pid == 400
        x = sum(c.width + 1 for c in view._columns[: [c.key for c in view._columns].index("rss")])
        await pilot.click(ProcessView, offset=(x + 2, 0))
        assert view.model.sort_key == "rss" and view.model.reverse
        await pilot.click(ProcessView, offset=(x + 2, 0))
        assert not view.model.reverse
        assert view.cursor_pid == 400


async def test_module_panel_keys_move_and_enter_toggles(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(ModulePanel)
        panel.focus()
        await pilot.press("down", "down")
        assert panel.selected == "oom_kill_parent"
        await pilot.press("enter")
        assert app.kernel.modules.state("oom_kill_parent") == "loaded"
        await pilot.press("enter")
        assert app.kernel.modules.state("oom_kill_parent") == "available"


@pytest.mark.slow
async def test_palette_offers_console_commands_and_presets(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"swapon")
        await palette_highlights(pilot, "console: swapon")
        await pilot.press("enter")
        await pilot.pause()
        prompt = app.query_one(ConsoleView).input
        assert prompt.value == "swapon " and prompt.has_focus
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"no-oom")
        await palette_highlights(pilot, "(no-oom)")
        await pilot.press("enter")
        await pilot.pause()
        assert app.sim.scenario.key == "no-oom"


def test_run_app_refuses_an_unknown_preset_or_theme(capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_app("no-such-preset") == 2
    assert "no-such-preset" in capsys.readouterr().err
    assert run_app(hog_scenario(), theme="no-such-theme") == 2
    err = capsys.readouterr().err
    assert "no theme named 'no-such-theme'" in err and "vga" in err


def test_the_screen_starts_without_the_libraries_of_help_and_the_charts() -> None:
    """Importing was most of the screen's start (bench/startup.py): plotext and
    textual-plotext (the charts, ``y``) and markdown-it (help, ``?``) are imported when
    those are first opened, not with the app."""
    code = (
        "import sys, moomtui.tui.app; "
        "print(*(m in sys.modules for m in ('plotext', 'textual_plotext', 'markdown_it')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert out.stdout.split() == ["False", "False", "False"], out.stderr


async def test_the_meter_says_oom_panic_panics_at_once_only_when_it_is_first(
    make_app: MakeApp,
) -> None:
    """With a handler ahead of it on the chain (a policy that may end the walk), oom_panic
    does not panic "at once": the panel names the chain in order instead."""
    app = make_app(hog_scenario(modules=("oom_panic",)))
    async with app.run_test(size=SIZE):
        assert "oom_panic: panics at once" in app.query_one(MemoryView).plain
    app = make_app(hog_scenario(modules=("oom_kill_allocating", "oom_panic")))
    async with app.run_test(size=SIZE):
        assert [nb.name for nb in app.kernel.oom.chain] == ["oom_kill_allocating", "oom_panic"]
        plain = app.query_one(MemoryView).plain
        assert "panics at once" not in plain
        assert "OOM   on the chain: oom_kill_allocati" in plain


async def test_the_memory_panel_shows_a_command_run_with_the_clock_stopped(
    make_app: MakeApp,
) -> None:
    """``swapoff -a`` with the clock paused: the panel kept showing the swap (and ✗swap)
    until the clock ran again — a player checking their fix before starting the level saw
    it not taken."""
    app = make_app(load_preset("lvl7-swap-trap"), paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")  # the briefing: look around, the clock stopped
        view = app.query_one(MemoryView)
        assert "Swap  none" not in view.plain
        ticks = app.kernel.ticks
        app.run_command("swapoff -a")
        await pilot.pause()
        assert app.kernel.ticks == ticks
        assert "Swap  none" in view.plain


def test_nothing_on_the_screen_needs_a_thread_of_the_default_executor() -> None:
    """The screen's default executor runs calls inline (``InlineExecutor``: help's Markdown
    parses started three threads, 34 MB of a served session's share). A thread worker, or
    a widget built on one, would fail there (``call_from_thread`` from the loop's thread),
    and ``to_thread`` would block the screen: none may appear in the screen's code."""
    import re as regex

    tui = Path(__file__).resolve().parents[2] / "moomtui" / "tui"
    needs_a_thread = regex.compile(
        r"thread=True|to_thread\(|run_in_executor\(|call_from_thread\("
        r"|import .*\b(Log|DirectoryTree)\b|\b(Log|DirectoryTree)\("
    )
    found = [
        f"{path.relative_to(tui)}:{n}: {line.strip()}"
        for path in sorted(tui.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if needs_a_thread.search(line)
    ]
    assert found == []
    assert needs_a_thread.search("    @work(thread=True)")  # the pattern finds one
    assert needs_a_thread.search("from textual.widgets import Input, Log")
