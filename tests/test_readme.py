"""The README's examples run as written."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.presets import load_preset
from moomtui.shell import parse_script
from moomtui.sim import Simulation

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)


def test_quick_start_has_exactly_the_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [body.strip() for lang, body in re.findall(r"```(\w*)\n(.*?)```", section, re.S)]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/moomtui",
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/pytest",
    ]


@pytest.mark.slow
def test_headless_examples_run_and_exit_0(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "presets", tmp_path / "presets")
    lines = [
        line
        for lang, body in BLOCKS
        if lang == "sh"
        for line in body.splitlines()
        if line.startswith("moomtui ")
    ]
    assert len(lines) >= 5
    for line in lines:
        argv = shlex.split(line)[1:]
        proc = subprocess.run(
            [sys.executable, "-m", "moomtui", *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )
        assert proc.returncode == 0, (line, proc.stderr)
        assert proc.stdout, line


def test_console_and_script_examples_are_valid_commands() -> None:
    plain = [body for lang, body in BLOCKS if lang == ""]
    console = next(b for b in plain if "insmod oom_kill_parent" in b and "s " not in b[:3])
    sim = Simulation(load_preset("leaky-apache"))
    sim.run_for(6000)
    for line in console.strip().splitlines():
        result = sim.shell.execute(line)
        assert result.status == 0, (line, result.output)
    assert [nb.name for nb in sim.kernel.oom.chain] == ["oom_kill_parent"]
    script = next(b for b in plain if b.startswith("5s "))
    assert [cmd for _, cmd in parse_script(script, "README")] == [
        "insmod oom_kill_parent oom_parent_max=3",
        "cat /proc/sys/vm/oom/oom_parent_max",
    ]


def test_the_json_keys_the_readme_names_are_the_documents_own() -> None:
    """``--json``'s paragraph names keys in backquotes: each is a top-level key of the
    document (memory is under ``meminfo``, not ``memory``)."""
    import io
    import json

    from moomtui.headless import RunOptions, run

    paragraph = README.split("`--json` prints the final state as", 1)[1].split("`--trace", 1)[0]
    named = re.findall(r"`(\w+)`", paragraph)
    out = io.StringIO()
    run(RunOptions(preset="no-oom", duration=100, as_json=True), out)
    doc = json.loads(out.getvalue())
    assert named == ["meminfo", "modules", "dmesg", "tasks", "oom_score"]
    assert all(key in doc for key in named[:-1]) and "oom_score" in doc["tasks"][0]
