"""Capability profiles: what a source of command lines may do.

Every command line runs under a :class:`Profile`. The console of a local screen may do
everything the shell can; anything else gets less. Four profiles cover the sources moomtui
has (docs/threat-model.md explains them):

* :data:`LOCAL_CONSOLE` — the person at the keyboard of their own machine: every command,
  ``insmod ./policy.py`` (it runs their Python), ``script save FILE``, ``boot`` of a preset
  by name or by path.
* :data:`SCRIPT` — a ``--script`` file, which may come from anyone: every command, but
  nothing that reaches the host — no ``insmod PATH``, no ``script save``, ``boot`` by name
  only.
* :data:`PRESET` — a preset's ``[[events]]``: only the commands a scenario needs (the
  allow-list :data:`PRESET_COMMANDS`), modules by name only.
* :data:`SERVED` — a session served to a browser: what a script may do, without the user's
  own files either — ``boot`` only of the shipped presets, and (for the front end) no history
  file and no user themes.

A profile is checked in two places that cannot disagree, since both call :func:`refusal`:
``check_line`` (a preset's or a script's line, when the file is loaded) and
``Shell.execute`` (when the line runs). A command with arguments that need a capability
(``insmod ./x.py``, ``script save``, ``boot PATH``) declares a ``guard`` saying why a profile
may not run them.

To use one, give it to the session — ``Session(kernel, profile=SERVED)``,
``Simulation(scenario, profile=SERVED)``, ``run_app(preset, profile=SERVED)`` (what
``moomtui --served``, the process of each ``moomtui serve`` visitor, does): every line the
session runs is held to it, and a line from a narrower source (a preset's event) runs under
the intersection of both (:meth:`Profile.narrow`). The screen reads ``user_files`` to decide
whether to keep a history file and load the user's themes and presets.
"""

from __future__ import annotations

from dataclasses import dataclass

PRESET_COMMANDS = frozenset(
    {
        # modules by name, and what they look like
        "insmod",
        "modprobe",
        "rmmod",
        "lsmod",
        "modinfo",
        # tunables: sysctl, and echo N > /proc/sys/…
        "sysctl",
        "echo",
        # signals, priorities, workloads of the built-in programs
        "kill",
        "killall",
        "renice",
        "spawn",
        # swap
        "swapon",
        "swapoff",
        # the screen's clock (a headless run says the script drives it)
        "pause",
        "resume",
        "speed",
        # views of the machine: /proc, tasks, memory, the log
        "cat",
        "ls",
        "ps",
        "pstree",
        "free",
        "vmstat",
        "uptime",
        "dmesg",
        "id",
        "whoami",
        "help",
        # text tools for pipelines over those views (dmesg | tail -n 3)
        "grep",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
    }
)
"""The commands a preset's event may run: a scenario's, touching only the simulated machine.

Left out on purpose: ``boot`` (another preset), ``script`` (writes files), ``su`` (changes
who the person at the console is), ``reboot`` and ``kconfig`` (the preset's own
``[kernel]`` says how the machine boots), ``history``, ``step`` (it would run the
machine outside the preset's own timeline) and ``less`` (a pager is for the person at the
console). Every command of a pipeline must be allowed.
"""


@dataclass(frozen=True, slots=True)
class Profile:
    """What command lines from one kind of source may do.

    ``commands``: the command names allowed (None: all). ``run_code``: ``insmod PATH`` may
    run a Python file. ``read_files``: a command may name a host file to read (``boot
    PATH``, ``insmod PATH``). ``write_files``: a command may write a host file (``script
    save``). ``user_files``: the user's own configuration is in reach — their presets by
    name; for a front end, the history file and their themes. ``label`` names the source in
    refusals (``boot: Operation not permitted in a preset``).
    """

    name: str
    label: str
    commands: frozenset[str] | None = None
    run_code: bool = False
    read_files: bool = False
    write_files: bool = False
    user_files: bool = False

    def allows(self, command: str) -> bool:
        """Whether command ``command`` may run at all under this profile."""
        return self.commands is None or command in self.commands

    def narrow(self, other: Profile) -> Profile:
        """The profile allowing only what both allow (named after ``other``)."""
        if self is other:
            return self
        if self.commands is None:
            commands = other.commands
        elif other.commands is None:
            commands = self.commands
        else:
            commands = self.commands & other.commands
        return Profile(
            name=other.name,
            label=other.label,
            commands=commands,
            run_code=self.run_code and other.run_code,
            read_files=self.read_files and other.read_files,
            write_files=self.write_files and other.write_files,
            user_files=self.user_files and other.user_files,
        )


LOCAL_CONSOLE = Profile(
    "local-console",
    "the console",
    run_code=True,
    read_files=True,
    write_files=True,
    user_files=True,
)
SCRIPT = Profile("script", "a script", user_files=True)
PRESET = Profile("preset", "a preset", commands=PRESET_COMMANDS)
SERVED = Profile("served", "a served session")

PROFILES = {p.name: p for p in (LOCAL_CONSOLE, SCRIPT, PRESET, SERVED)}
"""Every profile by name."""
