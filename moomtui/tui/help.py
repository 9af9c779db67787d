"""The help text: what the simulation models, the policies, and the keys as bound now."""

from __future__ import annotations

from collections.abc import Iterable

from ..patterns import scanning

_BACKTICKS = scanning(r"(?<!`)`+")

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


MARKDOWN_SPECIAL = "\\`*_[]<>|#"
"""Characters Markdown would read as markup in a table cell."""


def md_text(text: str) -> str:
    """``text`` as plain text in Markdown: ``<killed>`` stays ``<killed>``, not an HTML tag."""
    return "".join(f"\\{c}" if c in MARKDOWN_SPECIAL else c for c in text)


def md_code(text: str) -> str:
    """``text`` as a code span, whatever backticks it holds (the `` ` `` key): fenced by one
    backtick more than its longest run, with a space inside each fence."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in _BACKTICKS.findall(text)) + 1)
    cell = text.replace("|", "\\|")
    return f"{fence} {cell} {fence}"


def help_text(
    keys: Iterable[tuple[str, str, str, str]],
    columns: Iterable[tuple[str, str]],
    clashes: Iterable[tuple[str, str, str]] = (),
) -> str:
    """The help page: :data:`ABOUT`, the keys as bound now — moomtui's, htop's, what they
    do —, htop's keys that mean something else here, the task columns. Keys and
    descriptions are quoted, so what they contain shows as written."""
    key_rows = "\n".join(
        f"| {_keys_cell(ours)} | {_keys_cell(htop)} | {md_text(text)} | {_id_cell(id)} |"
        for ours, htop, text, id in keys
    )
    clash_rows = "\n".join(
        f"| {md_code(key)} | {md_text(theirs)} | {md_text(ours)} |" for key, theirs, ours in clashes
    )
    column_rows = "\n".join(f"| {md_text(title)} | {md_text(text)} |" for title, text in columns)
    clash_table = (
        f"\n## htop's keys that do something else here\n| key | in htop | in moomtui |\n"
        f"|---|---|---|\n{clash_rows}\n"
        if clash_rows
        else ""
    )
    return (
        f"{ABOUT}\n## Keys\nThe first column is moomtui's keys, the second htop's that do the "
        f"same here (F1 to F10, M, P, …); a key in both columns means the same in both. "
        f"Remap any in the `[keys]` of `~/.config/moomtui/config.toml` by its id: "
        f'`"task.kill" = "x,f9"`.\n\n'
        f"| moomtui | htop | action | id |\n|---|---|---|---|\n{key_rows}\n{clash_table}"
        f"\n## Task columns\nF2 (or `columns` at the console) shows, hides and orders them.\n\n"
        f"| column | meaning |\n|---|---|\n{column_rows}\n"
    )


def _keys_cell(keys: str) -> str:
    """A cell of keys, each as code: ``k``, ``F9``; empty for none."""
    return ", ".join(md_code(key) for key in keys.split(", ")) if keys else ""


def _id_cell(binding_id: str) -> str:
    return md_code(binding_id) if binding_id else ""
