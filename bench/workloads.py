"""Workloads the benchmarks write for themselves, next to the shipped presets.

``crisis_bomb(folder)`` writes ``fork-bomb-300ms.toml``: the shipped ``fork-bomb`` preset
with each copy forking every 300 ms instead of every 4 s — the pace the preset had when
issue 16 was measured (the game's version slowed it down so a newcomer can act). Under
``oom_score_adj`` it makes about a thousand OOM kills a simulated second: the far end of
the crisis, which the shipped preset no longer reaches.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CRISIS_INTERVAL = "300ms"


def crisis_bomb(folder: Path, root: Path = ROOT) -> Path:
    """presets/fork-bomb.toml with the bomb forking every 300 ms."""
    text = (root / "presets" / "fork-bomb.toml").read_text()
    pattern = r'args = \{ interval = "[^"]+"'
    text, n = re.subn(pattern, f'args = {{ interval = "{CRISIS_INTERVAL}"', text)
    assert n == 1, "the fork-bomb preset no longer has one bomb with an interval"
    path = folder / "fork-bomb-300ms.toml"
    path.write_text(text)
    return path
