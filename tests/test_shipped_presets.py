"""Every shipped preset runs for its length and teaches what its description promises.

Outcomes are asserted on the event stream, not on log text.
"""

from __future__ import annotations

from collections import Counter

import pytest

from moomtui.kernel import events as ev
from moomtui.presets import list_presets, load_preset
from moomtui.sim import Simulation


class Run:
    def __init__(self, key: str, *, overrides: list[str] | None = None) -> None:
        self.scenario = load_preset(key, overrides=overrides)
        self.events: list[ev.Event] = []
        bus = ev.EventBus()
        bus.subscribe(self.events.append)
        self.sim = Simulation(self.scenario, bus=bus)
        self.sim.run_for(self.scenario.length)
        self.kernel = self.sim.kernel

    def of(self, cls: type) -> list:
        return [e for e in self.events if isinstance(e, cls)]

    def kills(self) -> list[ev.OomKill]:
        return self.of(ev.OomKill)

    def killed_comms(self) -> Counter[str]:
        return Counter(e.comm for e in self.kills())


@pytest.mark.slow
@pytest.mark.parametrize("key", [p.key for p in list_presets()])
def test_each_preset_runs_its_length_and_keeps_the_invariants(key: str) -> None:
    run = Run(key)
    assert run.sim.elapsed == run.scenario.length
    assert run.kernel.check_invariants() == []


def test_leaky_apache_classic_kills_worker_after_worker_and_never_the_parent() -> None:
    run = Run("leaky-apache")
    kills = run.kills()
    assert len(kills) >= 15
    assert {k.comm for k in kills} == {"httpd"}
    assert 300 not in {k.pid for k in kills}
    assert all(k.module == "oom_kill" for k in kills)


def test_leaky_apache_with_kill_parent_ends_the_leak_with_fewer_kills() -> None:
    classic = Run("leaky-apache")
    parent = Run("leaky-apache", overrides=['kernel.modules=["oom_kill_parent"]'])
    reasons = [k.reason for k in parent.kills()]
    assert "parent" in reasons
    assert [k.pid for k in parent.kills() if k.reason == "parent"] == [300]
    assert len(parent.kills()) < len(classic.kills())
    # Once the parent is gone nobody respawns workers: the last kill comes well before the end.
    last = parent.kills()[-1].jiffies - parent.kernel.spec.jiffies
    assert last < parent.scenario.length - 30 * 100


def test_classic_leak_kills_only_the_leaker_after_a_second_and_ten_calls() -> None:
    run = Run("classic-leak")
    assert [k.comm for k in run.kills()] == ["leaky"]
    calls = run.of(ev.OutOfMemory)
    kill_time = run.kills()[0].jiffies
    before = [c for c in calls if c.jiffies <= kill_time]
    assert len(before) >= 10
    assert kill_time - before[0].jiffies >= 100
    assert run.kernel.oom_state() == "ok"


@pytest.mark.slow
def test_fork_bomb_costs_the_innocent_before_the_bomb() -> None:
    run = Run("fork-bomb")
    comms = [k.comm for k in run.kills()]
    assert comms[0] != "bomb"
    assert "mysqld" in comms
    assert "bomb" in comms
    assert len(run.of(ev.Fork)) > 100


def test_no_oom_livelocks_with_no_handler() -> None:
    run = Run("no-oom")
    assert run.kills() == []
    calls = run.of(ev.OutOfMemory)
    assert len(calls) > 1000 and all(c.handlers == () for c in calls)
    assert run.kernel.oom_state() == "livelock"


def test_no_oom_is_rescued_by_insmod_oom_kill() -> None:
    scenario = load_preset("no-oom")
    sim = Simulation(scenario, script=[(60 * 100, "insmod oom_kill")])
    events: list[ev.Event] = []
    sim.kernel.bus.subscribe(events.append)
    sim.run_for(scenario.length)
    kills = [e for e in events if isinstance(e, ev.OomKill)]
    assert [k.comm for k in kills] == ["cruncher"]
    assert sim.kernel.oom_state() == "ok"


def test_ha_failover_panics_with_swap_free_and_reboots() -> None:
    run = Run("ha-failover")
    panics = run.of(ev.Panic)
    assert panics and panics[0].message == "Out-Of-Memory" and panics[0].timeout == 10
    calls = run.of(ev.OutOfMemory)
    assert calls[0].nr_swap_pages > 0  # panicked although swap was free
    assert len(run.of(ev.Reboot)) >= 1
    assert run.kills() == []


def test_who_dies_follows_badness_niced_user_root_rawio() -> None:
    run = Run("who-dies")
    order = [k.comm for k in run.kills()]
    assert order[:3] == ["niced", "user", "root"]
    assert "rawio" not in order[:3]


def test_swap_trap_thrashes_and_never_kills() -> None:
    run = Run("swap-trap")
    assert run.kills() == []
    assert run.kernel.vm.pswpin > 0
    assert any(c.nr_swap_pages > 0 for c in run.of(ev.OutOfMemory))


def test_threaded_server_threads_die_together() -> None:
    run = Run("threaded-server")
    kills = run.kills()
    assert len(kills) == 9
    assert {k.comm for k in kills} == {"jserver"}
    assert len({k.jiffies for k in kills}) == 1
    assert sorted(k.reason for k in kills) == ["thread"] * 8 + ["victim"]


def test_two_killers_both_kill_on_one_shortage() -> None:
    run = Run("two-killers")
    by_time: dict[int, set[str]] = {}
    for k in run.kills():
        by_time.setdefault(k.jiffies, set()).add(k.module)
    assert any(mods == {"oom_kill", "oom_kill_parent"} for mods in by_time.values())
