"""A served session's share of the machine: the limits a child sets on itself, first thing.

``moomtui serve`` starts each visitor's process with its share in the environment
(:data:`~moomtui.web.MEMORY_ENV`, :data:`~moomtui.web.CPU_ENV`); the child applies it with
``setrlimit`` before Textual or the simulation is loaded, so every byte and second the
visitor can make it spend counts:

- **memory**: ``RLIMIT_DATA``, the private writable memory of the process (Linux 4.7 and
  later count every anonymous mapping, not only the heap). It is what Python's allocator
  and Textual use, and it is close to the resident size (a fresh session: 45 MB of data,
  48 MB resident); ``RLIMIT_AS`` would also count the 64 MB address space glibc reserves
  per thread arena and every mapped library, without their costing anything. Past the
  ceiling an allocation fails: ``MemoryError``, or CPython's fatal error and ``SIGABRT``.
- **CPU**: ``RLIMIT_CPU`` seconds of CPU time over the session's life; the kernel sends
  ``SIGXCPU`` when they are spent (and SIGKILL :data:`CPU_GRACE` seconds later).
- **no core file**: ``RLIMIT_CORE`` 0, whatever the server's own limit.

The child sets these itself rather than the server between ``fork`` and ``exec``: a
``preexec_fn`` runs Python in a forked copy of a server that has threads, which can
deadlock. The child's own code runs before any input from the visitor is read, so the
effect is the same. A limit is only ever lowered (a process may not raise its hard limit).
The server watches the same figures from ``/proc`` and tells the visitor which share ran
out (:mod:`.server`).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping

from . import CPU_ENV, MEMORY_ENV

CPU_GRACE = 5
"""Seconds of CPU between ``SIGXCPU`` (which ends a session) and ``SIGKILL``."""


def _lower(kind: int, soft: int, hard: int) -> None:
    """Set ``kind``'s limits to at most ``soft`` and ``hard`` (never above the current hard)."""
    _, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


def _number(environ: Mapping[str, str], name: str) -> int | None:
    text = environ.get(name, "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def take_share(environ: Mapping[str, str] = os.environ) -> None:
    """Apply the share the server put in ``environ`` to this process (see the module)."""
    _lower(resource.RLIMIT_CORE, 0, 0)
    memory = _number(environ, MEMORY_ENV)
    if memory is not None:
        _lower(resource.RLIMIT_DATA, memory, memory)
    cpu = _number(environ, CPU_ENV)
    if cpu is not None:
        _lower(resource.RLIMIT_CPU, cpu, cpu + CPU_GRACE)
