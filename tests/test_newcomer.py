"""A newcomer's path: a fresh copy of the repository and the README's Quick start, as written.

The repository's files (what a clone has) are copied to a temporary folder, and the two
Quick start commands are taken from README.md and run there literally, by ``sh -c``, in a
clean environment: an empty ``HOME``, the system's ``PATH`` and nothing of the caller's
Python (no ``PYTHONPATH``, no active virtual environment). The ``python3`` they find is the
base interpreter of the Python running these tests (the installation's own ``bin`` folder
goes first on the system's ``PATH``): Debian's ``/usr/bin/python3``, with its "externally
managed" mark, when the tests run on it; a pyenv or python.org build otherwise. CI runs
it with the distribution's Python where the machine has one, else with the newest it
finds (``.ci/run``).

- The first command installs moomtui and opens the screen: it runs on a real
  pseudo-terminal, read through a terminal emulator (``tests/terminal.py``). The screen
  opens on the default preset, the clock moves, ``q`` exits 0.
- The second installs the test extras and runs ``pytest``. Run whole, it would run this
  test again, inside itself: ``PYTEST_ADDOPTS`` (pytest's own variable, read by the literal
  command) narrows it to the screen's start (``tests/tui/test_terminal_start.py``): a pilot
  and a real terminal, from the installed package.

pip's download cache is the caller's (``PIP_CACHE_DIR``), as a user's own would be: the
packages are the same, fetched once. This needs the package index pip is configured to use
(PyPI); without it, pip's own error fails the test: it is never skipped. It takes from half
a minute (pip's cache is warm) to a few minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .terminal import Terminal
from .tree import source_files

pytestmark = pytest.mark.slow  # a fresh copy of the repository and two new installs

ROOT = Path(__file__).resolve().parent.parent
INSTALL_TIMEOUT = 900
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def quick_start() -> list[str]:
    """The Quick start's commands, as README.md gives them."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [body.strip() for body in re.findall(r"```sh\n(.*?)```", section, re.S)]


def fresh_copy(dest: Path) -> Path:
    files = source_files()  # what a clone has (or an unpacked sdist)
    assert "README.md" in files and "pyproject.toml" in files
    for name in files:
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in this working tree is left out
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def base_python_bin() -> Path:
    """The ``bin`` folder of the installation the tests run on (not of its venv)."""
    folder = Path(sys.base_prefix) / "bin"
    assert (folder / "python3").exists(), f"no python3 in {folder}"
    return folder


def pip_cache() -> str | None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True
    )
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def newcomer_env(home: Path) -> dict[str, str]:
    """An empty home, the system's PATH behind this Python's own folder, nothing else."""
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": f"{base_python_bin()}{os.pathsep}{SYSTEM_PATH}",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    cache = pip_cache()
    if cache:
        env["PIP_CACHE_DIR"] = cache
    return env


def test_the_quick_start_has_two_commands_that_make_a_venv() -> None:
    first, second = quick_start()
    assert first.startswith("python3 -m venv .venv && ") and first.endswith("/moomtui")
    assert second.startswith("python3 -m venv .venv && ") and second.endswith("/pytest")
    assert "'.[test]'" in second


def test_the_readmes_quick_start_works_as_written_in_a_fresh_copy(tmp_path: Path) -> None:
    first, second = quick_start()
    clone = fresh_copy(tmp_path / "moomtui")
    env = newcomer_env(tmp_path / "home")

    # 1. install and open the screen, on a real terminal
    with Terminal(["sh", "-c", first], env=env, cwd=clone) as term:
        screen = term.wait_for("Leaky Apache", timeout=INSTALL_TIMEOUT)  # fails if sh ends
        assert "internal error" not in screen, screen
        clock = re.compile(r"run (\d\d:\d\d)")
        start = term.wait_for(lambda text: clock.search(text) is not None)
        first_clock = clock.search(start).group(1)  # type: ignore[union-attr]
        term.wait_for(lambda text: (m := clock.search(text)) is not None and m[1] != first_clock)
        term.send("q")
        assert term.wait_exit() == 0, term.text()
    venv_python = clone / ".venv" / "bin" / "python"
    installed = subprocess.run(
        [venv_python, "-c", "import moomtui, sys; print(moomtui.__file__, sys.prefix)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(clone / ".venv") in installed, installed  # the package, not the source tree
    assert "site-packages" in installed, installed

    # 2. the test extras and pytest, narrowed by pytest's own variable
    env["PYTEST_ADDOPTS"] = "-p no:cacheprovider -n 0 tests/tui/test_terminal_start.py"
    proc = subprocess.run(
        ["sh", "-c", second],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n--- stderr:\n{proc.stderr[-3000:]}"
    assert re.search(r"\d+ passed", proc.stdout), proc.stdout[-2000:]
    assert "failed" not in proc.stdout.splitlines()[-1], proc.stdout[-2000:]
