"""``moomtui completion bash|zsh|fish``: scripts generated from the parsers, that complete.

bash is always here, so its script is sourced and asked, as bash asks it on Tab, what
each half-typed line completes to. zsh's and fish's are checked by what they contain.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.arguments import COMPLETION_SHELLS, SUBCOMMANDS, build_sub_parser, completion_script
from moomtui.presets import list_presets

ROOT = Path(__file__).resolve().parent.parent


def moomtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moomtui", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
    )


@pytest.mark.parametrize("shell", COMPLETION_SHELLS)
def test_each_shells_script_is_printed_and_names_every_subcommand(shell: str) -> None:
    proc = moomtui("completion", shell)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == completion_script(shell)
    for command in SUBCOMMANDS:
        assert command in proc.stdout
    for option in ("--for", "--trace", "--policies", "--idle-timeout", "--version"):
        assert (f"-l {option[2:]} " if shell == "fish" else option) in proc.stdout
    assert "moomtui presets --names" in proc.stdout  # preset names asked for on Tab


def test_the_zsh_script_is_a_compdef_function() -> None:
    script = completion_script("zsh")
    assert script.startswith("#compdef moomtui\n")
    assert "_shtab_moomtui_run_options=(" in script


def test_the_fish_script_completes_each_subcommand() -> None:
    script = completion_script("fish")
    lines = [line for line in script.splitlines() if line.startswith("complete -c moomtui")]
    for command in SUBCOMMANDS:
        assert any(f" -a {command} " in line for line in lines), command
        assert any(f"'_shtab_moomtui_using {command}' -s h -l help" in line for line in lines)


def test_an_unknown_shell_is_one_line_and_2() -> None:
    proc = moomtui("completion", "tcsh")
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "invalid choice: 'tcsh'" in proc.stderr


def test_presets_names_are_the_keys_one_a_line() -> None:
    proc = moomtui("presets", "--names")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [p.key for p in list_presets()]


# ------------------------------------------------------------------ bash, asked as on Tab
@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bash script, and a bin directory whose ``moomtui`` is this tree's."""
    folder = tmp_path_factory.mktemp("completion")
    script = folder / "moomtui.bash"
    script.write_text(completion_script("bash"))
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "moomtui"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m moomtui "$@"\n')
    wrapper.chmod(0o755)
    return script, bin_dir


def test_bash_accepts_the_script(bash_script: tuple[Path, Path]) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    proc = subprocess.run([bash, "-n", str(bash_script[0])], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def complete(bash_script: tuple[Path, Path], line: str) -> list[str]:
    """What bash's Tab offers after ``line`` (a trailing space: a new word)."""
    script, bin_dir = bash_script
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    program = (
        f"source {shlex.quote(str(script))}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_shtab_moomtui\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HOME": str(ROOT),
    }
    proc = subprocess.run(
        ["bash", "--norc", "-c", program], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("moomtui ", list(SUBCOMMANDS)),
        ("moomtui com", ["compare", "completion"]),
        ("moomtui completion ", ["bash", "zsh", "fish"]),
        (
            "moomtui -",
            ["-h", "--help", "-V", "--version", "--theme", "--speed", "--paused", "--seed"],
        ),
        ("moomtui compare fork-bomb --j", ["--jobs", "--json"]),
        ("moomtui check presets/no", ["presets/no-oom.toml"]),
        ("moomtui postmortem examples/reports/mongod", ["examples/reports/mongod-3.10.txt"]),
    ],
)
def test_bash_completes_as_the_parsers_say(
    bash_script: tuple[Path, Path], line: str, expected: list[str]
) -> None:
    assert complete(bash_script, line) == expected


def test_bash_completes_preset_names_from_moomtui_itself(bash_script: tuple[Path, Path]) -> None:
    """The names are asked for on Tab, so a preset of yours added later is offered too."""
    keys = [p.key for p in list_presets()]
    assert complete(bash_script, "moomtui run ") == keys
    assert complete(bash_script, "moomtui run leaky") == ["leaky-apache"]


def test_every_option_of_every_subcommand_is_offered(bash_script: tuple[Path, Path]) -> None:
    for command in SUBCOMMANDS:
        options = {
            option
            for action in build_sub_parser(command)._actions
            for option in action.option_strings
        }
        assert set(complete(bash_script, f"moomtui {command} -")) == options, command
