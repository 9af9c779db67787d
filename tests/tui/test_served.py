"""A served app (``moomtui --served``, what ``moomtui serve`` runs) reads and writes no file of
the host: its history stays in memory, and only the shipped themes and presets are offered.
Each check is made against a local app too, which does read them, so the test could fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from moomtui.presets import load_preset, shipped_presets_dir
from moomtui.shell.profile import SERVED
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp
from moomtui.tui.themes import shipped_themes_dir

from .test_app import SIZE, type_command


def user_files(home: Path) -> None:
    """A theme and a preset of the host's user, both named ``mine``."""
    themes = home / "config" / "moomtui" / "themes"
    presets = home / "config" / "moomtui" / "presets"
    themes.mkdir(parents=True)
    presets.mkdir(parents=True)
    vga = (shipped_themes_dir() / "vga.toml").read_text()
    (themes / "mine.toml").write_text(vga.replace('name = "vga"', 'name = "mine"', 1))
    shutil.copy(shipped_presets_dir() / "classic-leak.toml", presets / "mine.toml")


async def run(app: MoomApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await type_command(pilot, "lsmod")


async def test_a_served_app_keeps_history_in_memory_and_offers_only_shipped_things(
    isolated_home: Path,
) -> None:
    user_files(isolated_home)
    history = isolated_home / "history"
    served = MoomApp(
        Simulation(load_preset("classic-leak"), profile=SERVED), paused=True, history_path=history
    )
    await run(served)
    assert served.served
    assert served.history.lines == ["lsmod"]
    assert not history.exists()
    assert "vga" in served.moom_themes and "mine" not in served.moom_themes
    assert "mine" not in [key for key, _, _ in served.presets()]

    local = MoomApp(Simulation(load_preset("classic-leak")), paused=True, history_path=history)
    await run(local)
    assert history.read_text() == "lsmod\n"
    assert "mine" in local.moom_themes
    assert "mine" in [key for key, _, _ in local.presets()]
