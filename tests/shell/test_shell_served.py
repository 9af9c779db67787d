"""A served session (``moomtui serve``, a stranger at the console) reaches no file of the host.

``script save`` writes none, ``insmod`` runs no file, and ``boot`` takes only the shipped
presets: not a path, not a preset of the host's user. Each is checked against the same
command in a local session, where it does reach the host, so the test could fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from moomtui.presets import load_preset, shipped_presets_dir
from moomtui.shell.profile import LOCAL_CONSOLE, SERVED
from moomtui.sim import Simulation

REFUSED = "Operation not permitted in a served session"


@pytest.fixture
def user_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A preset of the host's user, ``mine``, in ``$XDG_CONFIG_HOME/moomtui/presets``."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "moomtui" / "presets"
    folder.mkdir(parents=True)
    return Path(shutil.copy(shipped_presets_dir() / "classic-leak.toml", folder / "mine.toml"))


def session(served: bool) -> Simulation:
    return Simulation(load_preset("leaky-apache"), profile=SERVED if served else LOCAL_CONSOLE)


def test_script_save_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "saved.txt"
    sim = session(served=True)
    sim.shell.execute("spawn hog")
    result = sim.shell.execute(f"script save -f {target}")
    assert (result.status, result.output) == (
        126,
        f"moomsh: script: {target}: {REFUSED} (script show prints it)",
    )
    assert not target.exists()
    assert sim.shell.execute("script show").output.endswith("spawn hog")

    local = session(served=False)
    local.shell.execute("spawn hog")
    assert local.shell.execute(f"script save -f {target}").status == 0
    assert target.read_text().endswith("spawn hog\n")


def test_insmod_of_a_file_runs_nothing(tmp_path: Path) -> None:
    policy = tmp_path / "evil.py"
    ran = tmp_path / "ran"
    policy.write_text(f"open({str(ran)!r}, 'w').write('ran')\n")
    result = session(served=True).shell.execute(f"insmod {policy}")
    assert (result.status, result.output) == (
        126,
        f"moomsh: insmod: {policy}: {REFUSED} (a policy file runs code: insmod takes module "
        "names here)",
    )
    assert not ran.exists()

    session(served=False).shell.execute(f"insmod {policy}")
    assert ran.read_text() == "ran"


def test_insmod_of_a_built_in_module_still_works() -> None:
    sim = session(served=True)
    assert sim.shell.execute("rmmod oom_kill").status == 0
    assert sim.shell.execute("insmod oom_kill_parent").status == 0
    assert [nb.name for nb in sim.kernel.oom.chain] == ["oom_kill_parent"]


def test_boot_takes_shipped_presets_only(user_preset: Path) -> None:
    sim = session(served=True)
    listed = sim.shell.execute("boot").output.split()
    assert "fork-bomb" in listed and "mine" not in listed
    result = sim.shell.execute("boot mine")
    assert (result.status, result.output) == (
        1,
        "boot: mine: no such preset (boot alone lists them)",
    )
    for ref in (str(user_preset), str(shipped_presets_dir() / "fork-bomb.toml")):
        result = sim.shell.execute(f"boot {ref}")
        assert (result.status, result.output) == (
            126,
            f"moomsh: boot: {ref}: {REFUSED} (boot takes preset names here)",
        )
    assert sim.scenario.key == "leaky-apache"
    assert sim.shell.execute("boot fork-bomb").status == 0
    assert sim.scenario.key == "fork-bomb"

    local = session(served=False)
    assert "mine" in local.shell.execute("boot").output.split()
    assert local.shell.execute(f"boot {user_preset}").status == 0
    assert local.scenario.key == "mine"
