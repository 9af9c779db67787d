"""docs/postmortem.md's worked example is what the command prints; the README points to
both commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "postmortem.md").read_text()
README = (ROOT / "README.md").read_text()


def test_the_worked_example_is_the_commands_output() -> None:
    m = re.search(r"```sh\n(moomtui postmortem [^\n]+)\n```\n\n```text\n(.*?)```", DOC, re.S)
    assert m is not None
    argv = shlex.split(m[1])[1:]
    proc = subprocess.run(
        [sys.executable, "-m", "moomtui", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == m[2]


def test_what_to_try_first_mentions_both_commands() -> None:
    section = README.split("## What to try first", 1)[1].split("\n## ", 1)[0]
    assert "moomtui postmortem" in section
    assert "moomtui snapshot" in section
    assert "docs/postmortem.md" in section
