"""Memory: the peak RSS of headless runs, up to a machine of 10,000 tasks.

Each figure is the ``ru_maxrss`` of one child process (``os.wait4``: the rusage of that child
alone, what ``resource.getrusage(RUSAGE_CHILDREN)`` sums up for all of them):

* ``python -c pass`` and ``import moomtui.headless``: the floor;
* ``moomtui run bench --for 10m``: the benchmark machine, 1,000 tasks;
* ``moomtui run`` on the same preset with 9,900 daemons instead of 900 (10,000 tasks; RAM
  grown by their footprint), ``--for 10m``, with the log printed (to /dev/null) as a
  user's run prints it, and again with ``--json`` (the final state of every task as one
  document).

    python bench/memory.py [--for 10m]

Target (issue 7): ≤ 150 MB for the 10,000-task run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAEMONS = 9_900
DAEMON_PAGES = 8 + 2  # rss = "32K" and the task_struct


def big_preset(folder: Path) -> Path:
    """presets/bench.toml with 9,900 sleeping daemons instead of 900."""
    text = (ROOT / "presets" / "bench.toml").read_text()
    text, n = re.subn(r"(comm = \"daemon\"\ncount = )900", rf"\g<1>{DAEMONS}", text)
    assert n == 1, "the bench preset no longer has 900 daemons"
    ram_mb = 256 + -(-(DAEMONS - 900) * DAEMON_PAGES * 4 // 1024)
    text, n = re.subn(r'ram = "256M"', f'ram = "{ram_mb}M"', text)
    assert n == 1, "the bench preset no longer has 256M of RAM"
    path = folder / "bench-10k.toml"
    path.write_text(text)
    return path


def peak_rss(argv: list[str], env: dict[str, str]) -> float:
    """Peak resident set size of the child running ``argv``, in MB."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--for", dest="duration", default="10m", help="simulated time per run")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, peak RSS of one process")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": tmp, "XDG_CONFIG_HOME": tmp}
        big = str(big_preset(Path(tmp)))
        runs = [
            ("python -c pass", [py, "-c", "pass"]),
            ("import moomtui.headless", [py, "-c", "import moomtui.headless"]),
            (
                f"run bench --for {args.duration} (1,000 tasks)",
                [py, "-m", "moomtui", "run", "bench", "--for", args.duration],
            ),
            (
                f"run bench-10k --for {args.duration} (10,000 tasks)",
                [py, "-m", "moomtui", "run", big, "--for", args.duration],
            ),
            (
                f"run bench-10k --for {args.duration} --json",
                [py, "-m", "moomtui", "run", big, "--for", args.duration, "--json"],
            ),
        ]
        for label, argv in runs:
            print(f"  {label:<42} {peak_rss(argv, env):7.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
