"""``moomtui sweep``'s engines: runs a second against workers, and each engine's cost per run.

One sweep — PRESET under oom_kill and oom_kill_parent, ``--seeds`` seeds each, ``--length``
simulated per run — is run, ``--repeat`` rounds, each round in this order:

1. in this process, one run after another (:func:`moomtui.lab.runner.run_payload`): the
   simulation alone, no engine — the reference;
2. on the local engine with 1, 2 and ``os.cpu_count()`` worker processes;
3. on a Dask ``LocalCluster`` of 1 and 2 workers (``distributed`` must be installed:
   ``pip install '.[cluster]'``), started as ``--engine dask`` starts it
   (:func:`moomtui.lab.engines.local_cluster`) and used through its scheduler's address as
   ``--scheduler`` uses one, so its start and stop are timed apart from the runs.

Each engine is set against the reference *of its own round*, a minute apart at most, so a
machine whose load changes over the bench does not favour the one measured in a quiet
moment. Per engine, the median over the rounds of:

- the wall time of the sweep, runs a second, the speed-up over the reference and that
  speed-up per worker (the target: 0.8 × N on N workers);
- **cost/run, wall**: (wall × workers − the reference's wall) / runs, as a share of a mean
  run — what the engine adds to a run, if nothing else uses the cores;
- **own CPU/run**: the CPU time of this process and of every worker during the sweep, less
  the CPU time the runs themselves took where they ran (each run measures its own thread's,
  :func:`measure_runs`), per run and as a share of a reference run's CPU time — the
  engine's own work: handing out jobs and taking results, Dask's scheduler, nannies and
  heartbeats. Counted in CPU time and apart from the runs, it changes far less with what
  else the machine runs than the wall time does: the measure to trust on a shared machine;
- **a run there**: a run's CPU time in the engine's workers against the reference's in this
  process (``+3 %``: slower there) — what the engine does to the runs themselves.

Every engine's cards must equal the reference's, or the bench fails.

    python bench/sweep.py [--preset leaky-apache] [--seeds 10] [--length 2m] [--no-dask]
                          [--repeat 3] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
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


def cpu() -> float:
    """CPU seconds of this process, of its children that ended, and of those still running
    (a Dask worker; psutil comes with distributed)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    gone = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = me.ru_utime + me.ru_stime + gone.ru_utime + gone.ru_stime
    try:
        import psutil
    except ModuleNotFoundError:
        return total
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


class Measure:
    def __init__(self, wall: float, cpu: float, setup: float = 0.0, runs: float = 0.0) -> None:
        self.wall, self.cpu, self.setup = wall, cpu, setup
        self.runs = runs
        """CPU seconds inside the runs themselves, measured where they ran."""


def measure_runs() -> None:
    """In a worker: each run also says the CPU time it took in its thread (``"cpu"``, beside
    its card), so the engine's own CPU is the rest."""
    from moomtui.lab import engines as where

    def timed_run(payload: object, run: Callable = where.run_payload) -> dict:
        start = time.thread_time()
        result = run(payload)
        return {**result, "cpu": time.thread_time() - start}

    if not getattr(where.run_payload, "measured", False):
        timed_run.measured = True  # type: ignore[attr-defined]
        where.run_payload = timed_run


def timed(run: Callable[[Callable[[Job, dict, str], None]], None]) -> tuple[Measure, dict]:
    cards: dict[int, dict] = {}
    inside = [0.0]

    def keep(job: Job, result: dict, worker: str) -> None:
        cards[job.index] = result["card"]
        inside[0] += result["cpu"]

    c0, t0 = cpu(), time.perf_counter()
    run(keep)
    return Measure(time.perf_counter() - t0, cpu() - c0, runs=inside[0]), cards


def reference(sweep: Sweep) -> tuple[Measure, dict]:
    c0, t0 = time.thread_time(), time.perf_counter()
    cards = {job.index: run_payload(job.payload)["card"] for job in sweep.jobs()}
    return Measure(time.perf_counter() - t0, time.thread_time() - c0), cards


def local(sweep: Sweep, workers: int) -> tuple[Measure, dict]:
    measure_runs()  # the workers fork from this process
    return timed(lambda keep: engines.run_local(sweep.jobs(), sweep.count(), keep, workers))


def dask(sweep: Sweep, workers: int) -> tuple[Measure, dict]:
    """The cluster started and the client connected before the clock starts (both timed
    apart, with the stop): what a sweep on a running cluster costs."""
    from distributed import Client

    start = time.perf_counter()
    with engines.local_cluster(workers) as cluster, Client(cluster) as client:
        client.run(measure_runs)
        setup = time.perf_counter() - start
        measure, cards = timed(
            lambda keep: engines.run_on(client, sweep.jobs(), sweep.count(), keep, workers)
        )
        start = time.perf_counter()
    measure.setup = setup + time.perf_counter() - start
    return measure, cards


