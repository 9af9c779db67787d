"""Capability profiles: what the console, a script, a preset and a served session may do.

The same :func:`refusal` answers when a line is checked and when it runs, so the two agree by
construction; these tests hold that for every command and the arguments that need a
capability.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from moomtui.presets import load_preset
from moomtui.shell import Session, Shell, check_line
from moomtui.shell.base import COMMANDS
from moomtui.shell.profile import (
    LOCAL_CONSOLE,
    PRESET,
    PRESET_COMMANDS,
    PROFILES,
    SCRIPT,
    SERVED,
    Profile,
)
from moomtui.sim import Simulation

from ..fixtures import machine

PATH_ARGUMENTS = {
    "insmod ./policy.py": "insmod: ./policy.py: {} (a policy file runs code: insmod takes "
    "module names here)",
    "insmod /tmp/x": "insmod: /tmp/x: {} (a policy file runs code: insmod takes module names here)",
    "script save out.txt": "script: out.txt: {} (script show prints it)",
    "script save -f out.txt": "script: out.txt: {} (script show prints it)",
    "boot ./x.toml": "boot: ./x.toml: {} (boot takes preset names here)",
    "boot /tmp/x": "boot: /tmp/x: {} (boot takes preset names here)",
}
"""What each profile but the local console answers, ``{}`` the refusal."""


def test_the_preset_allow_list_names_real_commands_and_leaves_out_the_host() -> None:
    assert set(COMMANDS) >= PRESET_COMMANDS
    for name in ("boot", "script", "su", "reboot", "kconfig", "history", "step"):
        assert name not in PRESET_COMMANDS
    for name in ("insmod", "rmmod", "sysctl", "echo", "kill", "renice", "spawn", "swapon"):
        assert name in PRESET_COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_outside_the_allow_list_is_refused_when_checked_and_when_run(
    name: str,
) -> None:
    sh = Shell(Session(machine()))
    checked = check_line(name, PRESET)
    result = sh.execute(name, profile=PRESET)
    if name in PRESET_COMMANDS:
        assert result.status != 126 and (checked is None or "not allowed" not in checked)
    else:
        assert checked == f"{name}: Operation not permitted in a preset"
        assert (result.status, result.output) == (
            126,
            f"moomsh: {name}: Operation not permitted in a preset",
        )


@pytest.mark.parametrize("line", sorted(PATH_ARGUMENTS))
@pytest.mark.parametrize("profile", [SCRIPT, PRESET, SERVED], ids=lambda p: p.name)
def test_arguments_that_reach_the_host_are_refused_alike_when_checked_and_run(
    line: str, profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sh = Shell(Session(machine(), on_boot=lambda name: None))
    checked = check_line(line, profile)
    result = sh.execute(line, profile=profile)
    assert checked is not None and result.status == 126
    assert result.output == f"moomsh: {checked}"
    refused = f"Operation not permitted in {profile.label}"
    if profile is PRESET and line.split()[0] != "insmod":
        assert checked == f"{line.split()[0]}: {refused}"
    else:
        assert checked == PATH_ARGUMENTS[line].format(refused)
    assert list(tmp_path.iterdir()) == []


def test_the_local_console_may_do_what_the_others_may_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sh = Shell(Session(machine()))
    for line in PATH_ARGUMENTS:
        assert check_line(line, LOCAL_CONSOLE) is None
    assert sh.execute("script save out.txt").status == 0
    assert (tmp_path / "out.txt").exists()


def test_narrowing_keeps_only_what_both_allow() -> None:
    both = SERVED.narrow(PRESET)
    assert both.name == "preset" and both.commands == PRESET_COMMANDS
    assert not (both.run_code or both.read_files or both.write_files or both.user_files)
    assert LOCAL_CONSOLE.narrow(SCRIPT) == SCRIPT
    assert SCRIPT.narrow(SERVED).user_files is False
    assert LOCAL_CONSOLE.narrow(LOCAL_CONSOLE) is LOCAL_CONSOLE
    assert set(PROFILES) == {"local-console", "script", "preset", "served"}


def test_a_line_runs_under_the_sessions_profile_narrowed_and_then_back() -> None:
    sh = Shell(Session(machine(), profile=SCRIPT))
    assert sh.execute("su user", profile=PRESET).status == 126
    assert sh.profile is SCRIPT
    assert sh.execute("su user").status == 0  # a script may su
    assert sh.execute("insmod ./x.py").status == 126


def test_a_served_simulation_boots_only_shipped_presets(isolated_home: Path) -> None:
    mine = isolated_home / "config" / "moomtui" / "presets"
    mine.mkdir(parents=True)
    (mine / "mine.toml").write_text('name = "Mine"\n')
    served = Simulation(load_preset("classic-leak"), profile=SERVED)
    local = Simulation(load_preset("classic-leak"))
    assert "mine" not in served.session.preset_names()
    assert "mine" in local.session.preset_names()
    result = served.shell.execute("boot mine")
    assert (result.status, result.output) == (
        1,
        "boot: mine: no such preset (boot alone lists them)",
    )
    assert local.shell.execute("boot mine").status == 0 and local.scenario.name == "Mine"
    assert served.shell.execute("boot no-oom").status == 0 and served.scenario.key == "no-oom"


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path
