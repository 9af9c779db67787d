"""The player's best scores: a small JSON file moomtui writes, and nothing else it writes over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.game import ScoreBook, ScoreResult, default_scores_path
from moomtui.game.scores import MAX_SCORES_FILE


def work_lost(value: float) -> ScoreResult:
    return ScoreResult("work_lost", value, 10.0)


def test_the_file_is_under_the_users_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/somewhere/data")
    assert default_scores_path() == Path("/somewhere/data/moomtui/scores.json")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_scores_path() == Path.home() / ".local/share/moomtui/scores.json"


def test_a_first_win_creates_the_file_and_the_next_session_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "moomtui" / "scores.json"
    book = ScoreBook(path)
    assert book.best_for("fork-bomb", "work_lost") is None and not path.exists()
    recorded = book.record("fork-bomb", work_lost(4.2))
    assert (recorded.previous, recorded.new_best) == (None, True)
    doc = json.loads(path.read_text())
    assert doc == {
        "moomtui": "scores",
        "version": 1,
        "best": {"fork-bomb": {"by": "work_lost", "best": 4.2}},
    }
    again = ScoreBook(path)
    assert again.best_for("fork-bomb", "work_lost") == 4.2
    assert again.best_for("fork-bomb", "kills") is None  # another criterion: another game
    assert not list(path.parent.glob(".*tmp"))  # no temporary file left behind


def test_only_a_better_score_replaces_the_best(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    book = ScoreBook(path)
    book.record("fork-bomb", work_lost(4.2))
    assert not book.record("fork-bomb", work_lost(5.0)).new_best
    assert not book.record("fork-bomb", work_lost(4.2)).new_best
    better = book.record("fork-bomb", work_lost(3.3))
    assert (better.previous, better.new_best) == (4.2, True)
    higher = ScoreResult("mem_per_kill", 7000.0, 6144.0)  # higher is better
    book.record("ha-failover", higher)
    assert book.record("ha-failover", ScoreResult("mem_per_kill", 7100.0, 6144.0)).new_best
    assert ScoreBook(path).best == {
        "fork-bomb": {"by": "work_lost", "best": 3.3},
        "ha-failover": {"by": "mem_per_kill", "best": 7100.0},
    }


@pytest.mark.parametrize(
    "content",
    ["my own notes\n", '{"best": {}}\n', '{"moomtui": "history"}\n', "[1, 2]\n"],
)
def test_a_file_moomtui_did_not_write_is_never_written_over(tmp_path: Path, content: str) -> None:
    path = tmp_path / "scores.json"
    path.write_text(content)
    book = ScoreBook(path)
    warning = book.take_warning()
    assert warning is not None and str(path) in warning and "this session only" in warning
    assert book.record("fork-bomb", work_lost(1.0)).new_best  # kept in memory
    assert book.best_for("fork-bomb", "work_lost") == 1.0
    assert path.read_text() == content


def test_what_is_not_a_regular_file_is_neither_read_nor_written(tmp_path: Path) -> None:
    fifo = tmp_path / "scores.json"
    os.mkfifo(fifo)
    book = ScoreBook(fifo)  # would block on open without O_NONBLOCK
    assert "not a regular file (a FIFO)" in (book.take_warning() or "")
    book.record("fork-bomb", work_lost(1.0))
    assert fifo.is_fifo()


def test_a_file_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    path.write_text('{"moomtui": "scores", "pad": "' + "x" * MAX_SCORES_FILE + '"}')
    book = ScoreBook(path)
    assert "larger than 64 KiB" in (book.take_warning() or "")
    size = path.stat().st_size
    book.record("fork-bomb", work_lost(1.0))
    assert path.stat().st_size == size


def test_bad_entries_of_our_own_file_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    best = {
        "ok": {"by": "kills", "best": 3},
        "unknown criterion": {"by": "fun", "best": 1},
        "not a number": {"by": "kills", "best": "many"},
        "a bool": {"by": "kills", "best": True},
        "not a table": 7,
    }
    path.write_text(json.dumps({"moomtui": "scores", "version": 1, "best": best}))
    book = ScoreBook(path)
    assert book.take_warning() is None
    assert book.best == {"ok": {"by": "kills", "best": 3.0}}


def test_a_symbolic_link_to_the_file_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.json"
    real.write_text('{"moomtui": "scores", "version": 1, "best": {}}')
    link = tmp_path / "scores.json"
    link.symlink_to(real)
    ScoreBook(link).record("fork-bomb", work_lost(2.0))
    assert link.is_symlink() and json.loads(real.read_text())["best"]["fork-bomb"]["best"] == 2.0


def test_a_file_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    book = ScoreBook(path)
    path.write_text("someone else's\n")
    assert book.record("fork-bomb", work_lost(1.0)).new_best
    assert path.read_text() == "someone else's\n"
    assert "not a scores file moomtui wrote" in (book.take_warning() or "")


def test_a_served_session_keeps_its_scores_in_memory_only(tmp_path: Path) -> None:
    book = ScoreBook(None)
    book.record("fork-bomb", work_lost(1.0))
    assert book.best_for("fork-bomb", "work_lost") == 1.0 and book.take_warning() is None


@pytest.mark.parametrize(
    "content",
    [
        "[" * 30000,  # nested deeper than the parser's stack
        '{"moomtui": "scores", "best": ' + "[" * 30000 + "]" * 30000 + "}",
        '{"moomtui": "scores", "best": {"a": {"by": "kills", "best": 1' + "0" * 5000 + "}}}",
        "1" + "0" * 5000,
        '"scores"',
        '{"moomtui": ["scores"]}',
        "\x00\xff",
    ],
    ids=["brackets", "deep best", "long number", "long top", "string", "list mark", "controls"],
)
def test_a_corrupt_file_of_any_shape_is_one_warning_and_kept(tmp_path: Path, content: str) -> None:
    path = tmp_path / "scores.json"
    path.write_text(content)
    book = ScoreBook(path)
    warning = book.take_warning()
    assert warning is not None and "\n" not in warning and str(path) in warning
    assert warning.endswith("best scores are kept for this session only")
    assert book.record("fork-bomb", work_lost(1.0)).new_best
    assert path.read_text() == content  # never written over
    assert book.take_warning() is None  # told once


def test_entries_of_our_file_with_absurd_numbers_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    path.write_text(
        '{"moomtui": "scores", "best": {"huge": {"by": "kills", "best": 1' + "0" * 400 + "},"
        ' "inf": {"by": "kills", "best": 1e999}, "nan": {"by": "kills", "best": NaN},'
        ' "list": {"by": ["kills"], "best": 1}, "ok": {"by": "kills", "best": 2}}}'
    )
    book = ScoreBook(path)
    assert book.take_warning() is None
    assert book.best == {"ok": {"by": "kills", "best": 2.0}}


def test_two_books_on_one_file_merge_their_bests(tmp_path: Path) -> None:
    """Two screens open at once: each records its wins; the file keeps both, and the better
    of two bests of the same game."""
    path = tmp_path / "scores.json"
    first, second = ScoreBook(path), ScoreBook(path)
    first.record("fork-bomb", work_lost(4.0))
    second.record("swap-trap", work_lost(2.0))
    assert ScoreBook(path).best == {
        "fork-bomb": {"by": "work_lost", "best": 4.0},
        "swap-trap": {"by": "work_lost", "best": 2.0},
    }
    worse = second.record("fork-bomb", work_lost(5.0))  # the other screen's 4.0 stands
    assert (worse.previous, worse.new_best) == (4.0, False)
    better = first.record("swap-trap", work_lost(1.0))
    assert (better.previous, better.new_best) == (2.0, True)
    assert ScoreBook(path).best == {
        "fork-bomb": {"by": "work_lost", "best": 4.0},
        "swap-trap": {"by": "work_lost", "best": 1.0},
    }


WRITER = """
import sys, time
from pathlib import Path
from moomtui.game import ScoreBook, ScoreResult

path, me, other, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
(path.parent / me).touch()
while not (path.parent / other).exists():  # both start together
    time.sleep(0.001)
book = ScoreBook(path)
for i in range(count):
    book.record(f"{me}-{i}", ScoreResult("work_lost", float(i), 10.0))
    shared = float(count - i) + (0.5 if me == "a" else 0.0)
    book.record("shared", ScoreResult("work_lost", shared, 10.0))
warning = book.take_warning()
sys.exit(warning)
"""


def test_two_processes_writing_at_once_lose_no_best(tmp_path: Path) -> None:
    path = tmp_path / "moomtui" / "scores.json"
    path.parent.mkdir()
    count = 40
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), me, other, str(count)])
        for me, other in (("a", "b"), ("b", "a"))
    ]
    assert [writer.wait() for writer in writers] == [0, 0]
    best = ScoreBook(path).best
    assert best.pop("shared") == {"by": "work_lost", "best": 1.0}  # b's last, the lowest
    assert best == {
        f"{me}-{i}": {"by": "work_lost", "best": float(i)} for me in "ab" for i in range(count)
    }
    assert not list(path.parent.glob(".*tmp"))
