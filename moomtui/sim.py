"""A scenario running: the kernel, its console session, and the commands due at set times.

Both the screen and headless runs drive a :class:`Simulation`. Its ``run_for`` advances the
kernel and, at their times, feeds the preset's ``[[events]]`` (relative to the uptime of each
boot, so they happen again after a reboot) and a ``--script`` (relative to the start of the
run) through the same shell the console uses.

Every line goes through :meth:`Simulation.execute`, which knows whose it is: the player's
(typed at the console, a key, a ``--script``) or the preset's. While a player's line runs,
:attr:`Simulation.player_command` names its command, so the game can tell a signal sent by
the player's ``kill`` from one the kernel sends (a console user has no task of its own).

Each line runs under a capability profile (:mod:`moomtui.shell.profile`): the preset's
events under ``PRESET``, the script's under ``SCRIPT``, each narrowed by the session's own
profile — ``LOCAL_CONSOLE`` by default. A served simulation (``profile=SERVED``: a browser
session of ``moomtui serve``) lists and boots the shipped presets only, never a path or a
user's preset, and its console refuses every command that would reach the host's files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .kernel import events as ev
from .machine import boot
from .presets import PresetError, Scenario, load_preset, load_shipped_preset, preset_keys
from .shell.base import Result
from .shell.profile import LOCAL_CONSOLE, PRESET, SCRIPT, Profile
from .shell.session import Session

if TYPE_CHECKING:
    from .kernel import Kernel
    from .presets.trial_boot import KeptBoot
    from .shell.shell import Shell

SOURCE_PROFILES = {"preset": PRESET, "script": SCRIPT}
"""The profile each source of scheduled commands runs under."""
PLAYER_SOURCES = ("console", "script")
"""The sources whose lines are the player's own (a preset's events are not)."""
UNRECORDED = frozenset({"rewind", "script"})
"""Command words a run's record leaves out: a replay never goes back in time again, and
never writes the host's files (``script save``)."""


