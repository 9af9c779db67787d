"""What the commands print for programs to read, and how wide they print for people.

Every JSON document moomtui prints or writes — ``run --json``, ``compare --json``,
``postmortem --json``, ``snapshot --json`` — starts with ``"version"``:
:data:`SCHEMA_VERSION`, the version of the documents' layout. It changes when a key is
removed, renamed or changes meaning; a key added leaves it as it is. ``--trace``'s JSON
Lines start with one header line holding it (:func:`trace_header`), so that each event line
stays one event.

Tables and wrapped text fit :func:`output_width` columns: the terminal's width on a
terminal, and when the output is a pipe or a file, ``COLUMNS`` if it is set, else 80 —
so that ``COLUMNS=200 moomtui compare … | less`` is as wide as asked.

A leaf module: the standard library only.
"""

from __future__ import annotations

import os
from typing import IO, Any

SCHEMA_VERSION = 2
"""The layout of moomtui's JSON documents (see the module docstring). 2: ``postmortem
--json``'s verdict of the 5.2–5.8 rule, keyed ``"5.2"``, became two: ``"4.17"`` now runs to
5.2 and ``"5.3"`` is 5.3–5.8 (5.2 keeps the first of equal scores, 5.3 the last)."""

DEFAULT_WIDTH = 80
"""Columns when the output is not a terminal and ``COLUMNS`` says nothing."""
MIN_WIDTH = 20
"""Fewer columns than this (``COLUMNS=3``) are taken as this many."""


def versioned(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with ``"version"`` as its first key."""
    return {"version": SCHEMA_VERSION, **{k: v for k, v in doc.items() if k != "version"}}


def trace_header(**fields: Any) -> dict[str, Any]:
    """The first line of a ``--trace`` file: what it is, its version, then ``fields``."""
    return {"moomtui": "trace", "version": SCHEMA_VERSION, **fields}


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def output_width(stream: IO[str], environ: dict[str, str] | None = None) -> int:
    """Columns to lay ``stream``'s output out for (see the module docstring)."""
    env = os.environ if environ is None else environ
    columns = env.get("COLUMNS", "").strip()
    if columns.isascii() and columns.isdigit() and len(columns) <= 6:
        return max(int(columns), MIN_WIDTH)
    if is_terminal(stream):
        try:
            return max(os.get_terminal_size(stream.fileno()).columns, MIN_WIDTH)
        except (AttributeError, ValueError, OSError):
            pass
    return DEFAULT_WIDTH
