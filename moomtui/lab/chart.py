"""``--chart CRITERION``: the medians of one criterion as bars on the terminal (plotext).

plotext is a dependency (the screen's history charts draw with it too; below 6, which
changed its interface). One chart per preset: a bar per configuration, its median, ★ on the
best (the summary's). The labels are the sweep's own, shown with :func:`moomtui.text.visible`;
the colours are plotext's, written to the terminal on purpose (:func:`moomtui.text.styled`)
and left out when the output is not a terminal.
"""

from __future__ import annotations

from typing import IO, Any

from ..game import CRITERIA
from ..text import styled, visible
from .spec import SpecError, Sweep


def criterion(key: str) -> Any:
    for crit in CRITERIA:
        if crit.key == key:
            return crit
    raise SpecError(
        f"--chart: {visible(key)}: no such criterion (known: {', '.join(c.key for c in CRITERIA)})"
    )


def render(spec: Sweep, answer: dict[str, Any], key: str, width: int, colour: bool) -> str:
    crit = criterion(key)
    import plotext as plt  # only when a chart is asked for

    out = []
    for ref, part in answer["presets"].items():
        labels, values = [], []
        for config in spec.configs:
            s = part["results"][config.label][crit.key]
            if s["median"] is None:
                continue
            star = "★ " if part["winners"][crit.key] == config.label else ""
            labels.append(visible(star + config.label))
            values.append(s["median"])
        plt.clear_figure()
        arrow = "lower is better" if crit.better == "low" else "higher is better"
        plt.simple_bar(
            labels, values, width=max(width, 40), title=f"{crit.title} ({arrow}): {visible(ref)}"
        )
        text = plt.build()
        out.append(text if colour else plt.uncolorize(text))
    return "\n".join(out)


def show(spec: Sweep, answer: dict[str, Any], key: str, out: IO[str], width: int) -> None:
    colour = _isatty(out)
    text = render(spec, answer, key, width, colour)
    (styled(out) if colour else out).write(text + "\n")


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
