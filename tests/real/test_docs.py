"""docs/postmortem.md's worked example is what the command prints; the README points to
both commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "postmortem.md").read_text()
README = (ROOT / "README.md").read_text()


EXAMPLE = re.compile(
    r"```sh\n([^\n]*moomtui postmortem [^\n]+)\n```\n\n(?:([^`]+?)\n\n)?```text\n(.*?)```", re.S
)


@pytest.mark.slow
def test_every_postmortem_example_shows_what_the_command_prints() -> None:
    """Each ``sh`` line of docs/postmortem.md followed by a ``text`` block: the whole output,
    its end (after "prints the report above, then:") or its start (a block ending in …)."""
    examples = EXAMPLE.findall(DOC)
    assert len(examples) >= 3
    moomtui = f"{shlex.quote(sys.executable)} -m moomtui"
    for line, between, shown in examples:
        proc = subprocess.run(
            line.replace("moomtui", moomtui, 1)
            if line.startswith("moomtui")
            else line.replace("| moomtui", f"| {moomtui}"),
            shell=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        if shown.endswith("…\n"):
            assert proc.stdout.startswith(shown.removesuffix("…\n")), line
        elif "then:" in between:
            assert proc.stdout.endswith(shown), line
        else:
            assert proc.stdout == shown, line


def test_what_to_try_first_mentions_both_commands() -> None:
    section = README.split("## What to try first", 1)[1].split("\n## ", 1)[0]
    assert "moomtui postmortem" in section
    assert "moomtui snapshot" in section
    assert "docs/postmortem.md" in section
