"""The ``moomtui`` command: argument parsing only; the work is done elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__

DESCRIPTION = (
    "Play with the 2003 modular OOM killer: a simulated Linux 2.4 kernel running out of "
    "memory, with oom_panic, oom_kill and oom_kill_parent to insmod and rmmod."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moomtui", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"moomtui {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    print("moomtui: the screen is not built yet; see README.md", file=sys.stderr)
    return 0
