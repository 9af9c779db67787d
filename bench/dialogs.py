"""What a key that opens a dialog costs: the CPU time from the key to the dialog drawn.

The app is built as ``moomtui`` builds it (the default preset, the clock paused) and run
headless (``App.run_test``) at each size; each key is pressed on a fresh app, after its
first frame, and the process's CPU time (``time.process_time()``) is read around the key
and the pause that lets the screen draw what it opened. A key's cost is its best of
``--repeat`` fresh apps (the first app of the process is not counted: it imports and
parses what every later one finds ready).

* ``?``: help (the text, the keys as bound, htop's clashes, the task columns);
* ``k``: the signal chooser (31 signals);
* ``ctrl+p``: the command palette (console commands, presets, themes);
* ``p``: the preset picker; ``g``: the goals and the score card; ``e``: why this victim
  (the selected task); ``y``: the history charts; ``f2``: the column chooser;
* ``:``: the console's prompt, for comparison (no dialog).

    python bench/dialogs.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moomtui.presets import DEFAULT_PRESET, load_preset  # noqa: E402
from moomtui.sim import Simulation  # noqa: E402
from moomtui.tui.app import MoomApp  # noqa: E402

KEYS = {
    "?": "question_mark",
    "k": "k",
    "ctrl+p": "ctrl+p",
    "p": "p",
    "g": "g",
    "e": "e",
    "y": "y",
    "f2": "f2",
    ":": "colon",
}
SIZES = ((120, 40), (80, 24))


async def cost(key: str, size: tuple[int, int], home: Path) -> float:
    """CPU seconds from ``key`` to what it opened, drawn, on a fresh app."""
    app = MoomApp(
        Simulation(load_preset(DEFAULT_PRESET)), paused=True, history_path=home / "history"
    )
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        start = time.process_time()
        await pilot.press(key)
        await pilot.pause()
        return time.process_time() - start


async def main(repeat: int) -> None:
    print(f"Python {platform.python_version()}, best of {repeat} fresh apps, CPU time")
    print()
    print("| key | " + " | ".join(f"{w}×{h}" for w, h in SIZES) + " |")
    print("|---|" + "---:|" * len(SIZES))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        await cost(":", SIZES[0], home)  # imports, the stylesheet's first parse
        for shown, key in KEYS.items():
            cells = []
            for size in SIZES:
                best = min([await cost(key, size, home) for _ in range(repeat)])
                cells.append(f"{best * 1000:.0f} ms")
            print(f"| `{shown}` | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(p.parse_args().repeat))
