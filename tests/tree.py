"""The project's source files: what a clone has, or, in an unpacked sdist, what it holds.

In a git checkout they are the tracked files (``git ls-files``). An unpacked sdist has no
``.git``: there the folder is walked, leaving out what ``.gitignore`` names (build output,
caches, ``.venv``), any other virtual environment (a folder holding ``pyvenv.cfg``) and
the build's own metadata (``PKG-INFO``, ``setup.cfg``), which a build writes afresh. The
tests that copy or check "the repository" use this, so they run the same in both.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BUILD_METADATA = ("PKG-INFO", "setup.cfg")
"""Written by setuptools into an sdist's top folder; not the project's own files."""


def source_files(root: Path = ROOT) -> list[str]:
    """The source files under ``root``, as sorted POSIX paths relative to it."""
    if (root / ".git").exists():  # a folder in a clone, or a worktree's file
        return _tracked(root)
    return _walked(root)


def _tracked(root: Path) -> list[str]:
    proc = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"git ls-files failed in {root}: {proc.stderr}"
    return sorted(name for name in proc.stdout.split("\0") if name)


def _walked(root: Path) -> list[str]:
    ignored = _ignore_patterns(root)
    found = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d != ".git"
            and not (here / d / "pyvenv.cfg").exists()
            and not _ignored((here / d).relative_to(root), ignored, is_dir=True)
        )
        for name in files:
            path = (here / name).relative_to(root)
            if path.as_posix() in BUILD_METADATA or _ignored(path, ignored, is_dir=False):
                continue
            found.append(path.as_posix())
    return sorted(found)


def _ignore_patterns(root: Path) -> list[str]:
    """``.gitignore``'s patterns: blank lines and comments dropped. Negation (``!``) is not
    used by the project, and is refused rather than misread."""
    path = root / ".gitignore"
    lines = path.read_text().splitlines() if path.is_file() else []
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert not [p for p in patterns if p.startswith("!")], ".gitignore: negation not handled"
    return patterns


def _ignored(path: Path, patterns: list[str], *, is_dir: bool) -> bool:
    """Whether git would ignore ``path`` (relative): a pattern without an inner ``/``
    matches a name at any depth, one with it the whole path from the top; a trailing ``/``
    matches folders only."""
    for pattern in patterns:
        if pattern.endswith("/"):
            if not is_dir:
                continue
            pattern = pattern.rstrip("/")
        if "/" in pattern:
            if fnmatch.fnmatchcase(path.as_posix(), pattern.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(path.name, pattern):
            return True
    return False
