"""The starter policy ``mkpolicy`` writes: a file for the player to edit and ``insmod``.

As written it is the classic choice (the highest ``badness()``) at the seed's priority, 0,
letting the rest of the chain run — so it shows where the two knobs are (its ``priority``,
what ``on_out_of_memory`` returns) without turning them. :func:`starter_text` is the file's
text; its module name is the file's stem, as ``insmod`` names a policy file.
"""

from __future__ import annotations

STARTER = '''\
"""My OOM policy for moomtui, started by mkpolicy: edit it, it is yours.

Load it at moomtui's console:   insmod ./{file}
After an edit:                  rmmod {name}, then insmod ./{file} again
The API is in moomtui's docs/policies.md ("Writing your own policy").
"""

from moomtui.modules.api import KERN_INFO, NOTIFY_DONE, NOTIFY_OK, NOTIFY_STOP_MASK, Policy

ENDS_THE_WALK = NOTIFY_OK | NOTIFY_STOP_MASK
"""A return that ends the walk here: notifier_call_chain stops at a return with
NOTIFY_STOP_MASK set, and the handlers after this one are not called."""
WAIT = NOTIFY_DONE
"""What the handler returns while an earlier victim is still exiting. NOTIFY_DONE: the
walk goes on to the next handler on the chain."""
DONE = NOTIFY_DONE
"""What it returns after a kill."""


class MyPolicy(Policy):
    """My OOM policy: for now, the classic choice."""

    author = "me"
    # The notifier block's priority. The chain calls higher priorities first, and equal
    # ones in the order they were registered: a built-in (y) policy registers at boot.
    priority = 0

    def on_out_of_memory(self) -> int:
        """Called on every out_of_memory(), in the chain's order."""
        tasks = [t for t in self.tasks() if t.mm is not None and t.pid != 1]
        if any(t.memdie for t in tasks):
            return WAIT  # a victim is still exiting: give it time
        if not tasks:
            return DONE
        victim = max(tasks, key=self.badness)  # the classic choice: the highest badness()
        self.printk(KERN_INFO, f"{name}: killing {{victim.comm}} ({{victim.pid}})")
        self.oom_kill(victim)  # the task and its threads; victim.p_pptr is its parent
        return DONE
'''


def starter_text(name: str, file: str) -> str:
    """The starter policy for module ``name`` (the file's stem), to be saved as ``file``."""
    return STARTER.format(name=name, file=file)
