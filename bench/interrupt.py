"""Ctrl+C on ``moomtui compare``: how long until the command and every worker are gone.

Starts ``moomtui compare fork-bomb --seeds 3 --for 20m`` (minutes of work per run) in its own
process group, waits until its workers run and then a little more, sends SIGINT to the group
— what a terminal's Ctrl+C does — and measures the time until the command exits (its status
must be 130) and until no worker process is left. Repeats and prints each figure and the
worst. Linux only (it reads the workers from /proc).

    python bench/interrupt.py [--repeat 5] [--settle 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["compare", "fork-bomb", "--seeds", "3", "--for", "20m"]


def children(pid: int) -> list[int]:
    found: list[int] = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):
            found += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def once(settle: float) -> tuple[float, float, int]:
    """(seconds to exit, seconds until every worker is gone, exit status)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "moomtui", *COMMAND],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        while len(children(proc.pid)) < 2:
            time.sleep(0.05)
        time.sleep(settle)
        workers = children(proc.pid)
        start = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)
        status = proc.wait(timeout=60)
        exited = time.perf_counter() - start
        while any(alive(w) for w in workers):
            time.sleep(0.005)
        gone = time.perf_counter() - start
        return exited, gone, status
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds of work before ^C")
    args = parser.parse_args()
    print(f"moomtui {' '.join(COMMAND)}; SIGINT to the group after {args.settle:g} s of work")
    worst = 0.0
    for i in range(args.repeat):
        exited, gone, status = once(args.settle)
        worst = max(worst, gone)
        print(f"  run {i + 1}: exit {status} after {exited * 1000:.0f} ms, "
              f"every worker gone after {gone * 1000:.0f} ms")  # fmt: skip
    print(f"worst: {worst * 1000:.0f} ms")


if __name__ == "__main__":
    main()
