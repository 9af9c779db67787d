"""``moomtui compare``: one scenario under several OOM policies, scored side by side.

A *configuration* is ``none`` (no policy at all), one module (``oom_kill``) or several
joined by ``+`` (``oom_kill+oom_kill_parent``). Each runs the preset with every Kconfig
option set to ``m`` and exactly its modules loaded at boot (a module the preset itself loads
keeps the preset's parameters, e.g. ``oom_kill_parent oom_parent_max=5``), over N seeds (the
preset's seed, +1, +2 …). The runs are independent headless simulations, so they go in
parallel across the CPU cores; each returns its score card (:mod:`moomtui.game`) as plain
data, and the table is built from the results sorted by configuration and seed, the same
whatever order the processes finish in.

The point is to make visible that the right policy depends on the workload: kill-parent
ends a prefork leak that the classic killer only feeds, oom_panic is what an HA node wants,
no policy at all livelocks.

Ctrl+C stops everything at once: the workers ignore SIGINT, and the main process, on its
``KeyboardInterrupt``, terminates them (``Pool.terminate``) rather than waiting for the runs
in progress; the command exits with status 130. ``--seeds`` (at most :data:`MAX_SEEDS`) and
``--jobs`` (at most :data:`MAX_JOBS`) are bounded.

On a terminal the tables are drawn by Rich, in colour: the one output of moomtui styled on
purpose, written to the terminal itself (:func:`moomtui.text.styled`); what comes from the
preset in it (its name) is shown with :func:`moomtui.text.visible` and never read as markup.
"""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import signal
import statistics
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import IO, TYPE_CHECKING, Any

from .game import CRITERIA, Criterion, ScoreCard, Scorer, Tracked
from .kernel.constants import HZ
from .kernel.kconfig import KCONFIG_OPTIONS
from .kernel.units import format_duration
from .output import output_width, versioned
from .presets import PresetError, PresetSource, Scenario, load_preset, read_preset
from .sim import Simulation
from .text import styled, visible

if TYPE_CHECKING:
    from rich.table import Table

BASE_CONFIGS = ("none", "oom_panic", "oom_kill", "oom_kill_parent", "oom_kill+oom_kill_parent")
EXTRA_POLICIES = ("oom_kill_allocating", "oom_score_adj", "earlyoom")
"""Added to the default set when the module registry has them."""

DEFAULT_SEEDS = 4
MAX_SEEDS = 1000
"""``--seeds`` at most: a thousand runs per configuration."""
MAX_JOBS = 64
"""``--jobs`` at most."""
FIELDS = (
    *(c.key for c in CRITERIA),
    *(f.name for f in fields(ScoreCard) if f.name not in {c.key for c in CRITERIA} | {"duration"}),
)
"""The score card's fields as compare reports them: the ranked criteria first."""


class CompareError(Exception):
    """A bad ``compare`` argument; the message is one line."""


@dataclass
class CompareOptions:
    preset: str
    policies: str | None = None
    seeds: int = DEFAULT_SEEDS
    duration: int | None = None
    as_json: bool = False
    as_csv: bool = False
    jobs: int | None = None
    """Worker processes; None: one per CPU core."""
    width: int | None = None
    """Columns for the table; None: :func:`moomtui.output.output_width` — the terminal's,
    or piped ``COLUMNS`` if set, else 80."""


# ============================================================================ configurations
def registry() -> dict[str, Any]:
    from .modules import REGISTRY

    return dict(REGISTRY)


def default_configs() -> list[str]:
    known = registry()
    return [*BASE_CONFIGS, *(name for name in EXTRA_POLICIES if name in known)]


