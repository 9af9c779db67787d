"""Whatever is typed, Shell.execute answers with a Result and never raises."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moomtui.shell import Result

from ..fixtures import machine
from .helpers import REGISTRY, shell, user_task

# `script` writes files; it is tested on its own (test_shell_script.py).
COMMAND_WORDS = [name for name in shell().commands() if name != "script"]
WORDS = [
    *COMMAND_WORDS,
    "-", "--", "-a", "-c", "-e", "-f", "-l", "-m", "-n", "-p", "-r", "-s", "-u", "-w", "-9",
    "-KILL", "-TERM", "-h", "--help", "--comm", "--ppid", "--nice", "--user", "aux", "-ef",
    ">", ">>", "'", '"', "\\", "#", "=", "|",
    "/proc", "/proc/", "/proc/1", "/proc/meminfo", "/proc/1/status", "/proc/999/stat",
    "/proc/sys", "/proc/sys/kernel/panic", "/proc/sys/vm/oom/oom_parent_max", "sys/vm", "..",
    "kernel.panic", "kernel.printk=4", "vm.overcommit_memory=1", "vm.oom.oom_parent_max=-1",
    "oom_knob", "oom_other", "oom_kill", "oom_parent_max=5", "oom_parent_max=0x10",
    "hog", "leak", "idle", "forkbomb", "prefork", "batch", "threaded", "rate=1M/s",
    "rate=64K/s", "limit=1M", "rss=1M", "children=2", "threads=2", "busy=50",
    "root", "user", "nobody", "www-data", "1s", "500ms", "250j", "max", "faster", "1M", "64M",
]  # fmt: skip

word = st.one_of(
    st.sampled_from(WORDS),
    st.integers(-3, 300).map(str),
    st.text(max_size=6),
)
lines = st.tuples(st.sampled_from(COMMAND_WORDS), st.lists(word, max_size=5)).map(
    lambda t: " ".join([t[0], *t[1]])
)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.one_of(lines, st.text(max_size=20)), min_size=1, max_size=6))
def test_random_command_lines_never_raise(
    in_tmp: Path, fuzz_examples: Counter[str], typed: list[str]
) -> None:
    fuzz_examples["shell command lines"] += 1
    k = machine(user_task("sleeper", 512, pid=100), registry=REGISTRY, swap_pages=512)
    sh = shell(k)
    for line in typed:
        result = sh.execute(line)
        assert isinstance(result, Result)
        assert isinstance(result.output, str)
        assert isinstance(result.status, int)
        assert "internal error" not in result.output, (line, result.output)
        assert isinstance(sh.complete(line), list)
    assert sh.kernel.check_invariants() == []
