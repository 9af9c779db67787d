"""Small scenarios and a stepping helper for the screen's tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from moomtui.kernel import BootSpec, TaskSpec
from moomtui.kernel.constants import HZ
from moomtui.presets import Scenario
from moomtui.tui.app import MoomApp

ALL_MODULES = {"CONFIG_OOM_PANIC": "m", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"}


def hog_scenario(
    *,
    modules: tuple[str, ...] = ("oom_kill",),
    sysctl: dict[str, int | str] | None = None,
    rate: str = "4M/s",
) -> Scenario:
    """16M of RAM, no swap, two daemons and a hog that eats memory until something gives.

    Overcommit is on (mode 1), so the hog's heap grows until its page faults find no page.
    """
    spec = BootSpec(
        name="hog",
        ram_pages=4096,
        seed=1,
        jiffies=360000,
        kconfig=dict(ALL_MODULES),
        modules=list(modules),
        sysctl={"vm.overcommit_memory": 1, **(sysctl or {})},
        tasks=[
            TaskSpec(comm="sshd", total_vm=256, rss=128),
            TaskSpec(comm="cron", total_vm=128, rss=64),
            TaskSpec(comm="hog", uid=1000, program="hog", args={"rate": rate}),
        ],
    )
    return Scenario(
        name="Hog", description="a hog eats memory", source="test", spec=spec, key="hog"
    )


def family_scenario(children: int = 6) -> Scenario:
    """A server (pid 300) with sleeping children (pids 301…), a database (pid 400) and 30
    gettys (pids 500…) after it."""
    tasks = [TaskSpec(comm="httpd", pid=300, total_vm=512, rss=128)]
    tasks += [
        TaskSpec(comm=f"worker{i}", pid=301 + i, ppid=300, total_vm=256, rss=16)
        for i in range(children)
    ]
    tasks.append(TaskSpec(comm="mysqld", pid=400, total_vm=4096, rss=1024))
    tasks += [TaskSpec(comm=f"getty{i}", pid=500 + i, total_vm=64, rss=16) for i in range(30)]
    spec = BootSpec(name="family", ram_pages=8192, seed=2, kconfig=dict(ALL_MODULES), tasks=tasks)
    return Scenario(name="Family", description="a server and its children", source="test",
                    spec=spec, key="family")  # fmt: skip


def with_goals(scenario: Scenario, **goals: object) -> Scenario:
    """``scenario`` with these ``[goals]`` (times in jiffies), a game rather than a sandbox."""
    return dataclasses.replace(scenario, goals=goals)


async def begin(app: MoomApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Read the briefing a game opens on, and leave it with the clock still stopped."""
    from moomtui.tui.components.briefing import BriefingScreen

    await pilot.pause()
    assert isinstance(app.screen, BriefingScreen), app.screen_stack
    await pilot.press("escape")
    assert app.driver.paused and not app.game.held


def run_until(app: MoomApp, done: Callable[[], bool], *, seconds: int = 120) -> None:
    """Step the machine a tenth of a second at a time until ``done()`` (or fail)."""
    for _ in range(seconds * 10):
        if done():
            app.refresh_frame()
            return
        app.driver.step(HZ // 10)
    raise AssertionError(f"not done after {seconds} simulated seconds")