@dataclass(frozen=True, slots=True)
class CommandRun:
    """A scheduled command that ran: when, where it came from, what it answered."""

    elapsed: int
    jiffies: int
    source: str  # "preset" or "script"
    line: str
    result: Result


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        script: Iterable[tuple[int, str]] = (),
        bus: ev.EventBus | None = None,
        on_command: Callable[[CommandRun], None] | None = None,
        profile: Profile = LOCAL_CONSOLE,
        kept: KeptBoot | None = None,
        before_command: Callable[[str, str], None] | None = None,
    ) -> None:
        """``kept``: the scenario's trial boot, kept when it was loaded: its kernel is this
        simulation's if it was booted as this one would boot (:mod:`moomtui.presets.trial_boot`).
        A scheduled command is told to ``before_command`` (its line, its source) before it
        runs — what it makes the kernel log comes after — and to ``on_command`` once it ran.
        """
        self.scenario = scenario
        self.profile = profile
        kernel = kept.adopt(scenario.spec, seed, bus) if kept is not None else None
        if kernel is None:
            spec = scenario.spec.clone()
            if seed is not None:
                spec.seed = seed
            kernel = boot(spec, bus=bus)
        self.kernel = kernel
        self.session = Session(
            self.kernel,
            clock=lambda: self.elapsed,
            presets=lambda: preset_keys(include_user=profile.user_files),
            on_boot=self._boot_by_name,
            profile=profile,
        )
        self._shell: Shell | None = None
        self.boot_guard: Callable[[str], str | None] | None = None
        """Why ``boot NAME`` may not boot preset NAME here (None: it may), asked before
        loading it; a replay of this run (a rewind) is given the same guard."""
        self.elapsed = 0
        self.on_command = on_command
        self.before_command = before_command
        self._script = sorted(script, key=lambda item: item[0])
        self._script_i = 0
        self._preset_i = 0
        self._boot_seen = self.kernel.boot
        self.player_command: str | None = None
        """The command word of the player's line running now (``kill``), else None."""
        self.run_seed = self.kernel.spec.seed
        """The seed this run booted with (the scenario's, or the one given)."""
        self.run_origin = 0
        """``elapsed`` when this run began: a run is one scenario booted, its reboots
        included; ``boot`` begins another."""
        self.run_log: list[tuple[int, str, str]] = []
        """The player's lines of this run, as ``(run time, source, line)``: what a replay
        feeds a fresh run of the same scenario and seed (:mod:`moomtui.game.rewind`)."""
        self.branches: list[tuple[int, int]] = []
        """Each rewind of this run: ``(elapsed it went back to, elapsed it left)``."""
        self.rewinds = 0
        """Rewinds so far (of every run): a ``run_for`` a rewind cut short sees it change."""
        self.executing = 0
        """Lines running now (a ``vmstat 1 5`` runs the machine while it runs): no
        checkpoint is taken then, as a line's record comes once it is done."""
        self._runs = 0

    def boot(self, scenario: Scenario, *, seed: int | None = None) -> None:
        """Switch to another scenario: a new machine on the same event bus and console.

        The run's ``--script`` belongs to the old scenario and is dropped.
        """
        spec = scenario.spec.clone()
        if seed is not None:
            spec.seed = seed
        self.kernel = boot(spec, bus=self.kernel.bus)
        self.scenario = scenario
        self.session.kernel = self.kernel
        self.session.sync()
        self._script_i = len(self._script)
        self._preset_i = 0
        self._boot_seen = self.kernel.boot
        self.run_seed = self.kernel.spec.seed
        self.run_origin = self.elapsed
        self.run_log = []
        self.branches = []
        self._runs += 1

    @property
    def run_time(self) -> int:
        """Jiffies since this run began (its record's clock)."""
        return self.elapsed - self.run_origin

    def adopt(self, replica: Simulation) -> None:
        """Go on from where ``replica`` stands — a fresh run of this scenario and seed, fed
        this run's record up to an earlier moment (:func:`moomtui.game.rewind.replay`): its
        machine, its console's user, its place in the preset's events and its record
        become this run's; the event bus, the console's hooks and the ``--script`` still
        to come stay this simulation's. The console's record (``history``, ``script
        save``) keeps the lines up to the moment gone back to: the branch's. The bus's
        counts become the replica's, so that what counted events reports is what happened
        on this branch."""
        bus = self.kernel.bus
        kernel = replica.kernel
        bus.counts.clear()
        bus.counts.update(kernel.bus.counts)
        kernel.bus = bus
        left = self.elapsed
        self.kernel = kernel
        session, theirs = self.session, replica.session
        session.kernel = kernel
        session.uid, session.logins = theirs.uid, list(theirs.logins)
        session.sync()
        self.elapsed = self.run_origin + replica.elapsed
        self._preset_i = replica._preset_i
        self._boot_seen = kernel.boot
        self.run_log = list(replica.run_log)
        session.recorded = [(t, line) for t, line in session.recorded if t <= self.elapsed]
        self.branches.append((self.elapsed, left))
        self.rewinds += 1

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps of this simulation beside its machine
        (:mod:`moomtui.game.checkpoint`): its run time, its place in the preset's events,
        the console's user."""
        return {
            "run_time": self.run_time,
            "preset_i": self._preset_i,
            "boot_seen": self._boot_seen,
            "uid": self.session.uid,
            "logins": list(self.session.logins),
        }

    def resume(self, kernel: Kernel, state: dict[str, Any], run_log: list[Any]) -> None:
        """Go on from a checkpoint: ``kernel`` and ``state`` as :meth:`state` gave them,
        ``run_log`` the record's lines that had run then. For a fresh simulation of the
        same scenario and seed, before it has run (a replay's)."""
        self.kernel = kernel
        session = self.session
        session.kernel = kernel
        session.uid, session.logins = state["uid"], list(state["logins"])
        session.sync()
        self.elapsed = self.run_origin + state["run_time"]
        self._preset_i = state["preset_i"]
        self._boot_seen = state["boot_seen"]
        self.run_log = list(run_log)

    def _boot_by_name(self, name: str) -> None:
        """``boot NAME`` — or a path, where the profile reads files (the shell checked)."""
        refused = self.boot_guard(name) if self.boot_guard is not None else None
        if refused is not None:
            raise ValueError(f"{name}: {refused}")
        try:
            if not self.profile.user_files:
                scenario = load_shipped_preset(name)
            else:
                scenario = load_preset(name, include_user=True)
        except PresetError as err:
            raise ValueError(str(err)) from None
        self.boot(scenario)

    @property
    def shell(self) -> Shell:
        """The console's shell, made when a first line is run (its commands are imported
        then: a run with no commands to run never needs them)."""
        if self._shell is None:
            from .shell.shell import Shell

            self._shell = Shell(self.session)
        return self._shell

    @property
    def ticks(self) -> int:
        return self.kernel.ticks

    def _next_due(self) -> int | None:
        """Elapsed time of the next scheduled command, if any."""
        due = []
        if self._script_i < len(self._script):
            due.append(self._script[self._script_i][0])
        if self._preset_i < len(self.scenario.events):
            at = self.scenario.events[self._preset_i].at
            due.append(self.elapsed + max(0, at - self.kernel.ticks))
        return min(due) if due else None

    def _fire_due(self) -> None:
        if self.kernel.boot != self._boot_seen:
            self._boot_seen = self.kernel.boot
            self._preset_i = 0
        while True:
            fired = False
            events = self.scenario.events
            ticks = self.kernel.ticks  # a line may have rewound the run: another machine
            if self._preset_i < len(events) and events[self._preset_i].at <= ticks:
                line = events[self._preset_i].run
                self._preset_i += 1
                self._run(line, "preset")
                fired = True
            if (
                self._script_i < len(self._script)
                and self._script[self._script_i][0] <= self.elapsed
            ):
                line = self._script[self._script_i][1]
                self._script_i += 1
                self._run(line, "script")
                fired = True
            if not fired:
                return

    def execute(self, line: str, source: str = "console") -> Result:
        """Run ``line`` through the shell as ``source`` (``console``, ``script`` or
        ``preset``): the console's lines are recorded for ``script save`` and run under the
        session's own profile, the others under their source's."""
        words = line.split(maxsplit=1)
        outer = self.player_command
        player = source in PLAYER_SOURCES
        if player:
            self.player_command = words[0] if words else ""
        at, run = self.run_time, self._runs
        self.executing += 1
        try:
            if source == "console":
                return self.shell.execute(line)
            return self.shell.execute(line, record=False, profile=SOURCE_PROFILES[source])
        finally:
            self.executing -= 1
            self.player_command = outer
            if player and run == self._runs and words and words[0] not in UNRECORDED:
                self.run_log.append((at, source, line))

    def _run(self, line: str, source: str) -> None:
        if self.before_command is not None:
            self.before_command(line, source)
        result = self.execute(line, source)
        if self.on_command is not None:
            self.on_command(CommandRun(self.elapsed, self.kernel.jiffies, source, line, result))

    def run_for(self, n: int) -> None:
        """Advance ``n`` jiffies, running scheduled commands when they are due; or less, if
        one of them rewound the run (:meth:`adopt`): the caller plans again from there."""
        end = self.elapsed + n
        rewinds = self.rewinds
        self._fire_due()
        while self.elapsed < end and self.rewinds == rewinds:
            stop = end
            due = self._next_due()
            if due is not None and due > self.elapsed:
                stop = min(stop, due)
            reboot_at = self.kernel.reboot_at
            if reboot_at is not None and self.kernel.panicked is not None:
                stop = min(stop, self.elapsed + max(1, reboot_at - self.kernel.ticks))
            step = max(1, stop - self.elapsed)
            self.kernel.run_for(step)
            self.elapsed += step
            self._fire_due()
