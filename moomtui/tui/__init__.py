"""The Textual app: screens, widgets, stylesheets and themes.

Textual paints a screen at most ``TEXTUAL_FPS`` times a second (its documented setting,
``textual.constants.MAX_FPS``, 60 unless set), so what a key did waits up to that period
for its paint after its action has run. The screen asks for :data:`PAINTS_A_SECOND` unless
the user set ``TEXTUAL_FPS``: a key's paint then waits half as long (at 5,000 tasks and
100×, a cursor key's median press → paint went from 34–38 ms to 17–21 ms,
docs/benchmarks.md). It is a ceiling, not a rate: the screen paints when something changed,
at most 20 frames a second. Set here, before any of Textual is imported; a served session
sets its own (:mod:`moomtui.web.child`).
"""

import os

PAINTS_A_SECOND = 120
os.environ.setdefault("TEXTUAL_FPS", str(PAINTS_A_SECOND))
