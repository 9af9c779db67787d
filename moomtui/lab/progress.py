"""Progress on a terminal while runs finish: done of all, runs a second, the time left, and
how many each worker did. Nothing is drawn when standard error is not a terminal."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from typing import IO

from ..text import styled
from .engines import OnResult
from .runner import RunResult
from .spec import Job

MAX_WORKERS_SHOWN = 8


@contextlib.contextmanager
def progress(err: IO[str], total: int, on_result: OnResult) -> Iterator[OnResult]:
    """``on_result`` wrapped so each result also advances a progress line on ``err``."""
    if not _isatty(err) or total == 0:
        yield on_result
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    per_worker: Counter[str] = Counter()
    start = time.monotonic()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        "{task.fields[rate]}",
        TimeElapsedColumn(),
        "ETA",
        TimeRemainingColumn(),
        "{task.fields[workers]}",
        console=Console(file=styled(err)),
        transient=True,
    ) as bar:
        task = bar.add_task("simulating", total=total, rate="", workers="")

        def advance(job: Job, result: RunResult, worker: str) -> None:
            on_result(job, result, worker)
            per_worker[worker] += 1
            done = sum(per_worker.values())
            rate = done / max(time.monotonic() - start, 1e-6)
            shown = " ".join(str(n) for _, n in per_worker.most_common(MAX_WORKERS_SHOWN))
            bar.update(task, advance=1, rate=f"{rate:.2f} runs/s", workers=f"per worker: {shown}")

        yield advance


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
