"""A ``boot`` replaces the machine: the old kernel is freed, on the screen and headless.

The screen's OOM column scores every task through the loaded policy's guarded ``score()``
(:func:`moomtui.modules.policy_score`); a guard table that kept its modules alive kept every
old kernel with them, 2 MB a ``boot bench``. Each test boots 50 machines and asks, through a
weak reference to each old kernel, that none is left after a collection.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest

from moomtui.kernel import Kernel
from moomtui.modules import GuardedScore, policy_score
from moomtui.presets import load_shipped_preset
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.process_view import ProcessView

BOOTS = 50
PRESET = "two-killers"
"""A small shipped preset whose policy (``oom_kill``) scores tasks with its own ``score()``."""


def alive(refs: list[weakref.ref[Kernel]]) -> int:
    gc.collect()
    return sum(1 for ref in refs if ref() is not None)


@pytest.mark.slow
async def test_fifty_boots_on_the_screen_leave_no_old_kernel_alive(
    make_app: Callable[..., MoomApp],
) -> None:
    app = make_app(load_shipped_preset(PRESET))
    old: list[weakref.ref[Kernel]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon")
        prompt = app.query_one(ConsoleView).input
        for _ in range(BOOTS):
            kernel = app.kernel
            # The screen scores with the policy's guard: what used to keep the kernel.
            assert isinstance(policy_score(kernel), GuardedScore)
            old.append(weakref.ref(kernel))
            del kernel
            prompt.value = f"boot {PRESET}"
            await pilot.press("enter")
            await pilot.pause()
            assert old[-1]() is not app.kernel
        assert app.query_one(ProcessView).model.rows
        assert alive(old) == 0


def test_fifty_boots_headless_leave_no_old_kernel_alive() -> None:
    sim = Simulation(load_shipped_preset(PRESET))
    old: list[weakref.ref[Kernel]] = []
    for _ in range(BOOTS):
        assert isinstance(policy_score(sim.kernel), GuardedScore)
        old.append(weakref.ref(sim.kernel))
        sim.execute(f"boot {PRESET}")
        sim.run_for(10)
    assert alive(old) == 0
    assert isinstance(policy_score(sim.kernel), GuardedScore)
