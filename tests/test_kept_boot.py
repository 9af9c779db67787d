"""The trial boot kept for the run: ``moomtui run`` boots a preset once.

:mod:`moomtui.presets.trial_boot` boots the spec whole for the run that follows and the
simulation takes that kernel, the recorded boot events handed to its bus. What the run sees
must be what a fresh boot gives, event for event; a preset the checking boot refuses must
be refused with the same message; and the kernel goes only to a simulation that would have
booted the same machine.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from moomtui.kernel import BootError
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.presets import PresetError, list_presets, load_preset, parse_preset
from moomtui.presets.trial_boot import KeptBoot
from moomtui.sim import Simulation


def recorded_run(
    ref: str, *, kept: bool, kinds: tuple[type[ev.Event], ...] | None, seconds: int
) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, Any]]:
    """Every event a subscriber wanting ``kinds`` got, the bus's counts and the end state."""
    keep = KeptBoot(kinds) if kept else None
    scenario = load_preset(ref, keep=keep)
    bus = ev.EventBus()
    got: list[dict[str, Any]] = []
    bus.subscribe(lambda e: got.append(e.to_dict()), kinds=kinds)
    booted = keep.kernel if keep is not None else None
    sim = Simulation(scenario, bus=bus, kept=keep)
    assert (sim.kernel is booted) == kept, "a kept boot is taken; a fresh one is made"
    sim.run_for(seconds * HZ)
    k = sim.kernel
    state = {
        "ticks": k.ticks,
        "free": k.vm.free,
        "tasks": [(t.pid, t.comm, t.state, t.utime, t.stime) for t in k.tasks.values()],
        "log": [(r.jiffies, r.level, r.text) for r in k.log.records()],
        "avenrun": list(k.avenrun),
        "random": k.random.random(),
    }
    return got, bus.count_by_kind(), state


@pytest.mark.parametrize("key", [p.key for p in list_presets(include_user=False)])
@pytest.mark.parametrize("kinds", [None, (ev.Printk, ev.OomKill)], ids=["every kind", "some"])
def test_a_kept_boot_runs_as_a_fresh_boot(key: str, kinds: tuple[type[ev.Event], ...]) -> None:
    """Each shipped preset, 20 simulated seconds: the same events to the subscriber, the
    same counts on the bus and the same machine at the end, kept boot or fresh."""
    fresh = recorded_run(key, kept=False, kinds=kinds, seconds=20)
    kept = recorded_run(key, kept=True, kinds=kinds, seconds=20)
    assert kept == fresh
    assert fresh[0], "the subscriber got events (the boot's, at least)"


REFUSED = [
    'name = "t"\n[kernel]\nmodules = ["oom_foo"]\n',
    'name = "t"\n[kernel]\nconfig = { CONFIG_OOM_KPPID = "m" }\n'
    'modules = ["oom_kill_parent oom_parent_max=lots"]\n',
    'name = "t"\n[kernel]\nmodules = ["oom_kill_parent"]\n',
    'name = "t"\n[kernel]\nsysctl = { "vm.nothing" = 1 }\n',
    'name = "t"\n[kernel]\nsysctl = { "vm.overcommit_memory" = "abc" }\n',
    'name = "t"\n[kernel]\nmodules = ["oom_kill", "oom_kill"]\n',
    'name = "t"\n[machine]\nram = "8M"\n[[tasks]]\ncomm = "a"\nrss = "9M"\n',
]


@pytest.mark.parametrize("text", REFUSED)
def test_a_kept_boot_refuses_what_the_checking_boot_refuses_in_the_same_words(text: str) -> None:
    with pytest.raises(PresetError) as checking:
        parse_preset(textwrap.dedent(text), "presets/x.toml")
    keep = KeptBoot(None)
    with pytest.raises(PresetError) as kept:
        parse_preset(textwrap.dedent(text), "presets/x.toml", keep=keep)
    assert str(kept.value) == str(checking.value)
    assert keep.kernel is None


def test_a_task_the_kernel_cannot_boot_is_refused_in_the_same_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the checker cannot see and only a boot finds (``create_spec_task`` raising
    :class:`BootError`): the kept boot fails, the checking boot words it."""
    import moomtui.kernel.kernel as kernel_module
    import moomtui.presets.trial_boot as trial_module

    real = kernel_module.create_spec_task

    def create(k: Any, spec: Any) -> Any:
        if spec.comm == "boom":
            raise BootError("task boom: cannot boot")
        return real(k, spec)

    monkeypatch.setattr(kernel_module, "create_spec_task", create)
    monkeypatch.setattr(trial_module, "create_spec_task", create)
    text = 'name = "t"\n[[tasks]]\ncomm = "a"\n[[tasks]]\ncomm = "boom"\n'
    keep = KeptBoot(None)
    with pytest.raises(PresetError) as kept:
        parse_preset(text, "presets/x.toml", keep=keep)
    assert str(kept.value) == "presets/x.toml: tasks: task boom: cannot boot"
    assert keep.kernel is None


def test_the_kernel_goes_only_to_a_simulation_that_boots_the_same_machine() -> None:
    keep = KeptBoot((ev.Printk,))
    scenario = load_preset("bench", keep=keep)
    other = Simulation(scenario, seed=scenario.spec.seed + 1, kept=keep)
    assert keep.kernel is None, "offered once, then dropped"
    assert other.kernel.spec.seed == scenario.spec.seed + 1

    keep = KeptBoot((ev.Printk,))
    scenario = load_preset("bench", keep=keep)
    kernel = keep.kernel
    bus = ev.EventBus()
    bus.subscribe(lambda e: None, kinds=(ev.Exec,))  # not recorded: the boot's are gone
    assert Simulation(scenario, bus=bus, kept=keep).kernel is not kernel

    keep = KeptBoot((ev.Printk,))
    scenario = load_preset("bench", keep=keep)
    kernel = keep.kernel
    again = load_preset("bench")  # equal, but not the spec that was booted
    assert Simulation(again, kept=keep).kernel is not kernel

    keep = KeptBoot((ev.Printk,))
    scenario = load_preset("bench", keep=keep)
    kernel = keep.kernel
    assert Simulation(scenario, seed=scenario.spec.seed, kept=keep).kernel is kernel
