"""``moomtui sweep SPEC.toml``: expand, run (resuming), write the rows, summarise.

The summary per preset is a table like compare's — a row per configuration, a column per
criterion, the median and its 95 % bootstrap interval, ★ where one configuration is best
beyond the intervals — and, when configurations ran the same seeds, the paired counts of
each against the baseline (the spec's ``baseline``, else its first configuration).
``--json`` prints the same as data; ``--report FILE`` writes it as a self-contained HTML page
with the charts (:mod:`.report`); on a terminal a chart of the first criterion follows
the tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from rich.text import Text

from ..kernel.constants import HZ
from ..kernel.units import format_duration
from ..output import output_width, versioned
from ..text import quote, styled, visible
from . import engines
from .progress import progress
from .results import ResultsFile
from .runner import RunError, RunResult, run_payload
from .spec import Job, SpecError, Sweep, load_spec
from .summary import FIELDS, leaders, paired, summarize, winners

PAIRED_CRITERIA = ("work_lost", "kills", "innocent_killed", "protected_killed", "livelock", "down")
"""The criteria the terminal's paired tables give (the report and --json give them all)."""
DRY_RUN_SAMPLE = 1
"""Runs timed by ``--dry-run`` for its estimate."""


@dataclass
class SweepOptions:
    spec: str
    out: str | None = None
    resume: bool = False
    engine: str = "local"
    scheduler: str | None = None
    jobs: int | None = None
    seeds: int | None = None
    duration: int | None = None
    dry_run: bool = False
    as_json: bool = False
    report: str | None = None
    chart: str | None = None
    """A criterion's key: its medians as bars after the summary (plotext)."""
    width: int | None = None
    pairs: list[tuple[str, str]] | None = None
    """``--pair A B``: configurations counted against each other seed by seed, beside each
    against the baseline."""
    all_pairs: bool = False
    """``--all-pairs``: every two configurations (at most :data:`MAX_ALL_PAIRS` of them)."""


MAX_ALL_PAIRS = 16
"""Configurations ``--all-pairs`` takes at most: 120 pairs a preset."""


def default_out(spec: str) -> str:
    from pathlib import Path

    return f"{Path(spec).stem}.results.csv"


def columns(sweep: Sweep) -> list[str]:
    return [
        "run",
        "preset",
        "policy",
        "config",
        *sweep.param_columns,
        *sweep.sysctl_columns,
        "seed",
        "length",
        *sweep.draw_columns(),
        *FIELDS,
        "version",
    ]


def row_of(sweep: Sweep, job: Job, result: RunResult, version: str) -> dict[str, Any]:
    config = sweep.configs[job.config]
    length = sweep.length(job) / HZ
    row: dict[str, Any] = {
        "run": job.index,
        "preset": sweep.preset_name(job),
        "policy": config.policy,
        "config": config.label,
        **dict(config.params),
        **dict(config.sysctls),
        "seed": job.seed,
        "length": int(length) if length.is_integer() else length,
        **{f"drawn.{path}": value for path, value in result["drawn"].items()},
    }
    row.update({name: result["card"][name] for name in FIELDS})
    row["version"] = version
    return row


