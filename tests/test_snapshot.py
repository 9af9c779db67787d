"""A checkpoint's pickle made by a forked copy of the process (moomtui.game.snapshot): the
same bytes as one made in the process, kept once it is in, and a copy that fails or hangs
never stops the run."""

from __future__ import annotations

import os
import pickle
import time

import pytest

from moomtui.game import snapshot
from moomtui.game.checkpoint import Checkpoints
from moomtui.game.play import Game
from moomtui.kernel.constants import HZ
from moomtui.presets import load_shipped_preset
from moomtui.sim import Simulation

DUMPS = pickle.dumps


def game_at(seconds: int) -> Game:
    game = Game(Simulation(load_shipped_preset("leaky-apache")))
    game.checkpoints.automatic = False
    game.checkpoints.forks = True  # as on Linux (snapshot.FORKS); fork works on macOS too
    game.begin()
    game.run_for(seconds * HZ)
    return game


def test_a_forked_copys_pickle_is_the_bytes_the_process_makes_and_kept_once_in() -> None:
    game = game_at(20)
    game.checkpoint()  # in the process
    here = game.checkpoints.kept[-1]
    other = Checkpoints()
    other.forks = True
    game.checkpoints = other
    game.checkpoint(later=True)
    assert other.pending is not None and other.kept == []  # the run goes on meanwhile
    forked = other.pending[0]
    assert forked.pid != os.getpid() and forked.wait(20)
    other.collect()
    assert other.pending is None and len(other.kept) == 1
    kept = other.kept[0]
    assert (kept.run_time, kept.lines, kept.data) == (here.run_time, here.lines, here.data)
    assert other.cost > 0  # the copy's CPU time, which paces the next one
    with pytest.raises(ChildProcessError):
        os.waitpid(forked.pid, os.WNOHANG)  # reaped


def test_a_machine_the_copy_cannot_pickle_breaks_the_checkpoints_as_in_the_process() -> None:
    game = game_at(1)
    game.sim.kernel.unpicklable = lambda: None  # type: ignore[attr-defined]
    game.checkpoint(later=True)
    assert game.checkpoints.pending is not None
    assert game.checkpoints.pending[0].wait(20)
    game.checkpoints.collect()
    assert game.checkpoints.kept == [] and "pickle" in (game.checkpoints.broken or "")


def test_a_copy_that_hangs_is_killed_and_the_next_pickle_is_made_in_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    game = game_at(1)
    monkeypatch.setattr(snapshot, "LIMIT", 0.3)
    monkeypatch.setattr(pickle, "dumps", lambda *a, **k: time.sleep(60))
    game.checkpoint(later=True)
    forked = game.checkpoints.pending[0]  # type: ignore[index]
    assert forked.wait(20)
    assert forked.failed == "the pickle took more than 0.3 s" and forked.data is None
    monkeypatch.setattr(pickle, "dumps", DUMPS)
    game.checkpoints.collect()
    assert game.checkpoints.broken is None and not game.checkpoints.forks
    game.run_for(HZ)
    game.checkpoint(later=True)  # made here now, at once
    assert game.checkpoints.pending is None and len(game.checkpoints.kept) == 1


def test_a_rewind_past_a_pickle_being_made_drops_it() -> None:
    game = game_at(10)
    game.checkpoint(later=True)
    forked = game.checkpoints.pending[0]  # type: ignore[index]
    game.checkpoints.cut(5 * HZ)
    assert game.checkpoints.pending is None
    assert forked.wait(20)
    game.checkpoints.collect()
    assert game.checkpoints.kept == []
