"""What the kernel printed about its own choice, held against the model's numbers.

2.6.36–5.0 print the victim's score in ``Kill process N (comm) score S or sacrifice child``:
``chosen_points * 1000 / totalpages`` (unsigned, so rounded down), or from 2.6.36 to 3.5 the
points themselves, already in 1000ths. The model's score of the victim's row under the
report's own era should be the same number. When it is not, the difference is explained if
one of the report's known gaps accounts for it exactly or in the right direction, and
flagged otherwise — never passed over in silence:

* **columns the table lacks**: 2.6.36–3.5 tables show neither swap entries nor page tables
  (a 3.2 kernel's, say), which the kernel counted: a printed score above the model's puts
  the difference there, and its size in pages is said;
* **CAP_SYS_ADMIN**: 2.6.36–4.16 give it a bonus, and a report shows uids, not
  capabilities; a root task in a container (or a service whose capabilities are bounded)
  has dropped it, so a score that is exactly the one without the bonus says so (and the
  other way round for a user that holds it);
* **an estimated totalpages** (no ``pages RAM``, no memory cgroup limit): the printed score
  says what the kernel's was, within the rounding.

``oom_score_adj`` is printed too — the invoking task's in ``invoked oom-killer: …,
oom_score_adj=N``, the victim's in 5.x's ``Killed process … oom_score_adj:N`` — and is held
against the table's rows of those tasks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .eras import Context, Era, has_sys_admin, per_mille
from .records import CAP_SYS_ADMIN, Machine, TaskRecord

ROOT_BONUS = ("2.6.36", "2.6.37", "3.6", "3.14")
"""The eras that give CAP_SYS_ADMIN a bonus."""


@dataclass(slots=True)
class ScoreCheck:
    """The printed score against the model's: ``status`` is ``agrees``, ``explained`` or
    ``unexplained``; ``why`` says so in words (empty when they agree)."""

    printed: int
    model: int | None
    status: str
    why: str = ""


def _kib(pages: int, page_size: int) -> str:
    kb = pages * page_size // 1024
    if kb >= 1 << 20:
        return f"{kb / (1 << 20):.1f} GiB"
    if kb >= 1 << 10:
        return f"{kb / (1 << 10):.1f} MiB"
    return f"{kb} KiB"


def check_score(m: Machine, era: Era, row: TaskRecord, ctx: Context) -> ScoreCheck | None:
    """The kernel's printed score for ``row`` (its choice) against ``era``'s."""
    d = m.decision
    if d is None or d.score is None or era.key == "2.4":
        return None
    printed = d.score
    points = era.score(row, ctx)
    model = per_mille(era, points, ctx.totalpages)
    if model == printed:
        return ScoreCheck(printed, model, "agrees")
    who = f"{row.pid} ({row.comm})"
    head = f"the kernel printed score {printed} for {who}; the {era.label} rule gives {model}"
    total = ctx.totalpages
    if m.totalpages_estimated and points is not None and printed > 0:
        if era.per_mille:
            pages = row.rss + (row.swap or 0) + (row.pgtables or 0)
            base = printed - row.oom_score_adj + (30 if _admin(row) else 0)
            implied = pages * 1000 // base if base > 0 else None
        else:
            implied = points * 1000 // printed
        if implied:
            return ScoreCheck(
                printed,
                model,
                "explained",
                f"{head}: totalpages is estimated here ({total}); the printed score puts the "
                f"kernel's at about {implied} ({_kib(implied, m.page_size)})",
            )
    if era.key in ROOT_BONUS:
        flipped = dataclasses.replace(row, caps=0 if _admin(row) else 1 << CAP_SYS_ADMIN)
        if per_mille(era, era.score(flipped, ctx), total) == printed:
            held = (
                "did not hold it (a container, or a service whose capabilities are bounded, "
                "drops it)"
                if _admin(row)
                else "held it"
            )
            return ScoreCheck(
                printed,
                model,
                "explained",
                f"{head}, which assumes {'' if _admin(row) else 'no '}CAP_SYS_ADMIN; the "
                f"printed score is the one {'without' if _admin(row) else 'with'} the root "
                f"bonus: {who} {held}",
            )
    missing = [
        name
        for name, absent in (
            ("swap entries", row.swap is None),
            ("page tables", row.pgtables is None and era.key != "2.6.36"),
        )
        if absent
    ]
    if missing and model is not None and printed > model:
        # Each score is rounded down: the pages the kernel counted and the model did not
        # are more than (printed − model − 1) and less than (printed − model + 1) 1000ths.
        low = (printed - model - 1) * total // 1000 + 1
        high = (printed - model + 1) * total // 1000
        return ScoreCheck(
            printed,
            model,
            "explained",
            f"{head}: the table shows no {' or '.join(missing)}, which the kernel counted — "
            f"about {low}–{high} pages ({_kib(low, m.page_size)}–{_kib(high, m.page_size)}) "
            "of them",
        )
    return ScoreCheck(
        printed,
        model,
        "unexplained",
        f"{head}: not explained by the columns the table lacks, the root bonus or "
        "totalpages (the numbers may have moved between select_bad_process() and "
        "dump_tasks(), or the kernel's rule is not its version's)",
    )


def _admin(rec: TaskRecord) -> bool:
    return has_sys_admin(rec)


def check_adj(m: Machine, row: TaskRecord | None) -> list[str]:
    """The ``oom_score_adj`` values printed outside the table against the table's."""
    out: list[str] = []
    inv = m.invoker
    if inv is not None and inv.oom_score_adj is not None and inv.pid is not None:
        rec = m.task(inv.pid)
        if rec is not None and rec.oom_score_adj != inv.oom_score_adj:
            out.append(
                f"the invoking task {inv.pid} printed oom_score_adj={inv.oom_score_adj}; its "
                f"row in the table shows {rec.oom_score_adj}"
            )
    d = m.decision
    if d is not None and d.oom_score_adj is not None:
        killed = m.task(d.killed_pid) or row
        if killed is not None and killed.oom_score_adj != d.oom_score_adj:
            out.append(
                f"the kernel printed oom_score_adj:{d.oom_score_adj} for the task it killed, "
                f"{killed.pid} ({killed.comm}); its row shows {killed.oom_score_adj}"
            )
    return out