def _same_run(row: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(str(row.get(k)) == str(expected[k]) for k in ("preset", "config", "seed"))


def sweep(opts: SweepOptions, out: IO[str], err: IO[str]) -> int:
    from ..install import version

    if opts.jobs is not None and not 1 <= opts.jobs <= engines.MAX_JOBS:
        raise SpecError(f"--jobs: expected a number from 1 to {engines.MAX_JOBS}, got {opts.jobs}")
    spec = load_spec(opts.spec, seeds=opts.seeds, duration=opts.duration)
    total = spec.count()
    if opts.chart is not None:
        from .chart import criterion

        criterion(opts.chart)  # a wrong name is told before any run
    pairs = chosen_pairs(spec, opts)  # so is a wrong pair
    if opts.dry_run:
        return dry_run(spec, opts, out)
    path = opts.out or default_out(opts.spec)
    results = ResultsFile(path, columns(spec), resume=opts.resume)
    ver = version()
    done = results.rows
    for job in spec.jobs():  # a resumed file: each row this sweep's run of its index
        row = done.get(job.index)
        if row is not None:
            expected = {"preset": spec.preset_name(job), "config": "", "seed": job.seed}
            expected["config"] = spec.configs[job.config].label
            if not _same_run(row, expected):
                raise SpecError(
                    f"{path}: run {job.index} there is not this sweep's (the spec changed?): "
                    "give another file, or remove it"
                )
    extra = set(done) - set(range(total))
    if extra:
        raise SpecError(f"{path}: run {min(extra)} is not one of this sweep's {total} runs")

    def pending() -> Iterator[Job]:
        return (job for job in spec.jobs() if job.index not in done)

    todo = total - len(done)

    def keep(job: Job, result: RunResult, worker: str) -> None:
        results.append(row_of(spec, job, result, ver))

    try:
        with progress(err, todo, keep) as on_result:
            engines.run(opts.engine, pending(), todo, on_result, opts.jobs, opts.scheduler)
    except RunError:
        results.forget_if_empty()
        raise
    except engines.EngineError as error:
        results.forget_if_empty()
        if "cluster extra" not in str(error):
            raise
        from ..install import distribution, install_hint

        raise engines.EngineError(f"{error}: {install_hint('cluster', distribution())}") from None
    finally:
        if len(results.rows) == total:
            results.finish()
    answer = summary_of(spec, results.rows, pairs)
    if opts.report:
        from .report import write_report

        write_report(opts.report, spec, answer)
    if opts.as_json:
        out.write(json.dumps(versioned({"results": path, **answer}), indent=2) + "\n")
        return 0
    print_summary(spec, answer, path, out, opts.width)
    if opts.chart is not None:
        from .chart import show

        show(spec, answer, opts.chart, out, opts.width or output_width(out))
    return 0


def chosen_pairs(spec: Sweep, opts: SweepOptions) -> list[tuple[str, str]]:
    """The pairs ``--pair`` names (each configuration as the summary names it) or
    ``--all-pairs`` makes, in the order given or the spec's; a name not in the sweep, a
    configuration paired with itself or too many for ``--all-pairs`` is one line now,
    before any run."""
    labels = [c.label for c in spec.configs]
    if opts.all_pairs:
        if len(labels) > MAX_ALL_PAIRS:
            raise SpecError(
                f"--all-pairs: {len(labels)} configurations, {MAX_ALL_PAIRS} at most "
                "(name the pairs with --pair A B)"
            )
        return [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :]]
    out: list[tuple[str, str]] = []
    for a, b in opts.pairs or []:
        for name in (a, b):
            if name not in labels:
                shown = ", ".join(labels[:8]) + (", …" if len(labels) > 8 else "")
                raise SpecError(
                    f"--pair: no configuration {quote(name, 80)} in this sweep "
                    f"(its configurations: {visible(shown)})"
                )
        if a == b:
            raise SpecError(f"--pair: {quote(a, 80)} against itself")
        if (a, b) not in out:
            out.append((a, b))
    return out


