"""Fuzzing on every run: hostile console lines and mutated presets, counted.

``bench/fuzz.py`` holds the fuzzers and runs ten times as many on demand; this runs 10,000
console lines — built from the real grammar, with every line break ``str.splitlines()``
knows, special paths, huge, ``nan`` and 400-digit numbers and unicode — and 1,000 mutated
presets through ``moomtui check`` and ``moomtui run --for 5s``, and asserts what must hold
for every one of them (issue: a stranger's input never runs code, never writes a file, never
crashes): no traceback, no item over 2 s of CPU time (none blocked for a minute), no
``internal error``, no broken kernel invariant, every bad preset answered by exit 2 and one
stderr line naming the file, and none of the files the hostile inputs try to create exists
afterwards. The counts are printed at the end of the run (``fuzz_examples``). The bound is
on CPU time, which a loaded machine does not stretch; a bound of 2 s of wall time was a
coin toss there (at a load of 7 on 2 cores a line of 0.14 s took 1.5 s).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from .fixtures import load_bench

pytestmark = pytest.mark.slow  # thousands of generated inputs

CONSOLE_LINES = 10_000
PRESETS = 1_000


@pytest.fixture(scope="module")
def fuzz() -> ModuleType:
    return load_bench("fuzz")


@pytest.fixture
def playground(fuzz: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return fuzz.make_playground(tmp_path / "playground")


def test_console_lines_never_crash_hang_or_break_the_machine(
    fuzz: ModuleType, playground: object, fuzz_examples: Counter[str]
) -> None:
    def count() -> None:
        fuzz_examples["console lines (grammar + hostile forms)"] += 1

    tally = fuzz.fuzz_console(CONSOLE_LINES, 0, playground, on_line=count)
    assert tally.items == CONSOLE_LINES
    assert tally.failed == 0, "\n".join(tally.failures)
    assert sum(tally.answers.values()) == CONSOLE_LINES
    assert tally.answers["status 0"] > CONSOLE_LINES // 10  # many lines do run
    assert tally.answers["status 126"] > 0  # and the profiles refuse some
    assert playground.written() == []  # type: ignore[attr-defined]


def test_mutated_presets_are_checked_and_run_or_refused_in_one_line(
    fuzz: ModuleType, playground: object, fuzz_examples: Counter[str]
) -> None:
    def count() -> None:
        fuzz_examples["mutated presets (check, run --for 5s)"] += 1

    tally = fuzz.fuzz_presets(PRESETS, 0, playground, on_preset=count)
    assert tally.items == PRESETS
    assert tally.failed == 0, "\n".join(tally.failures)
    assert tally.answers["check: ok"] + tally.answers["check: refused"] == PRESETS
    assert tally.answers["run: ok"] > PRESETS // 5  # a good share is run, not only refused
    assert tally.answers["check: refused"] > PRESETS // 5
    assert playground.written() == []  # type: ignore[attr-defined]
