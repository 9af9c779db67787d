"""Real machines: a kernel's OOM report replayed, and the live machine brought in.

``moomtui postmortem`` reads the report a Linux kernel writes when it runs out of memory
(:mod:`.report`), rebuilds the machine as it was at that moment (:mod:`.rebuild`) and asks
every era's OOM killer which task it would have chosen (:mod:`.eras`, :mod:`.verdict`).
``moomtui snapshot`` builds the same kind of machine from ``/proc`` (:mod:`.live`). Either
machine can be written as a preset (:mod:`.preset`) and opened on the screen
(:mod:`.screen`, the only part that imports Textual).

The era rules are pure functions of plain :class:`~.records.TaskRecord` values, so the
simulator's policies can reuse them. docs/postmortem.md describes the whole.
"""

from __future__ import annotations