def summary_of(
    spec: Sweep, rows: dict[int, dict[str, Any]], pairs: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Per preset: each configuration's figures, the best per criterion, paired counts
    against the baseline and between the ``pairs`` asked for."""
    labels = [c.label for c in spec.configs]
    doc: dict[str, Any] = {"sweep": spec.name, "runs": len(rows), "presets": {}}
    for preset in spec.presets:
        by_config: dict[str, dict[int, dict[str, Any]]] = {label: {} for label in labels}
        for row in rows.values():
            if row["preset"] == preset.ref or str(row["preset"]) == preset.ref:
                by_config[str(row["config"])][int(row["seed"])] = row
        groups = {
            label: [by_config[label][s] for s in sorted(by_config[label])] for label in labels
        }
        figures = summarize(groups)
        best = leaders(figures)
        baseline = spec.baseline or labels[0]
        against = {
            label: paired(by_config[label], by_config[baseline])
            for label in labels
            if label != baseline
        }
        doc["presets"][preset.ref] = {
            "seeds": len(preset.seeds),
            "results": figures,
            "winners": winners(best),
            "baseline": baseline if against else None,
            "paired": against,
            "pairs": [
                {"a": a, "b": b, "counts": paired(by_config[a], by_config[b])}
                for a, b in pairs or []
            ],
        }
    return doc


def print_summary(
    spec: Sweep, answer: dict[str, Any], path: str, out: IO[str], width: int | None
) -> None:
    from rich.console import Console

    from ..compare import fit_criteria, render_table
    from ..game import CRITERIA

    console = Console(file=styled(out), width=width if width is not None else output_width(out))
    labels = [c.label for c in spec.configs]
    for ref, part in answer["presets"].items():
        figures = part["results"]
        shown = {
            label: {k: {**s, "min": s["ci_low"], "max": s["ci_high"]} for k, s in f.items()}
            for label, f in figures.items()
        }
        best = {k: [w] if w else [] for k, w in part["winners"].items()}
        console.print(
            f"{visible(ref)}: {part['seeds']} seeds per configuration",
            highlight=False,
            markup=False,
        )
        for group in fit_criteria(labels, shown, best, console.width):
            console.print(render_table(labels, shown, best, group))
        crits = [c for c in CRITERIA if c.key in PAIRED_CRITERIA]
        if part["paired"]:
            against = [
                (Text(visible(label)), _tallies(counts, crits))
                for label, counts in part["paired"].items()
                if counts is not None
            ]
            title = f"paired against {visible(part['baseline'])}: wins/losses/ties"
            _paired_tables(console, title, "policy", crits, against)
        if part["pairs"]:
            rows = [
                (
                    Text(f"{visible(pair['a'])}\n  against {visible(pair['b'])}"),
                    _tallies(pair["counts"], crits) if pair["counts"] is not None else [],
                )
                for pair in part["pairs"]
            ]
            title = "paired: the first against the second, wins/losses/ties"
            _paired_tables(console, title, "configurations", crits, rows)
    console.print(
        "median [95% bootstrap interval] over the seeds; ★ best beyond the intervals; "
        "† livelocked or panicked: not ranked where the criterion hides it",
        highlight=False,
    )
    console.print(f"{answer['runs']} runs in {visible(path)}", highlight=False, markup=False)


def _paired_tables(
    console: Any, title: str, head: str, crits: list[Any], rows: list[tuple[Any, list[str]]]
) -> None:
    """Counts never cut short: the criteria go in as many tables as the width needs, the
    names wrap (a pair without a seed in common says so)."""
    from rich.table import Table

    longest = max((len(line) for name, _ in rows for line in name.plain.split("\n")), default=8)
    label = min(max(longest, len(head)), 36)
    widths = [
        max([len(crit.title)] + [len(cells[i]) for _, cells in rows if cells])
        for i, crit in enumerate(crits)
    ]
    groups: list[list[int]] = [[]]
    used = label + 4
    for i, width in enumerate(widths):
        if groups[-1] and used + width + 3 > console.width:
            groups.append([])
            used = label + 4
        groups[-1].append(i)
        used += width + 3
    for group in groups:
        table = Table(title=Text(title))
        table.add_column(head, overflow="fold", min_width=label)
        for i in group:
            table.add_column(crits[i].title, justify="right", min_width=widths[i])
        for name, cells in rows:
            shown = [cells[i] for i in group] if cells else ["no seed in common"]
            table.add_row(name, *shown, *[""] * (len(group) - len(shown)))
        console.print(table)


def _tallies(counts: dict[str, dict[str, int]], crits: list[Any]) -> list[str]:
    return [f"{c['win']}/{c['loss']}/{c['tie']}" for c in (counts[k.key] for k in crits)]


def dry_run(spec: Sweep, opts: SweepOptions, out: IO[str]) -> int:
    """How many runs, and about how long: one run timed here, times the runs, over the
    workers."""
    import os

    total = spec.count()
    workers = max(1, min(opts.jobs or os.cpu_count() or 1, total))
    first = next(spec.jobs())
    start = time.perf_counter()
    run_payload(first.payload)
    each = time.perf_counter() - start
    estimate = each * total / workers
    if opts.as_json:
        doc = {
            "sweep": spec.name,
            "runs": total,
            "presets": [p.ref for p in spec.presets],
            "configurations": [c.label for c in spec.configs],
            "seeds": {p.ref: len(p.seeds) for p in spec.presets},
            "one_run_seconds": round(each, 3),
            "workers": workers,
            "estimate_seconds": round(estimate, 1),
        }
        out.write(json.dumps(versioned(doc), indent=2) + "\n")
        return 0
    counts = sorted({len(p.seeds) for p in spec.presets})
    seeds = " or ".join(map(str, counts))
    out.write(
        f"{_n(len(spec.presets), 'preset')} × {_n(len(spec.configs), 'configuration')} × "
        f"{seeds} seed{'s' * (counts != [1])} = {total:,} run{'s' * (total != 1)}\n"
    )
    out.write(
        f"one run ({format_duration(spec.length(first))} simulated) took {each:.2f}s here: "
        f"about {_human(estimate)} on {workers} local worker(s)\n"
    )
    return 0


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
