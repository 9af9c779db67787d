"""Run every test module on its own: ``pytest FILE`` in a fresh process, one after another.

The whole suite imports everything once, so a module that passes only because another
imported something first (the console's grammar, a registry filled on import) looks green
there and fails for whoever runs it alone — as ``pytest tests/test_fuzz.py`` once did. This
runs each ``tests/**/test_*.py`` in a process of its own and lists the ones that fail.

    python bench/each_module.py                 # every module
    python bench/each_module.py tests/shell     # the modules under a folder
    python bench/each_module.py -k fuzz         # the modules whose path contains "fuzz"

Sequential, at ``nice`` 10: it takes a few minutes of one core. Exit status 1 when a module
fails, with each failing module's last lines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules(where: list[str], containing: str | None) -> list[Path]:
    folders = [ROOT / w for w in where] if where else [ROOT / "tests"]
    found: set[Path] = set()
    for folder in folders:
        found.update([folder] if folder.is_file() else folder.rglob("test_*.py"))
    return sorted(p for p in found if containing is None or containing in str(p))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("where", nargs="*", help="folders or files under the project")
    parser.add_argument("-k", dest="containing", help="only paths containing this text")
    args = parser.parse_args()
    failed: list[tuple[Path, str]] = []
    start = time.monotonic()
    for path in modules(args.where, args.containing):
        began = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            preexec_fn=lambda: os.nice(10),
        )
        last = run.stdout.strip().splitlines()[-1:] or ["(no output)"]
        name = path.relative_to(ROOT)
        print(
            f"{run.returncode:>3}  {time.monotonic() - began:6.1f} s  {name}: {last[0]}", flush=True
        )
        if run.returncode != 0:
            failed.append((path, "\n".join(run.stdout.strip().splitlines()[-15:])))
    print(f"{len(failed)} failing module(s) in {time.monotonic() - start:.0f} s")
    for path, tail in failed:
        print(f"\n--- {path.relative_to(ROOT)}\n{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
