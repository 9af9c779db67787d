"""Where this copy of moomtui was installed from: its version, and how to add an extra to it.

``moomtui -V`` prints the installed distribution's version (its metadata, as the package
manager recorded it), or the package's own :data:`moomtui.__version__` when moomtui runs
from a source tree that is not the installed copy (``PYTHONPATH=.`` in a clone).

``moomtui serve`` without the web extra says how to get it, and ``pip install
'moomtui[web]'`` is right only for a copy that came from a package index. A copy installed
from a clone (``pip install .``, or ``-e .``) is named by its directory, which
``direct_url.json`` records (PEP 610); one from an archive or a repository by its URL; one
not installed at all gets the extra's own requirements, read from the tree's
``pyproject.toml``. The command is the interpreter's own pip (``python -m pip``), so the
extra lands beside the moomtui that asked for it, whatever ``pip`` on the PATH is.

A leaf module: it imports nothing of moomtui but the version constant.
"""

from __future__ import annotations

import json
import shlex
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import __version__

DISTRIBUTION = "moomtui"
PACKAGE_FILE = Path(__file__).resolve().with_name("__init__.py")
"""The package this code runs from."""


def distribution() -> metadata.Distribution | None:
    """The installed moomtui distribution, if the package running is its copy.

    An installer's record only (it names its ``INSTALLER``, or ``direct_url.json``): a
    clone that was once installed editable holds the build's ``moomtui.egg-info`` beside
    the package, which ``python -m moomtui`` run there would find first.
    """
    for dist in metadata.distributions(name=DISTRIBUTION):
        recorded = dist.read_text("INSTALLER") is not None or direct_url(dist) is not None
        if recorded and runs_from(dist, PACKAGE_FILE):
            return dist
    return None


def runs_from(dist: metadata.Distribution, package_file: Path) -> bool:
    """Whether ``package_file`` (the running ``moomtui/__init__.py``) is ``dist``'s: the
    installed file itself, or a file of the directory an editable install points at."""
    source = source_dir(dist)
    if source is not None and editable(dist):
        return package_file.is_relative_to(source.resolve())
    try:
        installed = Path(str(dist.locate_file("moomtui/__init__.py"))).resolve()
    except (OSError, NotImplementedError):
        return False
    return installed == package_file


def version() -> str:
    """``0.1.0``: the installed distribution's version, else the package's constant."""
    dist = distribution()
    return __version__ if dist is None else dist.version


def direct_url(dist: metadata.Distribution) -> dict[str, object] | None:
    """The distribution's ``direct_url.json``: where it was installed from, unless that was
    a package index (then there is none)."""
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("url"), str) else None


def source_dir(dist: metadata.Distribution) -> Path | None:
    """The local directory it was installed from (``pip install /path/to/clone``)."""
    info = direct_url(dist)
    if info is None or not isinstance(info.get("dir_info"), dict):
        return None
    url = urlparse(str(info["url"]))
    if url.scheme != "file":
        return None
    return Path(unquote(url.path))


def editable(dist: metadata.Distribution) -> bool:
    info = direct_url(dist)
    dir_info = info.get("dir_info") if info is not None else None
    return isinstance(dir_info, dict) and dir_info.get("editable") is True


def extra_requirement(extra: str, dist: metadata.Distribution | None) -> str:
    """What to give pip to add ``extra`` to this copy: ``'/path/to/clone[web]'`` (with
    ``-e`` if it was installed editable), ``'moomtui[web] @ URL'``, ``'moomtui[web]'``
    (from an index), or — not installed — the extra's own requirements."""
    if dist is None:
        return " ".join(shlex.quote(r) for r in _tree_requirements(extra)) or shlex.quote(
            f"{DISTRIBUTION}[{extra}]"
        )
    source = source_dir(dist)
    if source is not None:
        spec = shlex.quote(f"{source}[{extra}]")
        return f"-e {spec}" if editable(dist) else spec
    info = direct_url(dist)
    if info is not None:
        url = str(info["url"])
        vcs = info.get("vcs_info")
        if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
            commit = vcs.get("commit_id")
            url = f"{vcs['vcs']}+{url}" + (f"@{commit}" if isinstance(commit, str) else "")
        return shlex.quote(f"{DISTRIBUTION}[{extra}] @ {url}")
    return shlex.quote(f"{DISTRIBUTION}[{extra}]")


def _tree_requirements(extra: str) -> list[str]:
    """The extra's requirements in the source tree's ``pyproject.toml`` (none if there is
    no such tree)."""
    pyproject = PACKAGE_FILE.parent.parent / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        found = data["project"]["optional-dependencies"][extra]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [r for r in found if isinstance(r, str)] if isinstance(found, list) else []


def install_hint(
    extra: str, dist: metadata.Distribution | None, executable: str | None = None
) -> str:
    """The command that adds ``extra`` to the moomtui of ``dist`` (None: not installed),
    with this interpreter's pip: ``/usr/bin/python3 -m pip install '/home/me/moomtui[web]'``."""
    python = shlex.quote(executable or sys.executable or "python3")
    return f"{python} -m pip install {extra_requirement(extra, dist)}"
