"""An OOM policy written outside moomtui: kill the youngest process.

The newest process has done the least work, so killing it loses the least — a rule the
classic ``badness()`` only approximates with its run-time divisor. Tasks with fewer than
``min_rss`` resident pages are spared, so a shell just started is not shot for a leak
that has been growing for an hour.

Load it on a running machine, as root, from the console::

    insmod ./examples/oom_kill_youngest.py min_rss=256

or install it in a package that declares it in its ``pyproject.toml``::

    [project.entry-points."moomtui.modules"]
    oom_kill_youngest = "oom_kill_youngest:OomKillYoungest"

and it is there, like the built-in policies, after the next boot. docs/policies.md
describes the API.
"""

from __future__ import annotations

from moomtui.modules.api import KERN_INFO, ModuleParam, Policy


class OomKillYoungest(Policy):
    """Kill the youngest process with at least min_rss resident pages, one at a time."""

    name = "oom_kill_youngest"
    author = "moomtui examples"
    params = (ModuleParam("min_rss", "i", "Spare tasks with fewer resident pages than this", 0, 0),)

    min_rss: int

    def on_out_of_memory(self) -> None:
        users = [t for t in self.tasks() if t.mm is not None and t.pid != 1]
        if any(t.memdie for t in users):
            return  # the last victim is still exiting: give it time
        candidates = [t for t in users if t.mm is not None and t.mm.rss >= self.min_rss]
        if not candidates:
            return
        # The youngest: the shortest time since it started (ties: the newest on the list).
        victim = min(reversed(candidates), key=lambda t: (self.jiffies - t.start_time) % 2**32)
        self.printk(KERN_INFO, f"oom_kill_youngest: {victim.comm} ({victim.pid}) is the youngest")
        self.oom_kill(victim)
