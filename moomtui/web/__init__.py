"""``moomtui serve``: the game in a web browser, one sandboxed process per visitor.

The server (:mod:`.server`, which needs the ``web`` extra: textual-serve and aiohttp) hands
each browser tab a process of its own, ``python -m moomtui --served``, and relays its screen
and keys over a websocket. That child runs Textual's web driver as :mod:`.driver` adapts it,
so that it ends with its socket or its server. Nothing here models the kernel; the names
below are the contract between the two ends.
"""

from __future__ import annotations

SERVED_FLAG = "--served"
"""The hidden option of ``moomtui`` that makes a session a served one (no host files)."""

DRIVER = "moomtui.web.driver:ServedDriver"
"""The Textual driver a served child runs (``TEXTUAL_DRIVER``)."""

SERVER_PID_ENV = "MOOMTUI_SERVER_PID"
"""The server's pid, so a child can tell that its server has gone."""