def parse_configs(text: str | None) -> list[str]:
    """``"none,oom_kill,oom_kill+oom_kill_parent"`` → the configurations, checked."""
    if text is None:
        return default_configs()
    known = registry()
    configs: list[str] = []
    for raw in text.split(","):
        config = raw.strip()
        if not config:
            raise CompareError(f"--policies: empty configuration in {text!r}")
        if config != "none":
            names = config.split("+")
            for name in names:
                if name not in known:
                    raise CompareError(
                        f"--policies: {name or '(empty)'}: no such policy "
                        f"(known: none, {', '.join(known)}; join several with +)"
                    )
            if len(set(names)) != len(names):
                raise CompareError(f"--policies: {config}: a module can be loaded only once")
        if config not in configs:
            configs.append(config)
    return configs


def config_modules(config: str) -> list[str]:
    return [] if config == "none" else config.split("+")


def configure(preset: str | PresetSource, config: str, base: Scenario) -> Scenario:
    """The preset (a name, a path, or its text as read) with every Kconfig option ``m``
    and exactly ``config``'s modules loaded."""
    own = {line.split()[0]: line for line in base.spec.modules}
    modules = [own.get(name, name) for name in config_modules(config)]
    kconfig = ", ".join(f'{option} = "m"' for option in KCONFIG_OPTIONS)
    overrides = [f"kernel.config={{{kconfig}}}", f"kernel.modules={json.dumps(modules)}"]
    try:
        if isinstance(preset, PresetSource):
            return preset.load(overrides=overrides)
        return load_preset(preset, overrides=overrides)
    except PresetError as err:
        raise CompareError(f"{config}: {err}") from None


# ============================================================================ the runs
def run_one(scenario: Scenario, seed: int, duration: int) -> dict[str, Any]:
    """One headless run; its score card as plain data (this runs in a worker process)."""
    sim = Simulation(scenario, seed=seed)
    scorer = Scorer(sim.kernel)
    sim.kernel.bus.subscribe(scorer)
    tracked = Tracked(sim, scorer)
    tracked.run_for(duration)
    tracked.finish()
    return scorer.card().to_dict()


def _ignore_sigint() -> None:
    """A worker leaves Ctrl+C to the main process, which terminates it.

    The worker was started with SIGINT blocked (:func:`_sigint_blocked`): a Ctrl+C during
    its start waits until it ignores the signal, instead of raising KeyboardInterrupt in a
    worker that has not yet said it ignores it (a traceback on the terminal)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread while the workers start (they inherit the mask);
    a Ctrl+C meanwhile is delivered when the block ends, to the main process."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _run_job(job: tuple[str, int, Scenario, int]) -> tuple[tuple[str, int], dict[str, Any]]:
    config, seed, scenario, duration = job
    return (config, seed), run_one(scenario, seed, duration)


def _context() -> Any:
    """How the workers start: the platform's default, unless this process has threads and
    that default is ``fork`` — a child forked beside other threads can inherit a lock one
    of them held, and wait on it for ever; ``forkserver`` (Python 3.14's default on Linux)
    forks from a process of its own, which has none."""
    context = multiprocessing.get_context()
    if context.get_start_method() == "fork" and _threads() > 1:
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload([__name__])  # each worker forked with moomtui loaded
        return server
    return context


def _threads() -> int:
    """This process's threads, those started outside :mod:`threading` too (Linux's
    ``/proc/self/task`` lists them all)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def run_all(
    jobs: list[tuple[str, int, Scenario]],
    duration: int,
    on_done: Callable[[], None] | None = None,
    workers: int | None = None,
) -> dict[tuple[str, int], dict[str, Any]]:
    """Every (configuration, seed) job, in parallel on ``workers`` processes (default: one
    per CPU core); results keyed by (configuration, seed).

    Whatever interrupts the wait — Ctrl+C, a failed run — terminates the workers at once.
    """
    results: dict[tuple[str, int], dict[str, Any]] = {}
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    with _sigint_blocked():
        pool = _context().Pool(workers, initializer=_ignore_sigint)
    try:
        work = [(config, seed, scenario, duration) for config, seed, scenario in jobs]
        for key, card in pool.imap_unordered(_run_job, work):
            results[key] = card
            if on_done is not None:
                on_done()
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return results


