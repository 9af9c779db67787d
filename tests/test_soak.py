"""The soak, shortened: two simulated hours of churn typed through the shell.

``bench/soak.py`` runs 24 simulated hours and prints the time and memory of each; this runs
the same soak (same machine, same minute-by-minute commands) for two hours and asserts what
must hold whatever the machine: the kernel's invariants after every simulated minute, no
command ending in an internal error, and bounded buffers (the log ring buffer, the timer
heap, the task list, the score card's bookkeeping). Timings are printed by the benchmark,
never asserted here.
"""

from __future__ import annotations

import pytest

from .fixtures import load_bench

pytestmark = pytest.mark.slow  # two simulated hours

HOURS = 2


@pytest.fixture(scope="module")
def soaked() -> tuple[object, list]:
    bench = load_bench("soak")
    return bench.soak(HOURS, report=lambda hour: None)


@pytest.mark.soak
def test_every_minute_keeps_the_invariants_and_the_bounds(soaked: tuple[object, list]) -> None:
    s, _ = soaked
    assert s.minute == HOURS * 60
    assert s.problems == []
    assert s.internal_errors == []


@pytest.mark.soak
def test_the_churn_really_happened(soaked: tuple[object, list]) -> None:
    s, hours = soaked
    for hour in hours:
        e = hour.events
        assert e["fork"] > 10_000 and e["exit"] > 10_000 and e["reap"] > 10_000
        assert e["oom_kill"] > 10 and e["out_of_memory"] > 100
        assert e["module_load"] >= 50 and e["module_unload"] >= 45  # every minute
        assert e["sysctl_write"] >= 10
        assert e["panic"] == 1 and e["reboot"] == 2  # oom_panic's, and the one typed
        assert e["swap"] >= 6
        assert hour.commands >= 200
    assert s.failed < s.commands // 10  # swapoff with RAM full, killall with nothing to kill


@pytest.mark.soak
def test_the_log_ring_buffer_filled_and_stayed_bounded(soaked: tuple[object, list]) -> None:
    s, hours = soaked
    log = s.kernel.log
    for hour in hours:
        assert log.capacity - 200 < hour.log_peak <= log.capacity
        assert hour.log_bytes <= log.capacity
    assert log.size == sum(len(r.text) + 4 for r in log.records())


@pytest.mark.soak
def test_nothing_grows_from_one_hour_to_the_next(soaked: tuple[object, list]) -> None:
    _, (first, second) = soaked
    for name in ("tasks", "log_records", "timers"):
        a, b = getattr(first, name), getattr(second, name)
        assert b <= a + max(10, a // 10), (name, a, b)
