"""The project installs what it ships and keeps the kernel free of the UI stack; its sdist
is a source tree whose tests run, and both the sdist and the wheel carry the licence."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from . import tree
from .tree import source_files

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_directory_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "moomtui").rglob("__init__.py")
    }
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"


def test_every_data_file_in_a_package_is_installed() -> None:
    """A file that is not Python (a stylesheet, the served page) is matched by package-data."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    data = setuptools["package-data"]
    missing = []
    for path in (ROOT / "moomtui").rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(ROOT).parts)
        if not any(fnmatch.fnmatch(path.name, glob) for glob in data.get(package, [])):
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"not in pyproject.toml's package-data: {missing}"


def test_kernel_imports_without_textual_or_rich() -> None:
    code = (
        "import sys, moomtui.kernel, moomtui.modules, moomtui.userland;"
        "print(sorted(m for m in ('textual', 'rich') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_python_dash_m_help_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "moomtui", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("usage: moomtui")


def test_walking_the_tree_finds_every_tracked_file() -> None:
    """Where there is no git (an unpacked sdist) the tree is walked: in this checkout, the
    walk drops no tracked file, so the tests that copy "the repository" copy the same."""
    tracked = {name for name in source_files() if (ROOT / name).is_file()}
    walked = set(tree._walked(ROOT))
    assert tracked <= walked, f"tracked but left out by the walk: {sorted(tracked - walked)}"
    assert not [name for name in walked if "__pycache__" in name or ".egg-info/" in name]


class Built(NamedTuple):
    files: list[str]  # the source files built from
    in_sdist: list[str]  # the sdist's files, relative to its top folder
    in_wheel: list[str]
    metadata: str  # the wheel's METADATA


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """``python -m build`` on a copy of the source files: the sdist, then the wheel built
    from that sdist, as pip builds one from PyPI's sdist."""
    tmp = tmp_path_factory.mktemp("build")
    copy, dist = tmp / "moomtui", tmp / "dist"
    files = [name for name in source_files() if (ROOT / name).is_file()]
    for name in files:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(copy)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"python -m build failed:\n{proc.stdout[-3000:]}{proc.stderr}"
    (sdist,) = dist.glob("moomtui-*.tar.gz")
    (wheel,) = dist.glob("moomtui-*.whl")
    with tarfile.open(sdist) as tar:
        top = sdist.name.removesuffix(".tar.gz")
        in_sdist = [m.name.removeprefix(f"{top}/") for m in tar.getmembers() if m.isfile()]
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = whl.namelist()
        metadata = whl.read("moomtui-0.1.0.dist-info/METADATA").decode()
    return Built(files, in_sdist, in_wheel, metadata)


@pytest.mark.slow  # python -m build: two isolated build environments
def test_the_sdist_holds_every_source_file_and_nothing_else(built: Built) -> None:
    """Unpacked, the sdist is a source tree whose own tests run: tests (conftest, fixtures,
    golden files, snapshots), the docs and examples they read, bench/, the licence."""
    files, in_sdist = built.files, built.in_sdist
    for needed in ("LICENSE", "tests/conftest.py", "docs/postmortem.md", ".ci/run"):
        assert needed in files
    missing = sorted(set(files) - set(in_sdist))
    assert not missing, f"source files missing from the sdist (MANIFEST.in): {missing}"
    extra = sorted(
        name
        for name in set(in_sdist) - set(files)
        if name not in tree.BUILD_METADATA and not name.startswith("moomtui.egg-info/")
    )
    assert not extra, f"the sdist holds files that are not the project's: {extra}"


@pytest.mark.slow  # python -m build: two isolated build environments
def test_the_wheel_ships_the_licence(built: Built) -> None:
    """PEP 639: the text in dist-info/licenses/, the SPDX expression in the metadata, and no
    License classifier beside it."""
    assert "moomtui-0.1.0.dist-info/licenses/LICENSE" in built.in_wheel
    assert "GNU GENERAL PUBLIC LICENSE\n                       Version 2, June 1991" in (
        (ROOT / "LICENSE").read_text()
    )
    lines = built.metadata.splitlines()
    assert "License-Expression: GPL-2.0-only" in lines
    assert "License-File: LICENSE" in lines
    assert not [line for line in lines if line.startswith("Classifier: License ::")]
    # the wheel installs the package only: no tests, docs or examples beside it
    assert {name.split("/")[0] for name in built.in_wheel} == {
        "moomtui",
        "moomtui-0.1.0.dist-info",
    }


def test_the_floor_constraints_pin_the_declared_floors() -> None:
    """``.ci/floor-constraints.txt`` pins each library at the floor pyproject.toml declares
    (``>=X`` there, ``==X`` here), so the floor CI tests is the floor users are promised."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [
        line for extra in project["optional-dependencies"].values() for line in extra
    ]
    floors: dict[str, set[str]] = {}
    for line in declared:
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator == ">=":
                floors.setdefault(canonicalize_name(requirement.name), set()).add(spec.version)
    pins = {}
    for line in (ROOT / ".ci" / "floor-constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    assert {"textual", "rich"} <= pins.keys()
    for name, version in pins.items():
        assert floors.get(name), f"{name} is pinned but has no floor in pyproject.toml"
        assert {Version(v) for v in floors[name]} == {Version(version)}, (name, floors[name])
