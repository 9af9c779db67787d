"""Where moomtui was installed from: ``-V``, and a web-extra hint that works for that copy."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import moomtui
from moomtui import install

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "/opt/py/bin/python3"


def fake_dist(tmp_path: Path, direct_url: dict[str, object] | None) -> metadata.Distribution:
    """A moomtui-0.1.0.dist-info as pip leaves it, with ``direct_url`` as given."""
    info = tmp_path / "site-packages" / "moomtui-0.1.0.dist-info"
    info.mkdir(parents=True)
    info.joinpath("METADATA").write_text(
        "Metadata-Version: 2.4\nName: moomtui\nVersion: 0.1.0\n"
        'Provides-Extra: web\nRequires-Dist: textual-serve<2,>=1.1; extra == "web"\n'
    )
    info.joinpath("INSTALLER").write_text("pip\n")
    if direct_url is not None:
        info.joinpath("direct_url.json").write_text(json.dumps(direct_url))
    return metadata.PathDistribution(info)


def test_from_an_index_the_hint_names_the_extra_of_the_package(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path, None)
    assert install.install_hint("web", dist, PYTHON) == f"{PYTHON} -m pip install 'moomtui[web]'"


def test_from_a_clone_the_hint_names_the_clone(tmp_path: Path) -> None:
    """``pip install /home/me/my moomtui``: the directory, quoted for the shell."""
    dist = fake_dist(tmp_path, {"url": "file:///home/me/my%20moomtui", "dir_info": {}})
    hint = install.install_hint("web", dist, PYTHON)
    assert hint == f"{PYTHON} -m pip install '/home/me/my moomtui[web]'"
    assert shlex.split(hint)[-1] == "/home/me/my moomtui[web]"


def test_from_a_clone_installed_editable_the_hint_keeps_it_editable(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path, {"url": "file:///src/moomtui", "dir_info": {"editable": True}})
    assert install.install_hint("web", dist, PYTHON) == (
        f"{PYTHON} -m pip install -e '/src/moomtui[web]'"
    )


def test_from_a_repository_or_an_archive_the_hint_names_its_url(tmp_path: Path) -> None:
    git = {
        "url": "https://example.org/moomtui.git",
        "vcs_info": {"vcs": "git", "commit_id": "0123abc"},
    }
    assert install.extra_requirement("web", fake_dist(tmp_path / "a", git)) == (
        "'moomtui[web] @ git+https://example.org/moomtui.git@0123abc'"
    )
    wheel = {"url": "file:///tmp/moomtui-0.1.0-py3-none-any.whl", "archive_info": {}}
    assert install.extra_requirement("web", fake_dist(tmp_path / "b", wheel)) == (
        "'moomtui[web] @ file:///tmp/moomtui-0.1.0-py3-none-any.whl'"
    )


def test_not_installed_the_hint_is_the_extras_own_requirements() -> None:
    """Run from a source tree (``PYTHONPATH=.``): what pyproject.toml's extra needs."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["web"]
    hint = install.install_hint("web", None, PYTHON)
    assert shlex.split(hint) == [PYTHON, "-m", "pip", "install", *extra]


def test_the_interpreter_is_quoted_when_its_path_needs_it(tmp_path: Path) -> None:
    hint = install.install_hint("web", fake_dist(tmp_path, None), "/opt/my py/python")
    assert shlex.split(hint)[:3] == ["/opt/my py/python", "-m", "pip"]


def test_a_dist_is_this_copy_only_if_its_files_are_the_ones_running(tmp_path: Path) -> None:
    package = ROOT / "moomtui" / "__init__.py"
    here = fake_dist(tmp_path / "a", {"url": ROOT.as_uri(), "dir_info": {"editable": True}})
    elsewhere = fake_dist(
        tmp_path / "b", {"url": (tmp_path / "x").as_uri(), "dir_info": {"editable": True}}
    )
    assert install.runs_from(here, package)
    assert not install.runs_from(elsewhere, package)
    assert not install.runs_from(fake_dist(tmp_path / "c", None), package)


def test_version_constant_is_the_projects_version() -> None:
    """The fallback from a source tree says what pyproject.toml says."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert moomtui.__version__ == project["version"]


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_dash_v_prints_the_version(flag: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "moomtui", flag], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == f"moomtui {install.version()}\n"
    assert proc.stdout == f"moomtui {moomtui.__version__}\n"
