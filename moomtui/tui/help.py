"""The help text: what the simulation models, the policies, and the keys as bound now."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

ABOUT = """\
# moomtui — the 2003 modular OOM killer on a simulated Linux 2.4.22

In October 2003 Tvrtko Ursulin posted *Modular OOM killer for 2.4 (or no OOM at all)*: the
out-of-memory killer split into an **OOM notifier chain** and loadable **policy modules**.
This machine runs that patch. Its tasks allocate memory; when direct reclaim (page cache
first, then swap) cannot free a page, the VM calls `out_of_memory()`, which calls every
handler on the chain, in the order they were loaded.

## What is simulated
- One memory zone with 2.4's watermarks (`pages_min/low/high`), page cache, anonymous
  pages, swap with a finite disk speed, kswapd and direct reclaim, overcommit mode 0.
- Tasks with 2.4's fields (`total_vm`, `utime`/`stime`, `start_time`, `nice`, capabilities,
  `PF_MEMDIE`), fork, exit, zombies, reparenting to init; LinuxThreads threads share an mm.
- A 2.4 page fault **never fails**: with no handler loaded a task waits in the allocator
  forever (*livelock*); with swap free the classic killer never fires.
- `printk` levels and `console_loglevel`, `/proc/sys` (`sysctl`), `insmod`/`rmmod` with
  Kconfig tristates: built-in (`y`), module (`m`) or not built (`n`).

## The policies
- **oom_panic** — `panic("Out-Of-Memory")` on the first call, even with swap free. With
  `kernel.panic` > 0 the machine reboots after that many seconds, else it hangs.
- **oom_kill** — Rik van Riel's classic killer. It acts only when no swap is free, after
  failures keep coming for at least 1 s and 10 of them were counted, and not within 5 s of
  its last kill. It kills the task with the highest `badness()`: virtual size, divided by
  roots of its CPU time and run time, doubled if niced, quartered for root and for raw I/O
  capability. The OOM column shows that score; **►** marks the next victim.
- **oom_kill_parent** — the classic killer plus a 32-slot blacklist of parents whose
  children were killed; a parent with `oom_parent_max` (10) strikes is killed itself, on the
  call after its 11th child kill. Tunables: `/proc/sys/vm/oom/oom_parent_max` and
  `oom_parent_expire` (seconds).
- Loaded together, each keeps its own counters, so two killers can both kill on one shortage.

## The screen
The OOM meter shows, for each loaded killer, the conditions it waits for: swap full,
failures counted (10), time since the first failure (≥ 1 s), time since its last kill (≥ 5 s).
In the task tree, new tasks and dying ones are highlighted for a moment; the selection stays
on its pid while others fork and die. Everything a key does is a console command: the
console (`:`) shows it, and you can type it yourself — try `help` there.

**Why this victim?** `e` on the selected task (`explain PID` at the console) works out the
score each loaded policy gives it, one statement of the C at a time, ranks it among the
candidates and says who is next and why. `k` (or F9) asks which signal to send, SIGTERM
first, as htop does. The panel with the focus has a heavy frame; Tab moves between the
panels, `z` (or Ctrl+F) maximizes the focused one, and the key bar at the bottom shows the
keys that matter for it.

## The game
Some presets set **goals**: survive a time, no panic, protect some daemons, at most N kills,
recover within a time. The header shows each one live: ● pending, ✓ met, ✗ lost. When
time is up or a goal is lost the machine stops and the report shows how it went, with the
score card — the five goals of a good kill from `badness()`'s comment, then time
livelocked, thrashing and down, panics and reboots. Then `c` plays on in sandbox mode (the
goals no longer end the run), `r` replays the preset, `p` picks another, `q` quits. A
reboot is part of the same game; booting a preset starts a new one. `g` (or `score` at the
console) shows the report at any time, with the clock stopped; presets without goals are
sandboxes that only have the score.
"""


class HelpTable(NamedTuple):
    """A table of the help page: drawn as a table, its cells as written (no Markdown: a
    key or a description shows what it holds, whatever characters those are)."""

    title: str
    intro: str
    """Markdown: what the table is, under its title."""
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    keys: int
    """How many of the first columns hold keys (drawn as keys)."""
    wraps: int
    """The column whose text wraps (the others keep their width)."""


HelpPart = str | HelpTable
"""A part of the help page: Markdown prose, or a table."""


def help_page(
    keys: Iterable[tuple[str, str, str, str]],
    columns: Iterable[tuple[str, str]],
    clashes: Iterable[tuple[str, str, str]] = (),
) -> tuple[HelpPart, ...]:
    """The help page: :data:`ABOUT`, the keys as bound now — moomtui's, htop's, what they
    do, their ids —, htop's keys that mean something else here, the task columns."""
    key_table = HelpTable(
        "Keys",
        "The first column is moomtui's keys, the second htop's that do the same here (F1 to "
        "F10, M, P, …); a key in both columns means the same in both. Remap any in the "
        '`[keys]` of `~/.config/moomtui/config.toml` by its id: `"task.kill" = "x,f9"`.',
        ("moomtui", "htop", "action", "id"),
        tuple(keys),
        keys=2,
        wraps=2,
    )
    clash_rows = tuple(clashes)
    clash_table = HelpTable(
        "htop's keys that do something else here",
        "",
        ("key", "in htop", "in moomtui"),
        clash_rows,
        keys=1,
        wraps=2,
    )
    column_table = HelpTable(
        "Task columns",
        "F2 (or `columns` at the console) shows, hides and orders them.",
        ("column", "meaning"),
        tuple(columns),
        keys=0,
        wraps=1,
    )
    return (ABOUT, key_table, *((clash_table,) if clash_rows else ()), column_table)


def page_text(page: Iterable[HelpPart]) -> str:
    """The page as plain text: the prose as written, a table's rows a line each, their
    cells joined by `` | ``."""
    out: list[str] = []
    for part in page:
        if isinstance(part, str):
            out.append(part)
            continue
        out.append(f"## {part.title}")
        if part.intro:
            out.append(part.intro)
        out.extend(" | ".join(row) for row in (part.headers, *part.rows))
    return "\n".join(out) + "\n"
