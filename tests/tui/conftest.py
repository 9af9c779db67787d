"""Small scenarios and an app factory for the screen's tests.

Every test runs with ``XDG_*`` pointing into its own temporary folder (no user theme or
history leaks in, nothing is written to the real home) and with the prompt's cursor not
blinking, so screenshots are stable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from moomtui.kernel import BootSpec, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.presets import Scenario
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp

ALL_MODULES = {"CONFIG_OOM_PANIC": "m", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"}


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "cursor_blink", False)


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


@pytest.fixture
def make_app(isolated_home: Path) -> Callable[..., MoomApp]:
    def make(scenario: Scenario | None = None, **kwargs: object) -> MoomApp:
        kwargs.setdefault("paused", True)
        kwargs.setdefault("history_path", isolated_home / "history")
        return MoomApp(Simulation(scenario or hog_scenario()), **kwargs)  # type: ignore[arg-type]

    return make


def run_until(app: MoomApp, done: Callable[[], bool], *, seconds: int = 120) -> None:
    """Step the machine a tenth of a second at a time until ``done()`` (or fail)."""
    for _ in range(seconds * 10):
        if done():
            app.refresh_frame()
            return
        app.driver.step(HZ // 10)
    raise AssertionError(f"not done after {seconds} simulated seconds")


class Recorder:
    """The events of the app's current kernel."""

    def __init__(self, app: MoomApp) -> None:
        self.events: list[ev.Event] = []
        app.kernel.bus.subscribe(self.events.append)

    def of(self, cls: type[ev.Event]) -> list:
        return [e for e in self.events if isinstance(e, cls)]


@pytest.fixture
def recorder() -> Iterator[Callable[[MoomApp], Recorder]]:
    yield Recorder
