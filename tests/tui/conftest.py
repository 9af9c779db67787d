"""The screen tests' fixtures: an isolated home, a still cursor, and an app factory.

Every test runs with ``XDG_*`` pointing into its own temporary folder (no user theme or
history leaks in, nothing is written to the real home) and with the prompt's cursor not
blinking, so screenshots are stable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from moomtui.presets import Scenario
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp

from .scenarios import hog_scenario


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture
def make_app(isolated_home: Path) -> Callable[..., MoomApp]:
    def make(scenario: Scenario | None = None, **kwargs: object) -> MoomApp:
        kwargs.setdefault("paused", True)
        kwargs.setdefault("history_path", isolated_home / "history")
        return MoomApp(Simulation(scenario or hog_scenario()), **kwargs)  # type: ignore[arg-type]

    return make
