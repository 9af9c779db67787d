"""Rewind: what going back costs on a long run, and what the record costs meanwhile.

    python bench/rewind.py [--minutes 10] [--repeat 3] [--preset bench] [--no-checkpoints]

Plays the ``bench`` preset (1,000 tasks, OOM kills happening) for ``--minutes`` of run time
as the screen's game does, with a few commands on the way (a policy loaded, a sysctl
changed, a module unloaded), then times ``rewind 5s`` and ``rewind 5m`` at the end — each
from a copy of the run played to the end again, so each starts from the same place — and
checks that each rewound machine is the machine a fresh run gives at that moment (the
``run --json`` state, byte for byte). ``--no-checkpoints``: each rewind also without
checkpoints (replayed from the start of the run), in turn with the other. Prints the wall
time of each rewind (the best and the median of ``--repeat``, and the least CPU time), the
run time it replayed and from where, the checkpoints kept, and the time it took to play the
run in the first place (without checkpoints, ``rewind 5s`` costs about what playing the run
to five seconds before its end cost).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moomtui.game.play import Game
from moomtui.headless import snapshot
from moomtui.kernel.constants import HZ
from moomtui.presets import load_preset
from moomtui.sim import Simulation

COMMANDS = (
    (60, "insmod oom_kill_parent"),
    (150, "sysctl -w vm.oom.oom_parent_max=5"),
    (240, "rmmod oom_kill"),
)
"""(seconds of run time, line): the player's commands on the way."""


def play(preset: str, minutes: int, checkpoints: bool = True) -> tuple[Game, float]:
    """The run played to its end as the screen plays it (commands at the console)."""
    sim = Simulation(load_preset(preset))
    game = Game(sim)
    game.checkpoints.automatic = checkpoints
    game.begin()
    game.sandbox = True  # a game's end does not stop the bench
    start = time.perf_counter()
    for at, line in COMMANDS:
        if at * HZ < minutes * 60 * HZ:
            game.run_for(at * HZ - sim.run_time)
            sim.execute(line)
    game.run_for(minutes * 60 * HZ - sim.run_time)
    return game, time.perf_counter() - start


def fresh_state(preset: str, until: int) -> str:
    sim = Simulation(load_preset(preset))
    for at, line in COMMANDS:
        if at * HZ <= until:
            sim.run_for(at * HZ - sim.run_time)
            sim.execute(line)
    sim.run_for(until - sim.run_time)
    return json.dumps(snapshot(sim.kernel), sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--preset", default="bench")
    parser.add_argument(
        "--no-checkpoints", action="store_true", help="also without checkpoints (from the start)"
    )
    args = parser.parse_args()
    end = args.minutes * 60 * HZ
    played = []
    ways = [(True, "5s"), (True, "5m")]
    if args.no_checkpoints:
        ways = [(False, "5s"), (True, "5s"), (False, "5m"), (True, "5m")]
    for checkpoints, back in ways:
        walls, cpus = [], []
        for _ in range(args.repeat):
            game, wall = play(args.preset, args.minutes, checkpoints)
            played.append(wall)
            cpu = time.process_time()
            answer = game.sim.execute(f"rewind {back}")
            cpus.append(time.process_time() - cpu)
            assert answer.status == 0, answer.output
            assert game.last_replay is not None
            walls.append(game.last_replay.wall)
            since = game.last_replay.since
            kept, size = len(game.checkpoints.kept), game.checkpoints.size
        until = game.sim.run_time
        same = json.dumps(snapshot(game.sim.kernel), sort_keys=True) == fresh_state(
            args.preset, until
        )
        print(
            f"rewind {back} at {end // HZ // 60} min: best {min(walls):.3f} s, median "
            f"{statistics.median(walls):.3f} s of {args.repeat}, CPU {min(cpus):.3f} s "
            f"(replayed {(until - since) / HZ:.1f} s of run time from "
            f"{'the start' if not since else f'a checkpoint at {since / HZ:.1f} s'}; "
            f"{len(game.sim.kernel.tasks)} tasks; {kept} checkpoints, {size // 1024} KiB; "
            f"same as a fresh run: {same})"
        )
    print(
        f"playing the {args.minutes}-minute run in the first place: best {min(played):.3f} s, "
        f"median {statistics.median(played):.3f} s"
    )


if __name__ == "__main__":
    main()
