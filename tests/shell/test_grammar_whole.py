"""The console's grammar is whole whoever reads it first.

Commands register themselves when their module is imported, and the shell's modules are
imported lazily: a reader of :data:`moomtui.shell.base.COMMANDS` that imported nothing else
(``bench/fuzz.py`` run alone) once found it empty and crashed on its first line. Each check
runs in a fresh interpreter, where nothing was imported before.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FIRST_READS = {
    "a lookup": "COMMANDS.get('insmod') is not None",
    "a listing": "len(sorted(COMMANDS)) > 30",
    "membership": "'boot' in COMMANDS",
    "the items": "dict(COMMANDS.items())['kill'].name == 'kill'",
}


@pytest.mark.parametrize("read", FIRST_READS.values(), ids=FIRST_READS.keys())
def test_the_first_read_of_the_commands_finds_them_all(read: str) -> None:
    code = (
        "import sys\n"
        "from moomtui.shell.base import COMMANDS\n"
        "assert 'moomtui.shell.cmd_modules' not in sys.modules  # nothing loaded yet\n"
        f"assert {read}\n"
        "from moomtui.shell.shell import command_names\n"
        "assert sorted(COMMANDS) == command_names()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
