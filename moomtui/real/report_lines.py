"""A report's first and last lines: ``COMM invoked oom-killer: gfp_mask=…``, the kill
(``Killed process N (comm)``, ``Kill process N (comm) score S or sacrifice child``), the panic
an OOM may end in, and the fields of ``oom-kill:constraint=…`` (:mod:`.report` reads the
rest)."""

from __future__ import annotations

import re

from ..patterns import anchored, scanning
from .records import Invoker

INVOKED_AT = " invoked oom-killer:"
_INVOKED = anchored(
    r" ?gfp_mask=(?P<gfp>0x[0-9a-fA-F]+)(?![0-9a-fA-F])[^\s,]*,"
    r"(?:\s*nodemask=(?:\(null\)|[0-9,-]*?),)?\s*order=(?P<order>-?\d+)"
    r"(?:,\s*oom(?:kill)?adj=(?P<oom_adj>-?\d+))?(?:,\s*oom_score_adj=(?P<adj>-?\d+))?"
)
"""``COMM invoked oom-killer: gfp_mask=…``: what follows the words (the name before them may
be anything, spaces included; some kernels print no space after the colon). ``nodemask=`` is
``(null)`` or a list of nodes (``0,2-3``)."""
_KILL = anchored(
    r"(?:(?P<message>[A-Za-z][^:]*):\s*)?"
    r"(?P<verb>[Kk]ill|[Kk]illed) process (?P<pid>\d+)(?:, UID \d+,)? \("
)
"""A kill's words up to the task's name; the name ends at the last ``)`` that what follows
allows (:data:`_KILL_REST`). The message, if any, runs to the first colon (``Out of
memory``, ``Memory cgroup out of memory``, ``Out of memory (oom_kill_allocating_task)``):
taken at once, not a character at a time."""
_KILL_BARE = anchored(r"(?P<verb>[Kk]ill|[Kk]illed) process (?P<pid>\d+)(?:, UID \d+,)? \(")
_KILL_REST = anchored(r"\s+(?:score|total-vm|sharing|or|and)\b.*|[.,]?\s*")
_OUT_OF_MEMORY = scanning(r"[Oo]ut of [Mm]emory")
_PANIC_SYNCING = "Kernel panic - not syncing: "
_PANIC_NO_KILLABLE = "Out of memory and no killable processes"
_PANIC_DEADLOCK = "System is deadlocked on memory"
_SUMMARY_KEYS = ("constraint", "oom_memcg", "task_memcg", "task", "pid", "uid")
_SUMMARY_KEY = {key: scanning(rf"(?:^|,){key}=") for key in _SUMMARY_KEYS}
_SUMMARY_END = scanning(r",(?:\w+=|global_oom)")
_GLOBAL_OOM = scanning(r"(?:^|,)global_oom(?:,|$)")


def _summary(body: str) -> dict[str, str]:
    """``constraint=CONSTRAINT_NONE,nodemask=(null),…,task=comm,pid=N,uid=U``: each key's
    value runs to the next ``,key=`` (or ``,global_oom``)."""
    out: dict[str, str] = {}
    for key, find in _SUMMARY_KEY.items():
        m = find.search(body)
        if m is not None:
            end = _SUMMARY_END.search(body, m.end())
            out[key] = body[m.end() : len(body) if end is None else end.start()]
    if _GLOBAL_OOM.search(body):
        out["global_oom"] = "1"
    return out


def _invoker(text: str) -> Invoker | None:
    """``COMM invoked oom-killer: gfp_mask=…, order=…``: the first place the words are
    followed by what the kernel prints after them."""
    at = text.find(INVOKED_AT)
    while at >= 0:
        m = _INVOKED.match(text, at + len(INVOKED_AT))
        if m is not None:
            adj = m["adj"]
            return Invoker(  # comm, pid, gfp_mask, order, oom_score_adj
                text[:at].strip(),
                None,
                m["gfp"],
                int(m["order"]),
                int(adj) if adj is not None else None,
            )
        at = text.find(INVOKED_AT, at + 1)
    return None


def _panic(text: str) -> str | None:
    """The panic an OOM ends in, from its first words to the end of the line."""
    found = []
    syncing = text.find(_PANIC_SYNCING)
    if syncing >= 0 and _OUT_OF_MEMORY.search(text, syncing + len(_PANIC_SYNCING)):
        found.append(syncing)
    for words in (_PANIC_NO_KILLABLE, _PANIC_DEADLOCK):
        at = text.find(words)
        if at >= 0:
            found.append(at)
    if not found:
        return None
    first = min(found)
    return _PANIC_DEADLOCK if text.startswith(_PANIC_DEADLOCK, first) else text[first:]


def _kill(text: str) -> tuple[re.Match[str], str, str] | None:
    """``[MESSAGE: ]Kill[ed] process PID (COMM)REST``: the match of the words, the task's
    name (to the last ``)`` that REST — a score, sizes, or nothing — may follow) and REST."""
    if " process " not in text:  # in both patterns' words
        return None
    for pattern in (_KILL, _KILL_BARE):
        m = pattern.match(text)
        if m is None:
            continue
        start = m.end()
        close = text.rfind(")", start)
        while close >= 0:
            if _KILL_REST.fullmatch(text, close + 1) is not None:
                return m, text[start:close], text[close + 1 :]
            close = text.rfind(")", start, close)
    return None
