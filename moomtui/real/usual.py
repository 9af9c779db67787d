"""The usual line of a dmesg log, told apart in one match: a time stamp, then a row of the
task table, one of a report's usual messages, or a message no prefix may start.

:func:`.prefixes.split_line` strips what copying put in front of a line by trying each
prefix where the last one ended, and :meth:`.report._Reader.line` tries each kind of line
in turn; most lines of a log are only a dmesg stamp and a message of a few usual shapes.
:data:`USUAL` recognises those at once — taken only where the general path provably gives
the same, every other line is left to it. Which alternative matched is the name of the
empty group that ends it (:data:`KIND`, read from ``Match.lastindex``):

* a **row** (``[    1.000003] [   1000]  1000  1000   900000 … java``): the stamp, the
  bracketed pid and the rest of a line of printable ASCII without ``#``, ``'``, ``,``,
  ``:`` or ``_`` (so no thousands separator, no rsyslog ``#012``, no ``invoked
  oom-killer:``), with no space at either end. The general path strips the stamp (the
  bracket after it holds only a number: :data:`~.prefixes._PLAIN_BRACKET`) and nothing
  else, and :data:`~.report._ROW` reads the same pid and rest.
* a report's usual messages, each to the end of the line and in printable ASCII with no
  ``'``, no ``,`` but the kernel's own (each before a space), no ``:`` in a task's name,
  which starts with no character a prefix may start with — read by
  :meth:`.logread.LogReader.run` as :meth:`~.report._Reader.line` reads them once it has
  checked what the pattern leaves to it: no ``#012`` in the stack trace's header, and no
  thousands separator (an ``_`` between digits) in a name or a version, so
  :func:`~.prefixes.ungrouped` has nothing to remove and nothing to strip. Each is held to
  the general path by a property test and each check by a test of its own:

  - **invoked**: ``COMM invoked oom-killer: gfp_mask=0x…(FLAGS), [nodemask=…, ]order=N[,
    oom_score_adj=N]``, the name without a space (so the first ``invoked oom-killer:`` is
    this one, as :func:`~.report_lines._invoker` takes it);
  - **cpu**: the stack trace's header, ``CPU: N [UID: N ]PID: N Comm: COMM Not tainted
    VERSION …`` (or ``Tainted: FLAGS``), as :data:`~.report._CPU` reads it at its start;
    every colon ends a word that another word follows, so the line is no ``Mem-Info``
    pairs;
  - **header**: the task table's ``[  pid  ]   uid  tgid … name``, its columns lower-case
    words (:data:`~.report._HEADER`);
  - **kill**: ``[Out of memory: |Memory cgroup out of memory: ]Kill[ed] process N (COMM)``
    then `` score N or sacrifice child`` or `` total-vm:NkB`` and, as 4.x to 6.x print
    them, ``, anon-rss:NkB, file-rss:NkB, shmem-rss:NkB[, UID:N pgtables:NkB
    oom_score_adj:N]`` — the name without a parenthesis, so the last ``)`` closes it as
    :func:`~.report_lines._kill` finds it; no panic's words, no ``Mem-Info`` pairs (too few
    for its words), no fact of ``show_mem()``.

* a **message**: the stamp and a first character that starts no prefix — not a space,
  ``<``, ``>``, ``-`` (journalctl's ``-- Boot``) or a bracket that may be a prefix (the
  table's header, ``[  pid  ]``, is not one), not ``dmesg -x``'s facility (``kern
  :warn  :``). The caller checks what a pattern does not say: no ``kernel`` (a
  host's prefix may follow the stamp then), none of the characters
  :func:`~.prefixes.split_line` changes first (a tab, a colour's escape, a carriage return
  at the end), no ``#012``.

``kernel`` may be in a usual message: after a stamp, a host's prefix is ``HOST kernel:``,
and the word after a usual message's first is never ``kernel`` (a name holds no space), nor
is its first word a syslog time or a facility (no colon, no digit after the first space).

Digits are ``[0-9]``, not ``\\d``: the pattern only meets the lines of an ASCII block
(:meth:`.scan.Lines.walk`), where the two are the same and the first is cheaper.

A property test holds every kind to the general path on lines mixing every prefix
(tests/real/test_usual.py).
"""

