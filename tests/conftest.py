"""Shared by every test: the fuzz tests count the examples they try, and the run reports them.

A fuzz test takes the session-wide ``fuzz_examples`` counter and adds one per example its
body runs (``fuzz_examples["shell command lines"] += 1``); the terminal summary prints each
count at the end of the run, whatever the verbosity, so CI's log says how much bad input
was tried.

Property tests are repeatable: every Hypothesis test draws the same examples on every run
(``derandomize``, no example database), so a run on a clean clone passes or fails as the
last one did. ``HYPOTHESIS_PROFILE=explore pytest`` draws new examples each run, to look
for what the fixed ones miss.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

_TRIED = pytest.StashKey[Counter[str]]()


@pytest.fixture(scope="session")
def fuzz_examples(request: pytest.FixtureRequest) -> Counter[str]:
    """Examples tried per fuzz test; session-scoped, so Hypothesis may use it."""
    return request.config.stash.setdefault(_TRIED, Counter())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first, in their order (a stable sort): spread over workers, the
    longest start early, and the last a worker runs are the short ones — not a screen
    session or a served one, mostly waiting, with the other worker done."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    tried = config.stash.get(_TRIED, None)
    if not tried:
        return
    terminalreporter.write_sep("-", "fuzz examples tried")
    for name, count in sorted(tried.items()):
        terminalreporter.write_line(f"{name}: {count}")