def digest(cards: dict) -> str:
    return hashlib.sha256(json.dumps(cards, sort_keys=True).encode()).hexdigest()


def child(args: argparse.Namespace) -> int:
    """One engine's measure, in a process of its own (``--child ENGINE:N``): it starts with
    no thread, as ``moomtui sweep`` does, so the local engine forks its workers, and no
    engine finds the reference's preset cache warm or another engine's threads."""
    engine, _, n = args.child.partition(":")
    sweep = build(args.preset, args.seeds, parse_duration(args.length))
    measure, cards = (local if engine == "local" else dask)(sweep, int(n))
    doc = {"wall": measure.wall, "cpu": measure.cpu, "setup": measure.setup, "runs": measure.runs}
    print(json.dumps({**doc, "digest": digest(cards)}))
    return 0


def in_child(args: argparse.Namespace, engine: str, workers: int) -> tuple[Measure, str]:
    command = [sys.executable, __file__, "--child", f"{engine}:{workers}"]
    command += ["--preset", args.preset, "--seeds", str(args.seeds), "--length", args.length]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    doc = json.loads(done.stdout.strip().splitlines()[-1])
    return Measure(doc["wall"], doc["cpu"], doc["setup"], doc["runs"]), doc["digest"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="leaky-apache")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--length", default="2m")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-local", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (the median is shown)")
    parser.add_argument("--workers", help="worker counts, e.g. 1,2 (default 1, 2, cores)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    sweep = build(args.preset, args.seeds, parse_duration(args.length))
    cores = os.cpu_count() or 1
    runs = sweep.count()
    counts = (
        sorted({int(n) for n in args.workers.split(",")}) if args.workers else sorted({1, 2, cores})
    )
    print(
        f"python {platform.python_version()} on {platform.machine()}, {cores} cores: "
        f"{args.preset}, oom_kill and oom_kill_parent × {args.seeds} seeds = {runs} runs of "
        f"{args.length} simulated; {args.repeat} rounds"
    )
    rows: list[tuple[str, str, int]] = []
    if not args.no_local:
        rows += [(f"local × {n}", "local", n) for n in counts]
    if not args.no_dask:
        rows += [(f"dask × {n}", "dask", n) for n in counts if n <= 2]
    refs: list[Measure] = []
    got: dict[str, list[Measure]] = {name: [] for name, _, _ in rows}
    for round_ in range(args.repeat):
        ref, expected = reference(sweep)
        refs.append(ref)
        line = [f"round {round_ + 1}: reference {ref.wall:.2f}s"]
        for name, engine, n in rows:
            measure, cards = in_child(args, engine, n)
            assert cards == digest(expected), f"{name}: cards differ from the reference"
            got[name].append(measure)
            line.append(f"{name} {measure.wall:.2f}s")
        line.append(f"load {os.getloadavg()[0]:.1f}")
        print(", ".join(line), flush=True)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    mean = med([r.wall for r in refs]) / runs
    mean_cpu = med([r.cpu for r in refs]) / runs
    print(
        f"reference, in this process: {mean * runs:.2f} s wall, {mean * 1000:.1f} ms a run; "
        f"{mean_cpu * 1000:.1f} ms of CPU a run"
    )
    print(
        f"{'engine':<11} {'wall':>7} {'runs/s':>7} {'speed-up':>9} {'per worker':>10} "
        f"{'cost/run, wall':>15} {'own CPU/run':>15} {'a run there':>12}  start+stop"
    )
    for name, _, n in rows:
        ms = got[name]
        pairs = list(zip(refs, ms, strict=True))
        busy = med([m.wall for m in ms])
        speedup = med([r.wall / m.wall for r, m in pairs])
        wall_cost = med([max(m.wall * min(n, cores) - r.wall, 0.0) / runs for r, m in pairs])
        own = med([(m.cpu - m.runs) / runs for m in ms])
        there = med([m.runs / r.cpu - 1 for r, m in pairs])
        setup = med([m.setup for m in ms])
        print(
            f"{name:<11} {busy:>6.2f}s {runs / busy:>7.1f} {speedup:>8.2f}× {speedup / n:>10.2f} "
            f"{wall_cost * 1000:>6.1f}ms {wall_cost / mean:>6.1%} "
            f"{own * 1000:>6.1f}ms {own / mean_cpu:>6.1%} {there:>+11.1%}"
            + (f"  {setup:.2f}s" if setup else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
