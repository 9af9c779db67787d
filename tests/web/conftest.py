"""The web tests' fixture: one ``moomtui serve`` per test module (see :mod:`.helpers`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import ServerProcess, moomtui_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for a module's tests, in a folder of its own."""
    with moomtui_server(tmp_path_factory.mktemp("serve")) as running:
        yield running
