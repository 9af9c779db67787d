"""The task tree tells the truth at once: paused or not, every command shows; filters, folds
and deep trees a newcomer can read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from moomtui.kernel import BootSpec, TaskSpec
from moomtui.modules.classic import badness
from moomtui.presets import Scenario
from moomtui.tui.app import MoomApp
from moomtui.tui.components.main_screen import FilterInput
from moomtui.tui.components.process_view import ProcessView
from moomtui.tui.messages import CommandSubmitted

from .scenarios import family_scenario, hog_scenario

SIZE = (160, 40)
MakeApp = Callable[..., MoomApp]


def drawn(view: ProcessView, pid: int) -> tuple[str, str]:
    """The row of ``pid`` as the screen draws it now, and its component class."""
    row = view.model.index[pid]
    line = view.render_line(row - round(view.scroll_y) + 1)
    return line.text, view._shown.get(row, view._content(row))[1]


def shown_cells(view: ProcessView, pid: int) -> list[str]:
    return drawn(view, pid)[0].split()


def column(view: ProcessView, key: str) -> int:
    return [c.key for c in view._columns].index(key)


def command(app: MoomApp, line: str) -> None:
    app.submit(CommandSubmitted(line, "console"))


async def test_paused_renice_shows_the_new_nice_value_and_the_doubled_score_at_once(
    make_app: MakeApp,
) -> None:
    """``if (p->nice > 0) points *= 2;`` — the lesson "renice doubles badness" must be on the
    screen the moment the command runs, with the clock stopped."""
    app = make_app(hog_scenario(), paused=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        await pilot.pause()
        app.refresh_frame()  # a frame has drawn the rows
        sshd = next(t for t in app.kernel.tasks.values() if t.comm == "sshd")
        ticks = app.kernel.ticks
        before = badness(sshd, app.kernel.jiffies)
        assert shown_cells(view, sshd.pid)[column(view, "nice")] == "0"
        command(app, f"renice 1 -p {sshd.pid}")
        await pilot.pause()
        assert app.kernel.ticks == ticks  # still paused
        cells = shown_cells(view, sshd.pid)
        assert cells[column(view, "nice")] == "1"
        assert cells[column(view, "oom")].lstrip("►") == str(2 * before)


async def test_paused_kill_and_spawn_show_at_once(make_app: MakeApp) -> None:
    app = make_app(hog_scenario(), paused=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        await pilot.pause()
        app.refresh_frame()
        cron = next(t for t in app.kernel.tasks.values() if t.comm == "cron")
        command(app, f"kill -9 {cron.pid}")
        await pilot.pause()
        view.select_pid(1)
        await pilot.pause()
        assert drawn(view, cron.pid)[1] == "process-view--dying"
        before = set(app.kernel.tasks)
        command(app, "spawn idle")
        await pilot.pause()
        (new,) = set(app.kernel.tasks) - before
        assert f"{new} " in drawn(view, new)[0]


async def test_esc_on_the_tree_clears_the_filter_the_title_counts_the_matches(
    make_app: MakeApp,
) -> None:
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        panel = app.main.tasks_panel
        total = len(app.kernel.tasks)
        assert panel.border_title == f"tasks {total}"
        await pilot.press("slash", *"worker", "enter")  # Enter: back to the tree
        assert view.has_focus
        assert panel.border_title == f"tasks 6/{total}"  # 6 workers, httpd dimmed above them
        await pilot.press("escape")
        assert view.model.filter == ""
        assert not app.query_one(FilterInput).display
        assert len(view.model.rows) == total
        assert panel.border_title == f"tasks {total}"


def deep_scenario(depth: int = 30) -> Scenario:
    """A chain of ``depth`` shells, each the parent of the next: a tree deeper than the
    COMMAND column is wide."""
    tasks = [TaskSpec(comm="sh0", pid=300, total_vm=64, rss=8)]
    tasks += [
        TaskSpec(comm=f"sh{i}", pid=300 + i, ppid=299 + i, total_vm=64, rss=8)
        for i in range(1, depth)
    ]
    spec = BootSpec(name="deep", ram_pages=8192, tasks=tasks)
    return Scenario(name="Deep", description="a deep tree", source="test", spec=spec, key="deep")


async def test_deep_names_scroll_into_view_and_every_subtree_folds_at_once(
    make_app: MakeApp,
) -> None:
    app = make_app(deep_scenario())
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.query_one(ProcessView)
        view.select_pid(329)
        await pilot.pause()
        assert "sh29" not in drawn(view, 329)[0]  # clipped: only the tree's lines show
        for _ in range(10):
            await pilot.press("shift+right")
        assert view.command_offset > 0
        assert "sh29" in drawn(view, 329)[0]
        assert "names →" in app.main.tasks_panel.border_subtitle
        await pilot.press("C")
        assert 301 not in view.model.index  # sh0 folded: its chain is hidden
        assert view.model.rows[view.model.index[300]].collapsed
        await pilot.press("E")
        assert 329 in view.model.index


async def test_paused_insmod_of_another_policy_rescores_the_oom_column_at_once(
    make_app: MakeApp,
) -> None:
    """The OOM column is the loaded policy's score: ``rmmod oom_kill`` and ``insmod
    oom_score_adj`` with the clock stopped show 2.6.36's points at once, not after a step."""
    from moomtui.modules.oom_score_adj import oom_badness, totalpages

    app = make_app(hog_scenario(), paused=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        await pilot.pause()
        app.refresh_frame()
        sshd = next(t for t in app.kernel.tasks.values() if t.comm == "sshd")
        ticks = app.kernel.ticks
        oom = column(view, "oom")
        assert shown_cells(view, sshd.pid)[oom].lstrip("►") == str(
            badness(sshd, app.kernel.jiffies)
        )
        command(app, "rmmod oom_kill")
        command(app, "insmod oom_score_adj")
        await pilot.pause()
        assert app.kernel.ticks == ticks
        modern = oom_badness(sshd, totalpages(app.kernel))
        assert modern != badness(sshd, app.kernel.jiffies)
        assert shown_cells(view, sshd.pid)[oom].lstrip("►") == str(modern)


async def test_a_policy_file_whose_score_raises_leaves_the_screen_running(
    make_app: MakeApp, tmp_path: Path
) -> None:
    """The OOM column calls the policy's own ``score()``: a bug there is the module's oops
    (dmesg), and the column shows 0 — the screen goes on."""
    path = tmp_path / "badscore.py"
    path.write_text(
        "from moomtui.modules.api import Policy\n\n\n"
        "class BadScore(Policy):\n"
        '    name = "badscore"\n\n'
        "    def on_out_of_memory(self) -> None:\n"
        "        pass\n\n"
        "    def score(self, task, jiffies):\n"
        "        raise ValueError('a bug')\n"
    )
    app = make_app(hog_scenario(), paused=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ProcessView)
        await pilot.pause()
        command(app, "rmmod oom_kill")
        command(app, f"insmod {path}")
        await pilot.pause()
        app.refresh_frame()
        await pilot.pause()
        sshd = next(t for t in app.kernel.tasks.values() if t.comm == "sshd")
        assert shown_cells(view, sshd.pid)[column(view, "oom")].lstrip("►") == "0"
        assert "badscore" in app.kernel.modules.tainted
        assert any("module badscore: ValueError: a bug" in r.text for r in app.kernel.log.records())
        assert app.is_running
