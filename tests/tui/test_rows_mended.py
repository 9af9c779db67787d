"""The rows mended in place after forks, exits and reaps are the rows a rebuild lays out.

The task tree is not laid out again at every fork: :meth:`ProcessModel.update` mends the
subtrees of the tasks whose children changed. A fork bomb, a prefork server whose workers
come and go, and a leak under an OOM killer run for a while; after every few jiffies the
mended rows must equal a fresh :meth:`ProcessModel.rebuild`, row for row: the pid, the
task, the tree's lines, the children, the fold and the ghost.
"""

from __future__ import annotations

from typing import Any

import pytest

from moomtui.compare import configure
from moomtui.kernel import events as ev
from moomtui.presets import load_preset
from moomtui.sim import Simulation
from moomtui.tui import model as model_module
from moomtui.tui.model import ChangeTracker, Context, ProcessModel, Row


def layout(rows: list[Row]) -> list[tuple[object, ...]]:
    return [(r.pid, r.task, r.prefix, r.children, r.collapsed, r.ghost) for r in rows]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("preset", "policy", "collapse", "stride", "splice", "reverse"),
    [
        ("fork-bomb", "oom_score_adj", False, 7, None, False),
        ("fork-bomb", "oom_kill", True, 7, None, False),
        ("leaky-apache", "oom_kill_parent", False, 150, None, False),
        ("bench", "oom_kill_parent", False, 100, None, False),
        # A parent of many children is spliced, not walked (init in a big machine): here
        # from 3 children, so that apache's parent and init are.
        ("leaky-apache", "oom_kill", False, 40, 3, False),
        ("leaky-apache", "oom_kill_parent", False, 40, 3, True),
    ],
)
def test_mended_rows_are_the_rebuilt_rows(
    preset: str,
    policy: str,
    collapse: bool,
    stride: int,
    splice: int | None,
    reverse: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spliced = []
    if splice is not None:
        monkeypatch.setattr(model_module, "SPLICE_FROM", splice)
        real = ProcessModel._splice

        def counted(self: ProcessModel, *args: Any) -> bool:
            done = real(self, *args)
            spliced.append(done)
            return done

        monkeypatch.setattr(ProcessModel, "_splice", counted)
    scenario = configure(preset, policy, load_preset(preset))
    sim = Simulation(scenario)
    k = sim.kernel
    clock = Clock()
    tracker = ChangeTracker(clock)
    tracker.attach(k)
    model = ProcessModel()
    model.reverse = reverse
    changes = mended = 0
    for step in range(400):
        sim.run_for(1 + step % stride)
        clock.now += 0.1
        changes += sum(1 for e, _ in tracker._pending if isinstance(e, (ev.Fork, ev.Exit, ev.Reap)))
        tracker.settle()
        ctx = Context(k.jiffies)
        touched, whole = tracker.take()
        if collapse and step % 50 == 10:
            model.collapsed = {r.pid for r in model.rows if r.children and r.pid != 1}
            whole = True
        if model.can_update() and not whole:
            model.update(k, tracker.ghosts, ctx, touched)
            mended += bool(touched)
        else:
            model.rebuild(k, tracker.ghosts, ctx)
        fresh = ProcessModel()
        fresh.reverse = reverse
        fresh.collapsed = set(model.collapsed)
        fresh.rebuild(k, tracker.ghosts, ctx)
        assert layout(model.rows) == layout(fresh.rows), f"step {step}"
        assert model.index == fresh.index
    assert changes > 10
    assert mended > 5  # frames that mended the rows in place
    if splice is not None:
        assert spliced.count(True) > 5  # ... by splicing many children's rows
