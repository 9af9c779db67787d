"""Which era's rule a report's kernel follows, from everything the report shows together:
its version, its table's layout, its decision's wording and the score it printed.

* the **version** (the stack trace's header) names the upstream era
  (:func:`~.eras.era_for_version`); a 2.6 kernel printing the 2.6.36 table is a
  distribution kernel with the rewrite backported (:mod:`.rebuild`);
* the **layout** bounds the kernels that printed it: ``oom_score_adj`` without ``nr_ptes``
  2.6.36–3.5, ``nr_ptes swapents`` 3.6–3.19, ``nr_pmds`` 4.0–4.14, ``pgtables_bytes`` 4.15
  on, ``rss_anon rss_file rss_shmem`` 6.x;
* the **wording**: ``Kill process N (comm) score S or sacrifice child`` is 2.6.36–5.0's
  (5.1 dropped the child and the line); a bare ``Killed process`` after a 4.15-or-later
  table is 5.1 or later;
* the **printed score** ``S`` is the victim's points in 1000ths of ``totalpages``
  (``chosen_points * 1000 / totalpages``; 2.6.36–3.5 print the points themselves), which
  often tells the eras the layout leaves open apart: 3.6–3.13 and 3.14–3.19 print the same
  table but give root its bonus differently, as 4.15–4.16 and 4.17–4.18 do.

The version decides when there is one: the score only says whether it agrees (a disagreement
is explained or flagged by :mod:`.printed`). Without one, the layout's era stands if the
score agrees with it, and the score's era among the layout's otherwise. Every step is kept
in words (``Machine.era_evidence``) for the verdict to show.
"""

from __future__ import annotations

import functools

from .eras import ERAS, Context, per_mille
from .records import Machine, TaskRecord

_LAYOUTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("rss_anon", ("5.9",), "6.x"),
    ("pgtables_bytes", ("3.14", "4.17", "5.3", "5.9"), "4.15 on"),
    ("nr_pmds", ("3.14",), "4.0–4.14"),
    ("nr_ptes", ("3.6", "3.14"), "3.6–3.19"),
    ("oom_score_adj", ("2.6.36", "2.6.37"), "2.6.36–3.5"),
)
"""A column that first appeared in a layout → the eras of the kernels that print it."""
SACRIFICE_LAST = (5, 0)
"""The last kernel to print ``Kill process … score S or sacrifice child``."""


@functools.lru_cache(maxsize=64)
def layout_eras(layout: str | None) -> tuple[tuple[str, ...], str]:
    """The eras whose kernels print this table, and those kernels in words (none: ``()``)."""
    columns = set((layout or "").split())
    for column, eras, kernels in _LAYOUTS:
        if column in columns:
            return eras, kernels
    return (), "2.6.25–2.6.35" if "oom_adj" in columns else "unknown"


def printed_fits(era_key: str, row: TaskRecord, ctx: Context) -> int | None:
    """The score ``era_key``'s kernel would print for ``row`` (``None``: it prints none)."""
    era = ERAS[era_key]
    return per_mille(era, era.score(row, ctx), ctx.totalpages)


def settle(m: Machine, row: TaskRecord | None, ctx: Context) -> None:
    """Place ``m.era`` by every piece of evidence, and say how in ``m.era_evidence``."""
    if m.era_source == "live":
        return
    d = m.decision
    printed = d.score if d is not None else None
    if d is None or d.pid is None:
        kind = None
    elif printed is not None:
        kind = "score"
    else:
        kind = "killed" if d.killed_pid is not None else "chosen"
    # Most of a log's reports share their kernel, layout and wording: what those say is
    # worded once for them all.
    evidence, candidates = _shown(m.kernel, m.era_source, m.era, m.layout, kind)
    if printed is None or row is None or m.era is None:
        m.era_evidence = evidence
        return
    own = printed_fits(m.era, row, ctx)
    others = {k: printed_fits(k, row, ctx) for k in candidates if k != m.era}
    if own == printed:
        told = [
            f"{ERAS[k].label} too" if v == printed else f"{ERAS[k].label} would print {v}"
            for k, v in others.items()
        ]
        tail = f" ({', '.join(told)})" if told else ""
        said = f"printed score {printed}, as this rule gives{tail}"
    else:
        fits = [k for k, v in others.items() if v == printed]
        if m.era_source == "version" or not fits:
            where = f"; {ERAS[fits[0]].label} gives it" if fits else ""
            said = f"printed score {printed}, this rule gives {own}{where}"
        else:
            before = ERAS[m.era].label
            m.era, m.era_source = fits[0], "score"
            said = (
                f"printed score {printed}, which {ERAS[m.era].label} gives (the layout "
                f"alone pointed to {before}, which gives {own})"
            )
    m.era_evidence = (*evidence, said)


@functools.lru_cache(maxsize=256)
def _shown(
    kernel: str | None, source: str, era_key: str | None, layout: str | None, kind: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the version, the layout and the wording say (``kind``: the decision printed a
    ``score``, only ``killed``, only ``chosen``, or nothing), and the eras left open."""
    evidence: list[str] = []
    if kernel is not None and source == "version":
        era = ERAS.get(era_key or "")
        evidence.append(f"version {kernel} ({era.label if era else 'not modelled'})")
    elif kernel is not None:
        evidence.append(f"version {kernel} (read by its table, see the note)")
    candidates, kernels = layout_eras(layout)
    if source == "layout" and era_key in ("4.17", "5.9") and "3.14" in candidates:
        # Placed by a 4.19-or-later table ("Tasks state (memory values in pages):").
        candidates, kernels = tuple(k for k in candidates if k != "3.14"), "4.19 on"
    if layout is not None:
        evidence.append(f"its table's layout ({kernels})")
    if kind == "score":
        kept = tuple(k for k in candidates if ERAS[k].since <= SACRIFICE_LAST)
        candidates = kept or candidates
        evidence.append("'Kill process … score S or sacrifice child' (up to 5.0)")
    elif kind is not None:
        if kind == "killed" and candidates and all(ERAS[k].since >= (3, 14) for k in candidates):
            candidates = tuple(k for k in candidates if ERAS[k].since >= (4, 17)) or candidates
            evidence.append("'Killed process' without 'Kill process … score' (5.1 on)")
        evidence.append("no score printed")
    return tuple(evidence), candidates
