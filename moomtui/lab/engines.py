"""Where the runs run: local worker processes (the default), or Dask distributed.

Both take the jobs as plain data and hand each result back, as it finishes, to
``on_result(job, result, worker)`` in the calling process, which writes it down; the order
they finish in is the engine's business and never shows in what is kept (the results file
is sorted by the run's index at the end, :mod:`.results`).

- **local**: a ``multiprocessing`` pool, one process per core unless told (at most
  :data:`MAX_JOBS`), fed lazily so a million-run sweep is never a million objects at once.
  Ctrl+C stops everything at once: the workers ignore SIGINT (blocked while they start),
  and the main process, on its ``KeyboardInterrupt``, terminates them rather than waiting
  for the runs in progress. A process with other threads starts its workers from a fork
  server (a child forked beside threads can inherit a held lock).
- **dask**: ``distributed.Client`` on a scheduler (``--scheduler tcp://host:8786``) or on a
  ``LocalCluster`` of its own (``--engine dask``), each worker one process with one thread.
  The extra ``moomtui[cluster]`` brings it; every worker needs moomtui installed, at the
  same version (each row records the version that ran it). No scheduler or wire protocol
  of moomtui's own: Dask's.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .runner import RunResult, run_payload
from .spec import Job

MAX_JOBS = 64
"""Local worker processes at most."""
IN_FLIGHT = 2
"""Dask tasks handed out per worker before their results are taken (bounded memory): one
running, one waiting at the scheduler for the moment it ends. More only adds tasks of one
run each at the start, each a round trip through the scheduler (docs/benchmarks.md)."""
TASK_SECONDS = 1.0
"""The CPU time one Dask task aims to take: its runs are batched to about this much, so
what Dask spends on a task (a few milliseconds of CPU between the client, the scheduler and
the worker) is a small share of the work. CPU time, not the clock's: on a machine busy with
other work a run takes longer by the clock, not in CPU, and the tasks stay as large. A
second rather than half of one: on 600 runs of 37 ms, Dask's own CPU a run went from 4.9–5.2 %
to 3.6 % on one worker, 3.9–4.2 % to 3.8 % on two (docs/benchmarks.md); the results come
back, and the results file grows, a second of work at a time per worker."""
MAX_BATCH = 64
"""Runs in one Dask task at most."""
QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
"""Dask's settings for a ``LocalCluster`` of moomtui's (Dask's own defaults otherwise):
its statistical profiler samples the stack of the thread running the simulation every
10 ms, and every scheduler, nanny and worker wakes 50 times a second to watch its event
loop and 10 times to read its memory use — together an eighth of a core on two workers,
idle, and a fifth of each run's time on top of it, busy (docs/benchmarks.md). None of it
changes what a run computes."""
PRELOAD = ("moomtui.lab.runner",)
"""Imported by each ``LocalCluster`` worker as it starts: the simulation's modules (a
third of a second) load with the cluster, not in the middle of the first runs."""
ENGINES = ("local", "dask")
CLUSTER_EXTRA = ("distributed", "dask")

OnResult = Callable[[Job, RunResult, str], None]


class EngineError(Exception):
    """The engine could not start (no Dask, no scheduler there): one line."""


def _run_job(job: Job) -> tuple[int, RunResult, str]:
    return job.index, run_payload(job.payload), f"pid {os.getpid()}"


# ============================================================================ local
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


def context() -> Any:
    """How the workers start: the platform's default, unless this process has threads and
    that default is ``fork`` — a child forked beside other threads can inherit a lock one
    of them held, and wait on it for ever; ``forkserver`` (Python 3.14's default on Linux)
    forks from a process of its own, which has none."""
    ctx = multiprocessing.get_context()
    if ctx.get_start_method() == "fork" and threads() > 1:
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload([__name__])  # each worker forked with moomtui loaded
        return server
    return ctx


def threads() -> int:
    """This process's threads, those started outside :mod:`threading` too (Linux's
    ``/proc/self/task`` lists them all)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def run_local(
    jobs: Iterable[Job], count: int, on_result: OnResult, workers: int | None = None
) -> None:
    """Every job on ``workers`` local processes (default: one per core, never more than
    there are jobs). Whatever interrupts the wait — Ctrl+C, a failed run — terminates the
    workers at once."""
    if count == 0:
        return
    workers = max(1, min(workers or os.cpu_count() or 1, count, MAX_JOBS))
    by_index: dict[int, Job] = {}
    feed = _remember(jobs, by_index)
    with _sigint_blocked():
        pool = context().Pool(workers, initializer=_ignore_sigint)
    try:
        for index, result, worker in pool.imap_unordered(_run_job, feed):
            on_result(by_index.pop(index), result, worker)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _remember(jobs: Iterable[Job], by_index: dict[int, Job]) -> Iterator[Job]:
    for job in jobs:
        by_index[job.index] = job
        yield job


