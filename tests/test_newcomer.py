"""A newcomer's path: a fresh copy of the repository, a fresh venv, the README's Quick start.

The git-tracked files (``git ls-files``: what a clone has) are copied to a temporary folder
and a new virtual environment is made there. Then the README's two Quick start commands run
as a newcomer would run them, with two changes: the screen needs a terminal, so the app's
command is checked headless (``pip install .``, then ``moomtui --help`` and ``moomtui run
classic-leak --for 10s`` from the installed package); and the test command runs one test
file, not the whole suite again (``pip install '.[test]'``, then ``pytest
tests/test_cli.py -q``).

This needs the package index pip is configured to use (PyPI). Without it, pip's own error
fails the test: it is never skipped. It takes from a few seconds (pip's cache is warm) to a
minute or two.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a fresh copy of the repository and a new virtual environment

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600


def run(argv: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    """Run ``argv``; its standard output, or a failure that shows what it printed."""
    proc = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, argv))} exited with {proc.returncode}\n"
        f"--- stdout:\n{proc.stdout[-3000:]}\n--- stderr:\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


def tracked_files() -> list[str]:
    proc = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"git ls-files failed: {proc.stderr}"
    return [name for name in proc.stdout.split("\0") if name]


def clean_env(venv: Path, home: Path) -> dict[str, str]:
    """The caller's environment without its Python (no PYTHONPATH, no active venv), with
    the new venv first on PATH and an empty moomtui configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_DATA_HOME"] = str(home / "data")
    return env


def test_the_quick_start_works_in_a_fresh_copy_and_venv(tmp_path: Path) -> None:
    clone = tmp_path / "moomtui"
    files = tracked_files()
    assert "README.md" in files and "pyproject.toml" in files
    for name in files:
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in this working tree is left out
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    env = clean_env(venv, tmp_path)
    python, bin_ = venv / "bin" / "python", venv / "bin"

    # pip install . && moomtui  (headless: the screen needs a terminal)
    run([python, "-m", "pip", "install", "--quiet", "."], clone, env)
    installed = run([python, "-c", "import moomtui; print(moomtui.__file__)"], tmp_path, env)
    assert Path(installed.strip()).is_relative_to(venv), installed
    assert run([bin_ / "moomtui", "--help"], clone, env).startswith("usage: moomtui")
    out = run([bin_ / "moomtui", "run", "classic-leak", "--for", "10s"], clone, env)
    assert "--- The classic leak: 10.00 s simulated, seed 1" in out

    # pip install '.[test]' && pytest  (one test file, not the whole suite again)
    run([python, "-m", "pip", "install", "--quiet", ".[test]"], clone, env)
    out = run([bin_ / "pytest", "tests/test_cli.py", "-q", "-p", "no:cacheprovider"], clone, env)
    assert out.rstrip().endswith("[100%]"), out  # exit status 0: every test ran and passed