from __future__ import annotations

import re

from ..patterns import anchored, scanning
from .scan import KEYWORDS

_TEXT = r"""[!"$-&(-+\--9;-^`-~]"""
"""Printable ASCII but the space and ``# ' , : _``."""
_TEXT_OR_SPACE = r"""[ !"$-&(-+\--9;-^`-~]"""
_COMM = r"""(?![<>\[\-])[!"$-&*+\--9;-~]{1,64}"""
"""A task's name in a usual message: printable ASCII but the space and ``# ' ( ) , :``, not
starting as a prefix may (an ``_`` after a digit is the caller's to check)."""
_WORD = r"""[!-&(-+\--9;-~]"""
"""A character of a version or of what follows it: printable ASCII but the space, ``'``,
``,`` and ``:`` (``#012`` and an ``_`` after a digit are the caller's to check)."""
_WORD_OR_SPACE = r"""[ -&(-+\--9;-~]"""

_ROW_ALT = rf"\[ *([0-9]+)\] +({_TEXT}(?:{_TEXT_OR_SPACE}*{_TEXT})?)$(?P<row>)"
_INVOKED_ALT = (
    rf"(?P<inv_comm>{_COMM}) invoked oom-killer: gfp_mask=(?P<gfp>0x[0-9a-fA-F]+)"
    r"(?:\([A-Z_|]*\))?, (?:nodemask=(?:\(null\)|[0-9-]+), )?order=(?P<order>-?[0-9]+)"
    r"(?:, oom_score_adj=(?P<inv_adj>-?[0-9]+))?$(?P<invoked>)"
)
_CPU_ALT = (
    rf"CPU: [0-9]+ (?:UID: [0-9]+ )?PID: (?P<cpu_pid>[0-9]+) Comm: {_COMM} "
    rf"(?:Not tainted |Tainted: [A-Z ]*)(?P<version>[0-9]+\.[0-9]+(?![0-9]){_WORD}*)"
    rf"(?: {_WORD_OR_SPACE}*{_WORD})?$(?P<cpu>)"
)
_HEADER_ALT = r"(?P<header_text>\[ *pid *\] +(?P<cols>[a-z_](?:[a-z_ ]*[a-z_])?))$(?P<header>)"
_KILL_ALT = (
    r"(?:(?P<message>Out of memory|Memory cgroup out of memory): )?"
    rf"(?P<verb>Kill|Killed) process (?P<kill_pid>[0-9]+) \((?P<kill_comm>{_COMM})\)"
    r"(?: score (?P<score>[0-9]+) or sacrifice child| total-vm:(?P<total_vm>[0-9]+)kB"
    r"(?:, anon-rss:[0-9]+kB, file-rss:[0-9]+kB(?:, shmem-rss:[0-9]+kB"
    r"(?:, UID:[0-9]+ pgtables:[0-9]+kB oom_score_adj:(?P<kill_adj>-?[0-9]+))?)?)?)"
    r"$(?P<kill>)"
)

USUAL = anchored(
    r"\[ *([0-9]+\.[0-9]+)\] ?+"
    rf"(?:{_ROW_ALT}|{_INVOKED_ALT}|{_CPU_ALT}|{_HEADER_ALT}|{_KILL_ALT}"
    r"|(?![a-z]+ *:[a-z]+ *:)(?=[^ <>\[\-]|\[[^\]\[:.TC]*\]))"
)
"""A stamp (group 1), then one of the kinds above, or the start of a message (the match's
``lastindex`` is 1; the message starts where the match ends)."""

KIND = {name: USUAL.groupindex[name] for name in ("row", "invoked", "cpu", "header", "kill")}
"""Each kind's ``lastindex``: the number of the empty group ending its alternative."""
MESSAGE = 1
"""``lastindex`` of a match that only says where a message starts."""

ANY_KEYWORD = scanning("|".join(map(re.escape, KEYWORDS)))
"""Any of :data:`.scan.KEYWORDS`: a line outside a report that holds none is passed over."""
