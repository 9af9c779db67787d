"""``moomtui sweep``'s engines: runs a second against workers, and each engine's cost per run.

One sweep — PRESET under oom_kill and oom_kill_parent, ``--seeds`` seeds each, ``--length``
simulated per run — is run:

1. in this process, one run after another (:func:`moomtui.lab.runner.run_payload`): the
   simulation alone, no engine — the reference time of each run;
2. on the local engine with 1, 2 and ``os.cpu_count()`` worker processes;
3. on a Dask ``LocalCluster`` (``--engine dask``) with 1 and 2 workers, the cluster's start
   and stop timed apart (``distributed`` must be installed: ``pip install '.[cluster]'``).

For each it prints the wall time, runs a second, the speed-up over the simulation alone and
that speed-up per worker (the target: 0.8 × N on N workers), and the engine's cost per run:
(wall × workers − the simulation's own time) / runs, as a share of a mean run. Every engine's
cards must equal the reference's, or the bench fails.

    python bench/sweep.py [--preset leaky-apache] [--seeds 10] [--length 2m] [--no-dask]
                          [--repeat 2]

Each figure is the best of ``--repeat``.

On a shared machine another process holding a core lowers the speed-ups: run it quiet.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moomtui.kernel.units import parse_duration  # noqa: E402
from moomtui.lab import engines  # noqa: E402
from moomtui.lab.runner import run_payload  # noqa: E402
from moomtui.lab.spec import Config, Job, Sweep, SweepPreset  # noqa: E402
from moomtui.presets import read_preset  # noqa: E402


def build(preset: str, seeds: int, length: int) -> Sweep:
    source = read_preset(preset)
    base = source.load()
    ps = SweepPreset(preset, source, base, [], [base.spec.seed + i for i in range(seeds)])
    configs = [Config("oom_kill", ("oom_kill",)), Config("oom_kill_parent", ("oom_kill_parent",))]
    return Sweep("bench", [ps], configs, length)


def timed(engine: str, sweep: Sweep, workers: int) -> tuple[float, dict[int, dict]]:
    cards: dict[int, dict] = {}

    def keep(job: Job, result: dict, worker: str) -> None:
        cards[job.index] = result["card"]

    start = time.perf_counter()
    engines.run(engine, sweep.jobs(), sweep.count(), keep, workers)
    return time.perf_counter() - start, cards


def cluster_start_stop(workers: int) -> float:
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        Client(cluster),
    ):
        pass
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="leaky-apache")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--length", default="2m")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--repeat", type=int, default=2, help="best of N of each")
    args = parser.parse_args()
    sweep = build(args.preset, args.seeds, parse_duration(args.length))
    cores = os.cpu_count() or 1
    runs = sweep.count()
    print(
        f"python {platform.python_version()} on {platform.machine()}, {cores} cores: "
        f"{args.preset}, oom_kill and oom_kill_parent × {args.seeds} seeds = {runs} runs of "
        f"{args.length} simulated"
    )
    alone = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        reference = {job.index: run_payload(job.payload)["card"] for job in sweep.jobs()}
        alone = min(alone, time.perf_counter() - start)
    mean = alone / runs
    print(f"simulation alone, in this process: {alone:.2f} s, {mean * 1000:.1f} ms a run")
    print(
        f"{'engine':<22} {'wall':>7} {'runs/s':>7} {'speed-up':>9} {'per worker':>10} "
        f"{'cost/run':>9} {'of a run':>8}"
    )
    rows = [("local", n) for n in sorted({1, 2, cores})]
    if not args.no_dask:
        rows += [("dask", n) for n in sorted({1, 2})]
    for engine, workers in rows:
        busy = float("inf")
        for _ in range(args.repeat):
            wall, cards = timed(engine, sweep, workers)
            assert cards == reference, f"{engine} × {workers}: cards differ from the reference"
            setup = cluster_start_stop(workers) if engine == "dask" else 0.0
            busy = min(busy, wall - setup)
        speedup = alone / busy
        cost = max(busy * min(workers, cores) - alone, 0.0) / runs
        print(
            f"{engine + f' × {workers}':<22} {busy:>6.2f}s {runs / busy:>7.1f} "
            f"{speedup:>8.2f}× {speedup / workers:>10.2f} {cost * 1000:>7.1f}ms "
            f"{cost / mean:>7.1%}"
            + (f"   (+{setup:.1f} s cluster start and stop)" if setup else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
