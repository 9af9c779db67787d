"""The project installs what it ships and keeps the kernel free of the UI stack."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

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