# ============================================================================ the summary
def _number(value: float) -> float | int:
    if isinstance(value, float):
        value = round(value, 4)
        return int(value) if value.is_integer() else value
    return value


def summarize(
    configs: list[str], seeds: list[int], results: dict[tuple[str, int], dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """{config: {field: {median, min, max}}}; None when no seed has a value."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for config in configs:
        row: dict[str, dict[str, Any]] = {}
        for name in FIELDS:
            values = [
                results[config, seed][name]
                for seed in seeds
                if results[config, seed][name] is not None
            ]
            if values:
                row[name] = {
                    "median": _number(statistics.median(values)),
                    "min": _number(min(values)),
                    "max": _number(max(values)),
                }
            else:
                row[name] = {"median": None, "min": None, "max": None}
        out[config] = row
    return out


def leaders(
    configs: list[str], summary: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, list[str]]:
    """Per criterion, the configurations with the best figures: the best median, then the
    best worst case (several when they tie). None when every configuration that has a
    figure shares it, since a criterion nobody differs on has no winner."""
    out: dict[str, list[str]] = {}
    for crit in CRITERIA:
        sign = 1 if crit.better == "low" else -1
        ranked: dict[str, tuple[float, float]] = {}
        for config in configs:
            s = summary[config][crit.key]
            if s["median"] is not None:
                worst = s["max"] if crit.better == "low" else s["min"]
                ranked[config] = (sign * s["median"], sign * worst)
        best = min(ranked.values(), default=None)
        top = [config for config, key in ranked.items() if key == best]
        out[crit.key] = [] if len(top) == len(ranked) > 1 else top
    return out


def winners(best: dict[str, list[str]]) -> dict[str, str | None]:
    """The winner per criterion: the one configuration with the best figures, else None."""
    return {key: top[0] if len(top) == 1 else None for key, top in best.items()}


def _range(crit: Criterion, low: float, high: float) -> str:
    """``29.6–30.0s``: the unit once, when both ends have it (``6.3–6.4M``)."""
    a, b = crit.fmt(low), crit.fmt(high)
    unit = b.lstrip("0123456789.-")
    if unit and a.endswith(unit) and a[: -len(unit)] and b[: -len(unit)]:
        a = a[: -len(unit)]
    return f"{a}–{b}"


def _cell(crit: Criterion, s: dict[str, Any], win: bool) -> tuple[str, str]:
    """A cell's two lines: the median (★ for a winner) and the min–max spread, if any."""
    if s["median"] is None:
        return "-", ""
    spread = "" if s["min"] == s["max"] else _range(crit, s["min"], s["max"])
    return ("★ " if win else "") + crit.fmt(s["median"]), spread


def _header(crit: Criterion) -> str:
    return f"{crit.title} {'↓' if crit.better == 'low' else '↑'}"


CELL_EDGE = 3
"""A column's padding (one space each side) and its border on the left."""


def _cell_width(
    crit: Criterion,
    configs: list[str],
    summary: dict[str, dict[str, dict[str, Any]]],
    best: dict[str, list[str]],
) -> int:
    """The widest line of a criterion's cells."""
    return max(
        len(line)
        for config in configs
        for line in _cell(crit, summary[config][crit.key], config in best[crit.key])
    )


def fit_criteria(
    configs: list[str],
    summary: dict[str, dict[str, dict[str, Any]]],
    best: dict[str, list[str]],
    width: int | None,
) -> list[list[Criterion]]:
    """The criteria in groups, each group one table that fits ``width`` columns beside the
    policy column (None: one table), so that no header wraps and no cell is cut: at 80
    columns the eleven criteria stack in three tables. A width too narrow for even one
    criterion gives it a table of its own."""
    if width is None:
        return [list(CRITERIA)]
    policy = max(len("policy"), *(len(c) for c in configs)) + CELL_EDGE
    groups: list[list[Criterion]] = [[]]
    used = policy + 1  # the table's right border
    for crit in CRITERIA:
        need = max(len(_header(crit)), _cell_width(crit, configs, summary, best)) + CELL_EDGE
        if groups[-1] and used + need > width:
            groups.append([])
            used = policy + 1
        groups[-1].append(crit)
        used += need
    return groups


def render_table(
    configs: list[str],
    summary: dict[str, dict[str, dict[str, Any]]],
    best: dict[str, list[str]],
    criteria: list[Criterion] | None = None,
) -> Table:
    """One table: a row per configuration, a column per criterion (all by default)."""
    from rich.table import Table
    from rich.text import Text

    shown = list(CRITERIA) if criteria is None else criteria
    table = Table()
    table.add_column("policy", style="bold", no_wrap=True)
    for crit in shown:
        table.add_column(_header(crit), justify="right")
    for config in configs:
        cells: list[Text | str] = [Text(visible(config))]
        for crit in shown:
            s = summary[config][crit.key]
            win = config in best[crit.key]
            median, spread = _cell(crit, s, win)
            if s["median"] is None:
                cells.append(Text(median, style="dim"))
                continue
            cell = Text(median, style="bold green" * win, no_wrap=True)
            if spread:
                cell.append(f"\n{spread}", style="dim")
            cells.append(cell)
        table.add_row(*cells)
    return table


# ============================================================================ the command
def compare(opts: CompareOptions, out: IO[str], err: IO[str] = sys.stderr) -> int:
    if not 1 <= opts.seeds <= MAX_SEEDS:
        raise CompareError(f"--seeds: expected a number from 1 to {MAX_SEEDS}, got {opts.seeds}")
    if opts.jobs is not None and not 1 <= opts.jobs <= MAX_JOBS:
        raise CompareError(f"--jobs: expected a number from 1 to {MAX_JOBS}, got {opts.jobs}")
    configs = parse_configs(opts.policies)
    source = read_preset(opts.preset, stdin=True)  # read once: it may be stdin (-)
    base = source.load()
    duration = base.length if opts.duration is None else opts.duration
    seeds = [base.spec.seed + i for i in range(opts.seeds)]
    scenarios = {config: configure(source, config, base) for config in configs}
    jobs = [(config, seed, scenarios[config]) for config in configs for seed in seeds]
    results = _run_with_progress(jobs, duration, err, opts.jobs)
    key = base.key or base.name
    if opts.as_csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["config", "seed", *FIELDS])
        for config in configs:
            for seed in seeds:
                card = results[config, seed]
                cells = ("" if card[name] is None else card[name] for name in FIELDS)
                writer.writerow([config, seed, *cells])
        return 0
    summary = summarize(configs, seeds, results)
    best = leaders(configs, summary)
    if opts.as_json:
        doc = {
            "preset": key,
            "seeds": seeds,
            "duration": round(duration / HZ, 2),
            "results": summary,
            "winners": winners(best),
        }
        out.write(json.dumps(versioned(doc), indent=2) + "\n")
        return 0
    from rich.console import Console

    width = opts.width if opts.width is not None else output_width(out)
    console = Console(file=styled(out), width=width)
    seed_range = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}…{seeds[-1]}"
    console.print(
        f"{visible(key)}: {format_duration(duration)}, {seed_range}", highlight=False, markup=False
    )
    for group in fit_criteria(configs, summary, best, console.width):
        console.print(render_table(configs, summary, best, group))
    console.print("median (min–max) over the seeds; ★ best per criterion", highlight=False)
    return 0


def _run_with_progress(
    jobs: list[tuple[str, int, Scenario]], duration: int, err: IO[str], workers: int | None
) -> dict[tuple[str, int], dict[str, Any]]:
    if not err.isatty():
        return run_all(jobs, duration, workers=workers)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=styled(err)),
        transient=True,
    ) as progress:
        task = progress.add_task("simulating", total=len(jobs))
        return run_all(jobs, duration, lambda: progress.advance(task), workers)
