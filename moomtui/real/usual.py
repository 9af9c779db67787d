"""The usual line of a dmesg log, told apart in one match: a time stamp, then a row of the
task table or a message no prefix may start.

:func:`.prefixes.split_line` strips what copying put in front of a line by trying each
prefix where the last one ended; most lines of a log are only a dmesg stamp and a message.
:data:`USUAL` recognises those at once — taken only where the general path provably gives
the same, every other line is left to it:

* a **row** (``[    1.000003] [   1000]  1000  1000   900000 … java``): the stamp, the
  bracketed pid and the rest of a line of printable ASCII without ``#``, ``'``, ``,``,
  ``:`` or ``_`` (so no thousands separator, no rsyslog ``#012``, no ``invoked
  oom-killer:``), with no space at either end. The general path strips the stamp (the
  bracket after it holds only a number: :data:`~.prefixes._PLAIN_BRACKET`) and nothing
  else, and :data:`~.report._ROW` reads the same pid and rest.
* a **message**: the stamp and a first character that starts no prefix — not a space,
  ``<``, ``>``, ``-`` (journalctl's ``-- Boot``) or a bracket that may be a prefix (the
  table's header, ``[  pid  ]``, is not one), not ``dmesg -x``'s facility (``kern
  :warn  :``). The caller checks what a pattern does not say: no ``kernel`` (a
  host's prefix may follow the stamp then), none of the characters
  :func:`~.prefixes.split_line` changes first (a tab, a colour's escape, a carriage return
  at the end), no ``#012``.

A property test holds both to the general path on lines mixing every prefix
(tests/real/test_usual.py).
"""

from __future__ import annotations

import re

from ..patterns import anchored, scanning
from .scan import KEYWORDS

_TEXT = r"""[!"$-&(-+\--9;-^`-~]"""
"""Printable ASCII but the space and ``# ' , : _``."""
_TEXT_OR_SPACE = r"""[ !"$-&(-+\--9;-^`-~]"""

USUAL = anchored(
    r"\[ *(\d+\.\d+)\] ?+"
    rf"(?:\[ *(\d+)\] +({_TEXT}(?:{_TEXT_OR_SPACE}*{_TEXT})?)$"
    r"|(?![a-z]+ *:[a-z]+ *:)(?=[^ <>\[\-]|\[[^\]\[:.TC]*\]))"
)
"""A stamp, then a row (groups: the stamp, the pid, the rest) or the start of a message
(groups: the stamp; the message starts where the match ends)."""

ANY_KEYWORD = scanning("|".join(map(re.escape, KEYWORDS)))
"""Any of :data:`.scan.KEYWORDS`: a line outside a report that holds none is passed over."""
