"""``moomtui serve``: the game in a web browser, one sandboxed process per visitor.

The server (:mod:`.server`, which needs the ``web`` extra: textual-serve and aiohttp) hands
each browser tab a process of its own, ``python -I … --served``, and relays its screen and
keys over a websocket. That child takes its share of the machine first (:mod:`.share`),
then runs Textual's web driver as :mod:`.driver` adapts it, so that it ends with its socket
or its server. Nothing here models the kernel; the names below are the contract between the
two ends.
"""

from __future__ import annotations

SERVED_FLAG = "--served"
"""The hidden option of ``moomtui`` that makes a session a served one (no host files)."""

DRIVER = "moomtui.web.driver:ServedDriver"
"""The Textual driver a served child runs (``TEXTUAL_DRIVER``)."""

SERVER_PID_ENV = "MOOMTUI_SERVER_PID"
"""The server's pid, so a child can tell that its server has gone."""

MEMORY_ENV = "MOOMTUI_SESSION_MEMORY"
"""The child's memory ceiling in bytes (its ``RLIMIT_DATA``), set by the server."""

CPU_ENV = "MOOMTUI_SESSION_CPU"
"""The child's CPU time in seconds (its ``RLIMIT_CPU``), set by the server."""

SCREENSHOTS_KEPT = 3
"""Screenshots a session keeps for the browser to download; past that the oldest goes."""

SCREENSHOT_BYTES = 8 << 20
"""What those screenshots may weigh together, in bytes (the oldest goes first)."""

SCREENSHOT_LIFE = 60.0
"""Seconds a screenshot waits for its download before it is dropped."""
