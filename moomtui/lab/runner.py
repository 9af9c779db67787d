"""One run, in whatever process runs it: a job's :class:`~.spec.Payload` → its score card.

Nothing here depends on the process or the machine: the preset comes as text, the policy
files as bytes, the seed and the length as numbers. A worker keeps the scenarios it has
loaded (a family's is drawn per seed), so a thousand seeds of one configuration check the
preset once.
"""

from __future__ import annotations

import functools
from typing import Any

from ..game import Scorer, Tracked
from ..presets import PresetError, PresetSource, Scenario
from ..sim import Simulation
from .spec import Payload

RunResult = dict[str, Any]
"""``{"card": {...}, "drawn": {...}}``: the score card as plain data and a family's draws."""


class RunError(Exception):
    """A run that could not start (a policy file refused on the worker): one line."""


@functools.lru_cache(maxsize=64)
def _scenario(
    text: str, source: str, key: str, overrides: tuple[str, ...], draw: int | None
) -> Scenario:
    return PresetSource(text, source, key).load(overrides=list(overrides), draw=draw)


def run_payload(payload: Payload) -> RunResult:
    """Run one job; its card and draws (the same in every process for the same payload)."""
    try:
        scenario = _scenario(
            payload.text,
            payload.source,
            payload.key,
            payload.overrides,
            payload.seed if payload.family else None,
        )
    except PresetError as err:
        raise RunError(str(err)) from None
    duration = scenario.length if payload.duration is None else payload.duration
    return {"card": simulate(scenario, payload, duration), "drawn": dict(scenario.drawn)}


def simulate(scenario: Scenario, payload: Payload, duration: int) -> dict[str, Any]:
    sim = Simulation(scenario, seed=payload.seed)
    if payload.files:
        from ..kernel.module import ModuleError
        from ..modules.plugins import insmod_source

        for file, args in payload.files:
            try:
                insmod_source(sim.kernel.modules, file.path, file.source, args)
            except ModuleError as err:
                raise RunError(str(err)) from None
    scorer = Scorer(sim.kernel)
    sim.kernel.bus.subscribe(scorer)
    tracked = Tracked(sim, scorer)
    tracked.run_for(duration)
    tracked.finish()
    return scorer.card().to_dict()
