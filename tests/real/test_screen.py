"""The rebuilt machine on the screen: paused at the OOM, the report's victim marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from moomtui.presets import parse_preset
from moomtui.real.preset import machine_preset
from moomtui.real.rebuild import rebuild_log
from moomtui.real.report import read_log
from moomtui.real.screen import MARK, RealMachineApp, summary_lines
from moomtui.sim import Simulation
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.process_view import ProcessView

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(Input, "cursor_blink", False)
    return tmp_path


async def test_the_report_opens_paused_with_its_victim_marked(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "reports" / "java-5.15.txt").read_text()
    (machine,) = rebuild_log(read_log(text), "java-5.15.txt")
    preset = machine_preset(machine, "java-5.15.txt")
    app = RealMachineApp(
        Simulation(parse_preset(preset.text, "t")),
        marked=preset.victim,
        lines=summary_lines(machine, preset),
        history_path=tmp_path / "history",
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert app.driver.paused
        ticks = app.kernel.ticks
        view = app.query_one(ProcessView)
        row = view.model.row_of(1640)
        assert row is not None
        text_of_row, _ = view._content(row)
        assert f"java ⚑ {MARK}" in text_of_row
        others = [view._content(i)[0] for i in range(len(view.model.rows)) if i != row]
        assert not any(MARK in line for line in others)
        console = app.query_one(ConsoleView).output.plain
        assert "the kernel chose 1640 (java)" in console
        assert "5.9–6.x: 1640 (java) ← its own rule" in console
        await pilot.pause(0.3)
        assert app.kernel.ticks == ticks  # still paused