# ============================================================================ dask
def run_dask(
    jobs: Iterable[Job],
    count: int,
    on_result: OnResult,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    """Every job on a Dask cluster: the scheduler at ``scheduler``, or a ``LocalCluster``
    of ``workers`` processes (default: one per core). At most :data:`IN_FLIGHT` tasks per
    worker, each of at most :data:`MAX_BATCH` runs, are submitted ahead of the results, so
    the client never holds the whole sweep."""
    try:
        from distributed import Client
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] not in CLUSTER_EXTRA:
            raise
        raise EngineError(
            f"the dask engine needs the cluster extra ({err.name} is missing)"
        ) from None
    if count == 0:
        return
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            n = max(1, min(workers or os.cpu_count() or 1, count, MAX_JOBS))
            cluster = stack.enter_context(local_cluster(n))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError, ValueError) as err:
                raise EngineError(f"--scheduler {scheduler}: {err}") from None
            n = max(1, len(client.scheduler_info().get("workers", {})))
        run_on(client, jobs, count, on_result, n)


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A ``LocalCluster`` of ``workers`` processes of one thread each, quiet (:data:`QUIET`),
    moomtui's simulation loaded in each (:data:`PRELOAD`)."""
    import dask
    from distributed import LocalCluster

    with (
        dask.config.set(QUIET),  # the nannies hand it to their worker processes
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
            preload=list(PRELOAD),
        ) as cluster,
    ):
        yield cluster


def run_on(client: Any, jobs: Iterable[Job], count: int, on_result: OnResult, workers: int) -> None:
    """Every job on the cluster of a connected ``distributed.Client``: tasks of one run
    each at first; then, from how long a run took, of as many runs as make a task about
    :data:`TASK_SECONDS` long (at most :data:`MAX_BATCH`), and towards the end no more than
    a share of what is left (:func:`batch_size`)."""
    from distributed import as_completed

    feed = iter(jobs)
    sent = 0
    by_key: dict[str, list[Job]] = {}
    token = os.urandom(6).hex()  # two sweeps on one scheduler never share a key
    serial = itertools.count()

    def submit(batch: list[Job]) -> Any:
        nonlocal sent
        sent += len(batch)
        future = client.submit(
            _run_dask_batch, batch, pure=False, key=f"moomtui-runs-{token}-{next(serial)}"
        )
        by_key[future.key] = batch
        return future

    first = [submit([job]) for job in itertools.islice(feed, workers * IN_FLIGHT)]
    done = as_completed(first, with_results=True)
    try:
        for future, (results, worker, seconds) in done:
            batch = by_key.pop(future.key)
            for job, result in zip(batch, results, strict=True):
                on_result(job, result, worker)
            size = batch_size(seconds / len(batch), count - sent, workers)
            nxt = list(itertools.islice(feed, size))
            if nxt:
                done.add(submit(nxt))
    except BaseException:
        client.cancel(list(done.futures), force=True)
        raise


def batch_size(per_run: float, left: int | None = None, workers: int = 1) -> int:
    """Runs in a Dask task, from the CPU seconds a run took: a task of about
    :data:`TASK_SECONDS`, at least one run and at most :data:`MAX_BATCH` — and, with
    ``left`` runs not yet handed out, at most a share of them each worker's twice over
    (``left / (2 × workers)``), so the tasks shrink as the sweep ends and no worker is
    left alone with a long last one while the others wait."""
    size = MAX_BATCH if per_run <= 0 else max(1, min(MAX_BATCH, round(TASK_SECONDS / per_run)))
    if left is not None:
        size = min(size, max(1, -(-left // (2 * max(1, workers)))))
    return size


def _run_dask_batch(batch: list[Job]) -> tuple[list[RunResult], str, float]:
    """A task's runs, in order: their results, the worker's address, the CPU seconds they
    took (the thread's: a task runs in one)."""
    from distributed import get_worker

    start = time.thread_time()
    results = [run_payload(job.payload) for job in batch]
    return results, str(get_worker().address), time.thread_time() - start


def run(
    engine: str,
    jobs: Iterable[Job],
    count: int,
    on_result: OnResult,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    if engine == "dask" or scheduler is not None:
        run_dask(jobs, count, on_result, workers, scheduler)
    else:
        run_local(jobs, count, on_result, workers)
