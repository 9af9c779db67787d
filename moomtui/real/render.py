"""The verdicts as text for a person and as JSON for a program.

The JSON of ``postmortem --json`` is ``{"reports": [...]}``, one object per report with at
least ``kernel``, ``constraint``, ``totalpages``, ``tasks`` (how many), ``victim``
(``{"pid", "comm"}`` or null), ``verdicts`` (per era and ``earlyoom``: ``{"pid", "comm",
"score"}``), ``model`` (the era key of the report's own kernel, or null) and ``matches``;
docs/postmortem.md lists every key. ``snapshot --json`` gives the machine, every task with
each era's score and ``kernel_oom_score``, and the verdicts.

The text is printed through the command line's safe streams (:mod:`moomtui.text`), which
show what a terminal would act on; a process name — which Linux lets hold a newline — is
also kept on its line (:func:`~moomtui.text.one_line`), so no process can print a row.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..text import one_line
from .breakdown import breakdown, breakdown_json, breakdown_lines
from .eras import EARLYOOM, ERAS, Context
from .live import kernel_oom_score
from .records import Machine, TaskRecord
from .said import Said
from .verdict import Judgement, Verdict, contexts

if TYPE_CHECKING:
    from .advice import Advice


def _kib(pages: int | None, page_size: int) -> str:
    if pages is None:
        return "?"
    kb = pages * page_size // 1024
    for unit, size in (("G", 1 << 20), ("M", 1 << 10)):
        if kb >= size:
            return f"{kb / size:.1f}{unit}"
    return f"{kb}K"


# --------------------------------------------------------------------------- JSON
def verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "pid": v.pid,
        "comm": v.comm,
        "score": v.score,
        "per_mille": v.per_mille,
        "ties": list(v.ties),
        "rule": f"{v.label}: {ERAS[v.key].summary}" if v.key in ERAS else v.label,
    }


def _memory_json(m: Machine) -> dict[str, Any]:
    return {
        "page_size": m.page_size,
        "ram_pages": m.ram_pages,
        "totalram": m.totalram,
        "swap_total": m.swap_total,
        "swap_free": m.swap_free,
        "uptime": m.uptime,
        "meminfo": m.meminfo,
    }


def report_json(j: Judgement, advice: Advice | None = None) -> dict[str, Any]:
    """One report; ``breakdown`` is where its memory went, ``advice`` (with ``--advice`` or
    ``--protect``) what would have saved it."""
    m = j.machine
    d = m.decision
    victim: dict[str, Any] | None = None
    if d is not None and d.pid is not None:
        victim = {"pid": d.pid, "comm": d.comm, "score": d.score, "message": d.message}
        if d.killed_pid is not None and d.killed_pid != d.pid:
            victim["killed"] = {"pid": d.killed_pid, "comm": d.killed_comm}
    cg = m.memcg
    return {
        "source": m.source,
        "line": m.line,
        "kernel": m.kernel,
        "era_source": m.era_source,
        "constraint": m.constraint,
        "totalpages": m.totalpages,
        "tasks": len(m.tasks),
        "layout": m.layout,
        "victim": victim,
        "panic": d.panic if d is not None else None,
        "invoker": (
            {
                "pid": m.invoker.pid,
                "comm": m.invoker.comm,
                "gfp_mask": m.invoker.gfp_mask,
                "order": m.invoker.order,
                "oom_score_adj": m.invoker.oom_score_adj,
            }
            if m.invoker is not None
            else None
        ),
        "memory": _memory_json(m),
        "memcg": (
            {
                "path": cg.path,
                "usage": cg.usage,
                "limit": cg.limit,
                "memsw_limit": cg.memsw_limit,
                "swap_limit": cg.swap_limit,
            }
            if cg is not None
            else None
        ),
        "verdicts": {key: verdict_json(v) for key, v in j.verdicts.items()},
        "model": j.model,
        "matches": j.matches,
        "why": j.why,
        "era_evidence": m.era_evidence,
        "chosen": (
            {"pid": j.chosen.row.pid, "comm": j.chosen.row.comm, "as": j.chosen.how}
            if j.chosen is not None and j.chosen.row is not None
            else None
        ),
        "score_check": (
            {
                "printed": j.score_check.printed,
                "model": j.score_check.model,
                "status": j.score_check.status,
                "why": j.score_check.why,
            }
            if j.score_check is not None
            else None
        ),
        "passed_over": j.passed_over,
        "assumptions": m.assumptions,
        "notes": m.notes,
        "breakdown": breakdown_json(breakdown(m)),
        **({"advice": _advice_json(advice)} if advice is not None else {}),
    }


def _advice_json(advice: Advice) -> dict[str, Any]:
    from .advice import advice_json  # asked for with --advice or --protect only

    return advice_json(advice)


def task_json(rec: TaskRecord, m: Machine, oom: Context, glob: Context) -> dict[str, Any]:
    scores: dict[str, Any] = {key: era.score(rec, oom) for key, era in ERAS.items()}
    own = ERAS.get(m.era or "") or ERAS["5.9"]
    scores[EARLYOOM] = own.proc_score(own.score(rec, glob), glob.totalpages)
    return {
        "pid": rec.pid,
        "comm": rec.comm,
        "ppid": rec.ppid,
        "uid": rec.uid,
        "euid": rec.euid,
        "threads": rec.threads,
        "kthread": rec.kthread,
        "total_vm": rec.total_vm,
        "rss": rec.rss,
        "rss_anon": rec.rss_anon,
        "rss_file": rec.rss_file,
        "rss_shmem": rec.rss_shmem,
        "swap": rec.swap,
        "pgtables": rec.pgtables,
        "oom_score_adj": rec.oom_score_adj,
        "nice": rec.nice,
        "utime": rec.utime,
        "stime": rec.stime,
        "start_time": rec.start_time,
        "caps": f"{rec.caps:#x}" if rec.caps is not None else None,
        "scores": scores,
        "kernel_oom_score": kernel_oom_score(rec, m),
    }


def snapshot_json(j: Judgement) -> dict[str, Any]:
    m = j.machine
    oom, glob = contexts(m)
    return {
        "machine": {
            "source": m.source,
            "kernel": m.kernel,
            "era": m.era,
            "totalpages": m.totalpages,
            "init_pid": m.init_pid,
            **_memory_json(m),
            "swaps": m.notes,
        },
        "tasks": [task_json(rec, m, oom, glob) for rec in m.tasks],
        "verdicts": {key: verdict_json(v) for key, v in j.verdicts.items()},
        "model": j.model,
    }


# --------------------------------------------------------------------------- text
_VERDICT_HEADER = f"  {'rule':<37} {'victim':<26} {'score':>10} {'‰':>5}"


_STARTS: tuple[dict[str, str], dict[str, str]] = ({}, {})
"""A row's start by the rule's name, unmarked and marked (``*``): the mark and the name,
padded — the same for every report (a name is an era's, or earlyoom's with an era's)."""


def _verdict_rows(j: Judgement) -> list[str]:
    rows = [_VERDICT_HEADER]
    model = j.model
    # Most rules choose the same task, often with the same score, and the verdicts come in
    # the eras' order: a cell is written again only where it differs from the row above.
    # (ljust and rjust pad as the format's < and > would, without parsing one.)
    last_pid: object = rows  # nothing a verdict holds
    last_comm: object = rows
    last_score: object = rows
    last_pm: object = rows
    last_ties = -1
    who = cell = ""
    for key, label, pid, comm, score, pm, tied_pids in j.verdicts.values():
        ties = len(tied_pids)
        if pid != last_pid or comm != last_comm:
            last_pid, last_comm, last_score = pid, comm, rows  # the cell too is written anew
            who = f"{pid} ({one_line(comm)})" if pid is not None else "nobody"
            who = who[:26].ljust(26)
        if score != last_score or pm != last_pm or ties != last_ties:
            last_score, last_pm, last_ties = score, pm, ties
            if pm is not None and score is not None and not ties:  # ends on a digit
                cell = f"{who} {str(score).rjust(10)} {str(pm).rjust(5)}"
            else:  # an empty cell's padding, if last, is not printed
                shown = "" if score is None else str(score)
                thousandths = "" if pm is None else str(pm)
                tied = f"  +{ties} tied" if ties else ""
                cell = f"{who} {shown.rjust(10)} {thousandths.rjust(5)}{tied}".rstrip()
        starts = _STARTS[key == model]
        start = starts.get(label)
        if start is None:
            start = starts[label] = f"{'*' if key == model else ' '} {label:<37} "
        rows.append(start + cell)
    return rows


def _wrap(prefix: str, text: str, width: int = 96) -> tuple[str, ...]:
    """``text`` in lines of at most ``width`` (a longer word alone on its line), the first
    after ``prefix``, the others indented as far."""
    if (
        len(prefix) + len(text) < width
        and text.isprintable()  # no whitespace but the space (str.split() splits on more)
        and "  " not in text
        and text[:1] != " " != text[-1:]
    ):  # one line, its words one space apart already: as it is (most are, and differ)
        return ((prefix + text).rstrip(),)
    return _wrapped(prefix, text, width)


@functools.lru_cache(maxsize=64)
def _wrapped(prefix: str, text: str, width: int) -> tuple[str, ...]:
    """:func:`_wrap`, its words split and joined. Most longer texts are the same in every
    report (the assumptions, the notes), so the last 64 are kept wrapped: a few megabytes at
    most, a text being at most a line of the report."""
    words = text.split()
    joined = " ".join(words)
    if len(prefix) + len(joined) < width:  # fits on one line
        return ((prefix + joined).rstrip(),)
    lines: list[str] = []
    line = prefix
    for word in words:
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = " " * len(prefix)
        line += word + " "
    lines.append(line.rstrip())
    return tuple(lines)


@functools.lru_cache(maxsize=64)
def _era_lines(evidence: tuple[str, ...]) -> tuple[str, ...]:
    """The ``era:`` line: what placed the rule (the same for most of a log's reports)."""
    return _wrap("  era: ", "; ".join(evidence))


def _memory_lines(m: Machine) -> list[str]:
    ps = m.page_size
    if m.totalpages_estimated:
        what = "the cgroup's limit" if m.constraint == "memcg" else "the machine's RAM"
        return [f"totalpages {m.totalpages} (estimated: {what} is not in the report)"]
    if m.constraint == "memcg" and m.memcg is not None:
        cg = m.memcg
        parts = [f"the cgroup's limit {cg.limit} ({_kib(cg.limit, ps)})"]
        extra = (m.totalpages or 0) - (cg.limit or 0)
        if extra:
            parts.append(f"{extra} swap")
        lines = [f"totalpages {m.totalpages} = {' + '.join(parts)}"]
        if cg.path:
            lines.append(f"memory cgroup {cg.path}")
        return lines
    if m.totalram is not None and m.ram_pages is not None:
        lines = [
            f"totalpages {m.totalpages} = {m.totalram} RAM + {m.swap_total or 0} swap "
            f"({_kib(m.totalpages, ps)} in {ps // 1024}K pages)"
        ]
        reserved = m.ram_pages - m.totalram
        if reserved:
            lines.append(f"RAM: {m.ram_pages} pages less {reserved} reserved")
        return lines
    return [f"totalpages {m.totalpages} (estimated)"]


_HOW = {"layout": ", by its layout", "score": ", by its printed score"}
"""How the era was placed, when not by the version (``Machine.era_source``)."""


def report_text(
    j: Judgement, advice: Advice | None = None, said: Said | None = None, number: int = 1
) -> str:
    """One report for a person: the machine, where its memory went, every era's verdict, and
    with ``advice`` what would have saved it. ``said``: what the log's reports before this
    one (report ``number``) printed in full, which this one names rather than repeats."""
    m = j.machine
    era = ERAS.get(m.era or "")
    rule = f"the {era.label} rule" if era else "no modelled rule"
    how = _HOW.get(m.era_source, "")
    out = [
        f"{m.source}",
        f"  kernel {m.kernel or 'not named'} ({rule}{how}), a {m.constraint} OOM, "
        f"{len(m.tasks)} tasks",
    ]
    if m.era_evidence:
        first = said.before(("era", *m.era_evidence), number) if said is not None else None
        if first is None:
            out.extend(_era_lines(m.era_evidence))
        else:
            out.append(f"  era: as for report {first}")
    out.extend(f"  {line}" for line in _memory_lines(m))
    if m.invoker is not None:
        who = one_line(m.invoker.comm) + (f" ({m.invoker.pid})" if m.invoker.pid else "")
        out.append(
            f"  {who} invoked the OOM killer: gfp_mask={m.invoker.gfp_mask}, "
            f"order={m.invoker.order}"
        )
    d = m.decision
    if d is not None and d.pid is not None:
        score = f", score {d.score}" if d.score is not None else ""
        c = j.chosen
        of = (
            f", a thread of process {c.row.pid} ({one_line(c.row.comm)})"
            if c is not None and c.row is not None and c.how == "thread"
            else ""
        )
        out.append(f"  the kernel chose {d.pid} ({one_line(d.comm)}){of}{score}")
    elif d is not None and d.panic:
        out.append(f"  the kernel: {d.panic}")
    out.append("")
    if m.meminfo or m.zones_kb or m.constraint == "memcg":  # else only the table: no chart
        out.extend(breakdown_lines(breakdown(m), one_line))
        out.append("")
    out.extend(_verdict_rows(j))
    out.append("")
    if j.model is not None and j.verdicts[j.model].pid is not None and d is not None:
        v = j.verdicts[j.model]
        verdict = "as the kernel did" if j.matches else "not the kernel's choice"
        out.extend(
            _wrap("  ", f"* the {v.label} rule picks {v.pid} ({one_line(v.comm)}): {verdict}.")
        )
    for reason in j.why:
        out.extend(_wrap("    - ", reason))
    if m.notes:
        first = said.before(("note", *m.notes), number) if said is not None else None
        if first is None:
            for note in m.notes:
                out.extend(_wrap("  note: ", note))
        else:
            out.append(f"  {'note' if len(m.notes) == 1 else 'notes'}: as for report {first}")
    first = said.before(("assumed", *m.assumptions), number) if said is not None else None
    if first is None:
        out.append("  assumed:")
        for assumption in m.assumptions:
            out.extend(_wrap("    - ", assumption))
    else:
        out.append(f"  assumed: as for report {first}")
    if advice is not None:
        from .advice import advice_lines  # asked for with --advice or --protect only

        out.append("")
        out.extend(advice_lines(advice, one_line, _wrap))
    return "\n".join(out) + "\n"


def snapshot_text(j: Judgement, top: int = 10) -> str:
    m = j.machine
    era = ERAS.get(m.era or "")
    rule = f"the {era.label} rule" if era else "no modelled rule"
    killable = [t for t in m.tasks if t.killable_mm]
    out = [
        f"{m.source}: kernel {m.kernel} ({rule}), {len(m.tasks)} processes "
        f"({len(killable)} with memory)",
        *[f"  {line}" for line in _memory_lines(m)],
        "",
        "who would each policy kill right now?",
        *_verdict_rows(j),
        "",
        f"the {top} largest by the running kernel's rule (/proc/PID/oom_score):",
        f"  {'pid':>7} {'comm':<16} {'rss':>8} {'swap':>8} {'adj':>5} {'oom_score':>9}",
    ]
    ranked = sorted(killable, key=lambda t: -(kernel_oom_score(t, m) or 0))[:top]
    for t in ranked:
        out.append(
            f"  {t.pid:>7} {one_line(t.comm)[:16]:<16} {_kib(t.rss, m.page_size):>8} "
            f"{_kib(t.swap or 0, m.page_size):>8} {t.oom_score_adj:>5} "
            f"{kernel_oom_score(t, m) or 0:>9}"
        )
    return "\n".join(out) + "\n"
