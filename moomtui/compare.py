"""``moomtui compare``: one scenario under several OOM policies, scored side by side.

A *configuration* is ``none`` (no policy at all), one module (``oom_kill``) or several
joined by ``+`` (``oom_kill+oom_kill_parent``). Each runs the preset with every Kconfig
option set to ``m`` and exactly its modules loaded at boot (a module the preset itself loads
keeps the preset's parameters, e.g. ``oom_kill_parent oom_parent_max=5``), over N seeds (the
preset's seed, +1, +2 …). The runs are independent headless simulations, so they go in
parallel across the CPU cores; each returns its score card (:mod:`moomtui.game`) as plain
data, and the table is built from the results sorted by configuration and seed, the same
whatever order the processes finish in.

compare is the simplest sweep (:mod:`moomtui.lab`): one preset, its configurations, its
seeds, run by the same jobs, on the same local engine, summarised by the same code — the
median with a bootstrap interval, ★ only beyond the intervals and never for a configuration
that livelocked or panicked where the criterion hides it (:mod:`moomtui.lab.summary`).

The point is to make visible that the right policy depends on the workload: kill-parent
ends a prefork leak that the classic killer only feeds, oom_panic is what an HA node wants,
no policy at all livelocks.

Ctrl+C stops everything at once (:mod:`moomtui.lab.engines`); the command exits with status
130. ``--seeds`` (at most :data:`MAX_SEEDS`) and ``--jobs`` (at most :data:`MAX_JOBS`) are bounded.

On a terminal the tables are drawn by Rich, in colour: the one output of moomtui styled on
purpose, written to the terminal itself (:func:`moomtui.text.styled`); what comes from the
preset in it (its name) is shown with :func:`moomtui.text.visible` and never read as markup.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from .game import CRITERIA, Criterion
from .kernel.constants import HZ
from .kernel.kconfig import KCONFIG_OPTIONS
from .kernel.units import format_duration
from .lab import engines, summary
from .lab.progress import progress
from .lab.runner import RunResult, simulate
from .lab.spec import (
    Config,
    Job,
    Payload,
    Sweep,
    SweepPreset,
    default_configs,
    overrides_for,
)
from .lab.summary import FIELDS, eligible, failures
from .output import output_width, versioned
from .presets import PresetError, PresetSource, Scenario, load_preset, read_preset
from .text import styled, visible

if TYPE_CHECKING:
    from rich.table import Table


DEFAULT_SEEDS = 4
MAX_SEEDS = 1000
"""``--seeds`` at most: a thousand runs per configuration."""
MAX_JOBS = 64
"""``--jobs`` at most."""


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
    from .lab.spec import known_modules

    return known_modules()


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
    """One headless run of a loaded scenario; its score card as plain data."""
    payload = Payload("", scenario.source, scenario.key, (), (), seed, duration, False)
    return simulate(scenario, payload, duration)


def compare_sweep(
    source: PresetSource, base: Scenario, configs: list[str], seeds: list[int], duration: int
) -> Sweep:
    """compare as a sweep: one preset, its configurations, its seeds, no grid."""
    drawn = list(base.drawn)  # a workload family: each seed draws its own machine
    preset = SweepPreset(base.key or base.name, source, base, drawn, seeds)
    sweep = Sweep(
        base.key or base.name,
        [preset],
        [Config(config, tuple(config_modules(config))) for config in configs],
        duration,
    )
    for config in sweep.configs:
        try:
            source.load(overrides=overrides_for(base, config))
        except PresetError as err:
            raise CompareError(f"{config.policy}: {err}") from None
    return sweep


def run_sweep(
    sweep: Sweep, err: IO[str], workers: int | None
) -> dict[tuple[str, int], dict[str, Any]]:
    """Every run of a one-preset sweep on the local engine; cards by (policy, seed)."""
    results: dict[tuple[str, int], dict[str, Any]] = {}

    def keep(job: Job, result: RunResult, worker: str) -> None:
        results[sweep.configs[job.config].policy, job.seed] = result["card"]

    with progress(err, sweep.count(), keep) as on_result:
        engines.run_local(sweep.jobs(), sweep.count(), on_result, workers)
    return results


# ============================================================================ the summary
def summarize(
    configs: list[str], seeds: list[int], results: dict[tuple[str, int], dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """{config: {field: {median, min, max, ci_low, ci_high, n}}} (lab.summary)."""
    return summary.summarize(
        {config: [results[config, seed] for seed in seeds] for config in configs}
    )


def leaders(
    configs: list[str], figures: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, list[str]]:
    """Per criterion, the best configuration where it is best beyond the intervals, and
    never one that livelocked or panicked where the criterion hides it (lab.summary)."""
    return summary.leaders({config: figures[config] for config in configs})


winners = summary.winners


def _range(crit: Criterion, low: float, high: float) -> str:
    """``29.6–30.0s``: the unit once, when both ends have it (``6.3–6.4M``)."""
    a, b = crit.fmt(low), crit.fmt(high)
    unit = b.lstrip("0123456789.-")
    if unit and a.endswith(unit) and a[: -len(unit)] and b[: -len(unit)]:
        a = a[: -len(unit)]
    return f"{a}–{b}"


def _cell(crit: Criterion, s: dict[str, Any], win: bool, ranked: bool = True) -> tuple[str, str]:
    """A cell's two lines: the median (★ for a winner, † for a configuration not ranked on
    this criterion: it livelocked or panicked, which the criterion hides) and the min–max
    spread, if any."""
    if s["median"] is None:
        return "-", ""
    spread = "" if s["min"] == s["max"] else _range(crit, s["min"], s["max"])
    mark = "★ " if win else "" if ranked else "† "
    return mark + crit.fmt(s["median"]), spread


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
        for line in _cell(
            crit,
            summary[config][crit.key],
            config in best[crit.key],
            eligible(summary[config], crit.key),
        )
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
            median, spread = _cell(crit, s, win, eligible(summary[config], crit.key))
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
    sweep = compare_sweep(source, base, configs, seeds, duration)
    results = run_sweep(sweep, err, opts.jobs)
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
    console.print(
        "median (min–max) over the seeds; ★ best per criterion, beyond the 95% intervals",
        highlight=False,
    )
    if any(failures(summary[config]) for config in configs):
        console.print(
            "† livelocked or panicked: not ranked where the criterion hides it", highlight=False
        )
    return 0
