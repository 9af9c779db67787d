"""Regenerate docs/screenshot.svg: the default preset a minute in, after the first kills.

python docs/screenshot.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moomtui.presets import DEFAULT_PRESET, load_preset  # noqa: E402
from moomtui.sim import Simulation  # noqa: E402
from moomtui.tui.app import MoomApp  # noqa: E402


async def main() -> None:
    sim = Simulation(load_preset(DEFAULT_PRESET))
    sim.run_for(75 * 100)
    app = MoomApp(sim, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        app.save_screenshot(filename="screenshot.svg", path=str(ROOT / "docs"))


if __name__ == "__main__":
    asyncio.run(main())
