"""``--report FILE``: the sweep's summary as one self-contained page (HTML, or SVG alone).

The page has no script, no style sheet or font from elsewhere, nothing fetched: the tables
of the terminal's summary and, per preset and criterion, a chart of each configuration's
median with its 95 % interval as a bar (inline SVG). Every text from data (a preset's name,
a configuration's label) is escaped. A name ending in ``.svg`` gets the charts alone, as one
SVG picture.
"""

from __future__ import annotations

import html
from typing import Any

from ..game import CRITERIA, Criterion
from ..userfiles import UserFileError, write_user_text
from .spec import SpecError, Sweep

ROW = 22
LABEL = 300
PLOT = 360
CHART_CRITERIA = ("work_lost", "kills", "innocent_killed", "livelock", "down")
"""The criteria charted; the tables give them all."""


CHAR = 7.3
"""The width of a character of 12-pixel monospace, near enough."""


def _x(value: float, top: float, left: float) -> float:
    return left + (PLOT * value / top if top > 0 else 0)


def chart(crit: Criterion, labels: list[str], figures: dict[str, Any], winner: str | None) -> str:
    """One criterion: a line per configuration, the interval as a bar, the median a mark."""
    rows = [(label, figures[label][crit.key]) for label in labels]
    top = max((s["ci_high"] for _, s in rows if s["ci_high"] is not None), default=0) or 1
    left = max(LABEL, 16 + CHAR * max(len(label) + 2 for label in labels))
    height = ROW * (len(rows) + 2) + 8
    axis = ROW * (len(rows) + 1)
    better = "lower" if crit.better == "low" else "higher"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + PLOT + 90:.0f}" '
        f'height="{height}" font-family="monospace" font-size="12">',
        f'<text x="4" y="14" font-weight="bold">{html.escape(crit.title)} ({better} is '
        "better): the median, and its 95% interval as a bar</text>",
        f'<line x1="{left:.1f}" x2="{left + PLOT:.1f}" y1="{axis}" y2="{axis}" stroke="#888"/>',
        f'<text x="{left:.1f}" y="{axis + 14}" fill="#555">{html.escape(crit.fmt(0))}</text>',
        f'<text x="{left + PLOT:.1f}" y="{axis + 14}" fill="#555" text-anchor="end">'
        f"{html.escape(crit.fmt(top))}</text>",
    ]
    for i, (label, s) in enumerate(rows):
        y = ROW * (i + 1) + 10
        star = "★ " if label == winner else ""
        out.append(f'<text x="4" y="{y + 4}">{html.escape(star + label)}</text>')
        if s["median"] is None:
            out.append(f'<text x="{left}" y="{y + 4}" fill="#888">no figure</text>')
            continue
        lo, hi, med = (_x(s[k], top, left) for k in ("ci_low", "ci_high", "median"))
        colour = "#2a7" if label == winner else "#47a"
        out.append(
            f'<rect x="{lo:.1f}" y="{y - 5}" width="{max(hi - lo, 1):.1f}" height="10" '
            f'fill="{colour}" fill-opacity="0.35"/>'
        )
        out.append(
            f'<line x1="{med:.1f}" x2="{med:.1f}" y1="{y - 7}" y2="{y + 7}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(
            f'<text x="{hi + 6:.1f}" y="{y + 4}">{html.escape(crit.fmt(s["median"]))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _table(labels: list[str], part: dict[str, Any]) -> str:
    head = "".join(
        f"<th>{html.escape(c.title)} {'↓' if c.better == 'low' else '↑'}</th>" for c in CRITERIA
    )
    rows = []
    for label in labels:
        cells = []
        for crit in CRITERIA:
            s = part["results"][label][crit.key]
            if s["median"] is None:
                cells.append("<td>-</td>")
                continue
            star = "★ " if part["winners"][crit.key] == label else ""
            interval = f"{crit.fmt(s['ci_low'])}–{crit.fmt(s['ci_high'])}"
            cells.append(
                f"<td>{star}{html.escape(crit.fmt(s['median']))}"
                f"<br><small>{html.escape(interval)}</small></td>"
            )
        rows.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>configuration</th>{head}</tr>{''.join(rows)}</table>"


def _paired(part: dict[str, Any]) -> str:
    if not part["paired"]:
        return ""
    head = "".join(f"<th>{html.escape(c.title)}</th>" for c in CRITERIA)
    rows = []
    for label, counts in part["paired"].items():
        if counts is None:
            continue
        cells = "".join(
            f"<td>{counts[c.key]['win']}/{counts[c.key]['loss']}/{counts[c.key]['tie']}</td>"
            for c in CRITERIA
        )
        rows.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    base = html.escape(str(part["baseline"]))
    return (
        f"<h3>paired against {base}: wins/losses/ties per seed</h3>"
        f"<table><tr><th>configuration</th>{head}</tr>{''.join(rows)}</table>"
    )


def _pairs(part: dict[str, Any]) -> str:
    """The pairs asked for (``--pair``, ``--all-pairs``): the first against the second."""
    if not part.get("pairs"):
        return ""
    head = "".join(f"<th>{html.escape(c.title)}</th>" for c in CRITERIA)
    rows = []
    for pair in part["pairs"]:
        counts = pair["counts"]
        cells = (
            "".join(
                f"<td>{counts[c.key]['win']}/{counts[c.key]['loss']}/{counts[c.key]['tie']}</td>"
                for c in CRITERIA
            )
            if counts is not None
            else f'<td colspan="{len(CRITERIA)}">no seed in common</td>'
        )
        rows.append(
            f"<tr><th>{html.escape(pair['a'])}</th><th>{html.escape(pair['b'])}</th>{cells}</tr>"
        )
    return (
        "<h3>paired: the first against the second, wins/losses/ties per seed</h3>"
        f"<table><tr><th>configuration</th><th>against</th>{head}</tr>{''.join(rows)}</table>"
    )


def charts(spec: Sweep, answer: dict[str, Any]) -> list[tuple[str, str]]:
    labels = [c.label for c in spec.configs]
    out = []
    for ref, part in answer["presets"].items():
        for crit in CRITERIA:
            if crit.key in CHART_CRITERIA:
                out.append((ref, chart(crit, labels, part["results"], part["winners"][crit.key])))
    return out


def render_html(spec: Sweep, answer: dict[str, Any]) -> str:
    labels = [c.label for c in spec.configs]
    title = html.escape(spec.name or "moomtui sweep")
    body = [f"<h1>{title}</h1>", f"<p>{answer['runs']} runs.</p>"]
    pictures = charts(spec, answer)
    for ref, part in answer["presets"].items():
        body.append(f"<h2>{html.escape(ref)}: {part['seeds']} seeds per configuration</h2>")
        body.append(_table(labels, part))
        body.append(_paired(part))
        body.append(_pairs(part))
        body.extend(svg for owner, svg in pictures if owner == ref)
    body.append(
        "<p><small>median and 95% bootstrap interval over the seeds; ★ best beyond the "
        "intervals; a configuration that livelocked or panicked is not ranked where the "
        "criterion hides it (docs/lab.md).</small></p>"
    )
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}svg{display:block}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_svg(spec: Sweep, answer: dict[str, Any]) -> str:
    """The charts stacked in one SVG picture."""
    parts, y, width = [], 0, 0.0
    for _, svg in charts(spec, answer):
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        width = max(width, float(svg.split('width="', 1)[1].split('"', 1)[0]))
        parts.append(f'<g transform="translate(0,{y})">{svg}</g>')
        y += height + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{y}">\n'
        + "\n".join(parts)
        + "\n</svg>\n"
    )


def write_report(path: str, spec: Sweep, answer: dict[str, Any]) -> None:
    text = render_svg(spec, answer) if path.lower().endswith(".svg") else render_html(spec, answer)
    try:
        write_user_text(path, text, overwrite=True)
    except UserFileError as err:
        raise SpecError(str(err)) from None
