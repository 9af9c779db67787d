"""Rewind: a run taken back is the run a fresh machine makes to that moment, and a new
command from there makes another future (moomtui.game.rewind)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from moomtui.game.play import Game
from moomtui.headless import RunOptions, run, snapshot
from moomtui.kernel.constants import HZ
from moomtui.presets import load_shipped_preset
from moomtui.sim import Simulation


def state(sim: Simulation) -> str:
    """The machine as ``run --json`` prints it, with the dice: byte for byte."""
    doc = snapshot(sim.kernel)
    doc["random"] = repr(sim.kernel.random.getstate())
    doc["events"] = sim.kernel.bus.count_by_kind()
    return json.dumps(doc, sort_keys=True)


def test_rewound_run_is_a_fresh_run_to_that_moment_and_a_new_command_another_future() -> None:
    scenario = load_shipped_preset("leaky-apache")
    played = Simulation(scenario)
    game = Game(played)
    game.checkpoints.automatic = False  # replayed from the start: the next test takes some
    game.begin()
    game.run_for(10 * HZ)
    played.execute("insmod oom_kill_parent")
    game.run_for(40 * HZ)
    before = state(played)
    assert "Killed process" in before  # the branch left had kills to forget

    assert played.execute("rewind 10s").output == (
        "rewind: back to 40s of the run (from 50s); replayed 40s from the start, 1 command(s)"
    )
    fresh = Simulation(scenario)
    fresh.run_for(10 * HZ)
    fresh.execute("insmod oom_kill_parent")
    fresh.run_for(30 * HZ)
    assert (played.elapsed, played.kernel.jiffies) == (40 * HZ, fresh.kernel.jiffies)
    assert state(played) == state(fresh)
    assert played.branches == [(40 * HZ, 50 * HZ)]

    # The same command from there: the same future as the fresh machine's ...
    for sim in (played, fresh):
        sim.execute("rmmod oom_kill")
    game.run_for(10 * HZ)
    fresh.run_for(10 * HZ)
    assert state(played) == state(fresh)
    # ... which is not the future the branch left had.
    assert state(played) != before
    assert game.tracker.now() == 50 * HZ  # the goals' clock went back with the run


def test_a_rewind_from_a_checkpoint_is_the_same_machine_and_keeps_the_earlier_ones() -> None:
    scenario = load_shipped_preset("leaky-apache")
    played = Simulation(scenario)
    game = Game(played)
    checkpoints = game.checkpoints
    checkpoints.automatic = False
    game.begin()
    game.run_for(10 * HZ)
    played.execute("insmod oom_kill_parent")
    for _ in range(4):  # checkpoints at 20, 30, 40 and 50 s
        game.run_for(10 * HZ)
        game.checkpoint()
    played.execute("sysctl -w vm.oom.oom_parent_max=3")
    game.run_for(5 * HZ)
    kills = list(game.kills.lines())

    answer = played.execute("rewind 12s").output  # to 43 s: from the checkpoint at 40 s
    assert answer.startswith("rewind: back to 43s of the run (from 55s); replayed 3s from a ")
    assert [c.run_time // HZ for c in checkpoints.kept] == [20, 30, 40]
    fresh = Simulation(scenario)
    fresh.run_for(10 * HZ)
    fresh.execute("insmod oom_kill_parent")
    fresh.run_for(33 * HZ)
    assert state(played) == state(fresh)
    assert kills and list(game.kills.lines()) == []  # the kill at 46.82 s is a future gone

    # The rewound run goes on as the fresh one does, the console's line included.
    for sim in (played, fresh):
        sim.execute("sysctl -w vm.oom.oom_parent_max=3")
    game.run_for(12 * HZ)
    fresh.run_for(12 * HZ)
    assert state(played) == state(fresh)
    assert "checkpoint(s)" in played.execute("rewind").output


def test_rewind_alone_tells_how_far_and_bad_durations_are_one_line() -> None:
    sim = Simulation(load_shipped_preset("classic-leak"))
    assert sim.execute("rewind 5s").output == (
        "rewind: this session keeps no record of its run to replay"
    )
    Game(sim).begin()
    sim.run_for(3 * HZ)
    about = sim.execute("rewind").output
    assert "rewind DURATION goes back at most 3s (to the start of the run)" in about
    assert "a rewind replays the run from its start" in about
    for line, error in (
        ("rewind 5s", "rewind: 5s: this run began 3s ago (rewind goes back to its start at most)"),
        ("rewind soon", "rewind: soon: expected a duration like"),
    ):
        result = sim.execute(line)
        assert result.status != 0 and result.output.startswith(error), result.output
        assert "\n" not in result.output


def test_a_scripts_rewind_ends_where_the_branch_alone_would(tmp_path: Path) -> None:
    """Headless: ``30s rewind 5s`` then ``31s rmmod`` gives the run of the script without
    the abandoned five seconds — the same machine, goals, score and event counts."""
    runs = {}
    for name, lines in (
        ("rewound", ["10s insmod oom_kill_parent", "30s rewind 5s", "31s rmmod oom_kill"]),
        ("straight", ["10s insmod oom_kill_parent", "31s rmmod oom_kill"]),
    ):
        script = tmp_path / name
        script.write_text("\n".join(lines) + "\n")
        out = io.StringIO()
        run(RunOptions("leaky-apache", duration=45 * HZ, script=script, as_json=True), out)
        runs[name] = json.loads(out.getvalue())
    rewound, straight = runs["rewound"], runs["straight"]
    assert [c["run"] for c in rewound.pop("commands")][1] == "rewind 5s"
    straight.pop("commands")
    assert rewound == straight


def test_under_a_data_limit_the_checkpoints_hold_an_eighth_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A served session's memory share (RLIMIT_DATA, 64 MiB at least): the checkpoints must
    never be what makes it run out; past their budget the oldest go, the newest stays."""
    from moomtui.game import checkpoint

    monkeypatch.setattr(checkpoint.resource, "getrlimit", lambda kind: (80 << 20, 80 << 20))
    assert checkpoint.budget() == 10 << 20
    monkeypatch.setattr(
        checkpoint.resource, "getrlimit", lambda kind: (checkpoint.resource.RLIM_INFINITY,) * 2
    )
    assert checkpoint.budget() == checkpoint.MAX_BYTES

    sim = Simulation(load_shipped_preset("leaky-apache"))
    game = Game(sim)
    game.checkpoints = checkpoints = checkpoint.Checkpoints(max_bytes=1)
    checkpoints.automatic = False
    game.begin()
    for _ in range(3):
        game.run_for(5 * HZ)
        game.checkpoint()
    assert [c.run_time // HZ for c in checkpoints.kept] == [15]


def test_a_rewound_game_s_win_is_not_kept_as_a_best() -> None:
    """fork-bomb won by renice 19 on the first bomb: a clean win is kept; the same win after
    a rewind is not (the player saw the future), and a replay starts a clean game."""
    for rewound in (False, True):
        game = Game(Simulation(load_shipped_preset("fork-bomb")))
        game.begin()
        game.run_for(2 * HZ)
        if rewound:
            game.sim.execute("rewind 1s")
        game.sim.execute("renice 19 9")
        while not game.ended:
            game.run_for(5 * HZ)
        assert game.tracker.won and game.rewound is rewound
        assert (game.score_to_keep() is None) is rewound
    game.replay()
    assert not game.rewound
