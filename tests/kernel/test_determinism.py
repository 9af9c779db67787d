"""Same boot spec and seed ⇒ the same event stream, event for event."""

from __future__ import annotations

import pytest

from moomtui.kernel import TaskSpec
from moomtui.kernel.constants import HZ

from ..fixtures import Recorder, machine

WORKLOAD = (
    TaskSpec(
        comm="srv",
        pid=300,
        uid=0,
        program="prefork",
        args={"children": 4, "child": "leak", "child_rate": "128K/s"},
    ),
    TaskSpec(comm="bomb", uid=1000, program="forkbomb", args={"interval": "2s"}),
    TaskSpec(comm="db", uid=26, total_vm=2048, rss=1024, program="database", args={"size": "6M"}),
)


def run_once(seed: int) -> list[dict]:
    k = machine(
        *WORKLOAD, ram_pages=8192, swap_pages=2048, seed=seed, kconfig={"CONFIG_OOM_KILL": "y"}
    )
    rec = Recorder(k)
    k.run_for(120 * HZ)
    return [e.to_dict() for e in rec.events]


@pytest.mark.slow
def test_two_runs_give_identical_event_streams() -> None:
    first, second = run_once(1), run_once(1)
    assert len(first) > 100
    assert first == second
    assert any(e["event"] == "oom_kill" for e in first)


def test_run_for_in_pieces_equals_one_run() -> None:
    a = machine(*WORKLOAD, ram_pages=8192, kconfig={"CONFIG_OOM_KILL": "y"})
    b = machine(*WORKLOAD, ram_pages=8192, kconfig={"CONFIG_OOM_KILL": "y"})
    ra, rb = Recorder(a), Recorder(b)
    a.run_for(60 * HZ)
    for _ in range(60):
        b.run_for(HZ)
    assert [e.to_dict() for e in ra.events] == [e.to_dict() for e in rb.events]
