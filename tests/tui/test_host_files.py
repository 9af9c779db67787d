"""Host files two screens share: the history and the scores file.

Two screens of the same user may be open at once, each with the history and the scores file
of ``$XDG_DATA_HOME/moomtui``. Neither may lose what the other wrote: appends and trims of
the history, and the bests of the scores file, go through the file's lock
(:func:`moomtui.userfiles.locked`). A scores file that is not moomtui's — of any shape — is
one warning line when the screen starts, and the screen runs.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from moomtui.tui import history as history_module
from moomtui.tui.app import MoomApp
from moomtui.tui.history import History


def test_a_trim_keeps_the_lines_another_screen_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "TRIM_AT", 12)
    monkeypatch.setattr(history_module, "KEEP", 6)
    path = tmp_path / "history"
    first, second = History(path), History(path)
    typed = []
    for i in range(30):
        for who, history in (("first", first), ("second", second)):
            typed.append(f"{who} {i}")
            history.add(typed[-1])
    # Each has trimmed the file more than once: what is left is the newest lines of both.
    lines = path.read_text().splitlines()
    assert len(lines) >= 6 and lines == typed[-len(lines) :]


WRITER = """
import sys, time
from pathlib import Path
from moomtui.tui import history

history.TRIM_AT, history.KEEP = 60, 30
path, me, other, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
(path.parent / me).touch()
while not (path.parent / other).exists():  # both start together
    time.sleep(0.001)
lines = history.History(path)
for i in range(count):
    lines.add(f"{me} {i}")
sys.exit(lines.take_warning())
"""


def test_two_processes_appending_and_trimming_lose_no_newest_line(tmp_path: Path) -> None:
    """Two processes append and trim at once, through the file's lock: each writer's lines
    in the file are its newest ones, in order, with no gap (a line appended while another
    trims is not lost) and no error. How the two interleave is up to the scheduler; the
    interleaving that lost lines before the lock is shown deterministically above."""
    path = tmp_path / "history"
    count = 200
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), me, other, str(count)])
        for me, other in (("a", "b"), ("b", "a"))
    ]
    assert [writer.wait() for writer in writers] == [0, 0]
    lines = path.read_text().splitlines()
    assert 30 <= len(lines) <= 2 * 60
    assert lines[-1] in ("a 199", "b 199")
    for me in ("a", "b"):  # one writer's lines may all be gone if it finished long before
        mine = [int(line.split()[1]) for line in lines if line.split()[0] == me]
        assert mine == list(range(count - len(mine), count))
    assert not list(tmp_path.glob(".*tmp"))


async def test_a_scores_file_of_brackets_is_one_warning_and_the_screen_starts(
    make_app: Callable[..., MoomApp], isolated_home: Path
) -> None:
    """A 30 KB ``scores.json`` of ``[`` stopped the screen at start (RecursionError, exit 70)."""
    scores = isolated_home / "data" / "moomtui" / "scores.json"
    scores.parent.mkdir(parents=True)
    scores.write_text("[" * 30000)
    app = make_app()
    told: list[str] = []
    app.notify = lambda message, **kwargs: told.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.internal_error is None and app.frames > 0
    assert told == [
        f"{scores}: not a scores file moomtui wrote (not JSON): "
        "best scores are kept for this session only"
    ]
    assert scores.read_text() == "[" * 30000
