"""Goals: the preset's ``[goals]``, each live as pending, met or lost, with a one-line why.

A :class:`GoalTracker` follows survive, no_panic, no_reboot, protect, max_kills,
recover_within and hands_off on the event stream and at each sample (``update(kernel)``),
and keeps the run's :class:`~.scorer.Scorer` (``.scorer``) that it feeds the same events.
Time is up at ``goals.survive`` if the preset sets it, else at the scenario's ``length``;
times are run time, as the scorer counts them. The exact definitions are in docs/game.md.

``hands_off`` is a rule rather than a target: the player may not kill by hand. It is lost
at a ``Signal`` event the task acts on (not ``ignored``: init and kernel threads shrug off
most, nobody dies of SIGCONT) sent while the player's ``kill`` or ``killall`` runs, or a
``Reboot``
while the player's ``reboot`` runs (unless it boots another OOM Kconfig: choosing the kernel
is allowed) — the tracker is told which of the player's commands is
running (``player``: the simulation's :attr:`~moomtui.sim.Simulation.player_command`), since
a console user has no task and a root user's signals carry the sender 0 the kernel's own
carry. A preset's ``[[events]]`` are not the player's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..kernel import events as ev
from ..kernel.constants import HZ, SIGNAL_NAMES
from ..kernel.kconfig import resolve_kconfig
from ..kernel.units import format_duration
from .card import ScoreCard
from .scorer import Scorer
from .scores import ScoreResult, score_of

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..presets import Scenario

PENDING, MET, LOST = "pending", "met", "lost"
GOALS = (
    "survive",
    "no_panic",
    "no_reboot",
    "protect",
    "max_kills",
    "recover_within",
    "hands_off",
)
"""The goal types, in the order they are shown."""

BY_HAND = {"kill": "signal", "killall": "signal", "reboot": "reboot"}
"""The player's commands that lose ``hands_off``, and the event each loses it at."""


def _no_player() -> str | None:
    return None


def _in_turn(steps: list[Callable[[Any], None]]) -> Callable[[Any], None]:
    """One handler that calls ``steps`` in turn."""

    def handler(event: Any) -> None:
        for step in steps:
            step(event)

    return handler


def _at(jiffies: int) -> str:
    return f"{jiffies / HZ:.1f} s"


@dataclass(slots=True)
class GoalState:
    """One goal's live state: ``pending``, ``met`` or ``lost``, and a one-line why."""

    goal: str
    target: Any
    state: str = PENDING
    detail: str = ""
    at: int | None = None  # run time (jiffies) at which it was met or lost

    @property
    def label(self) -> str:
        t = self.target
        if self.goal == "survive":
            return f"survive {format_duration(t)}"
        if self.goal == "no_panic":
            return "no panic" if t else "panic allowed"
        if self.goal == "no_reboot":
            return "no reboot" if t else "reboot allowed"
        if self.goal == "protect":
            return f"protect {', '.join(t)}"
        if self.goal == "max_kills":
            return f"at most {t} kill{'s' * (t != 1)}"
        if self.goal == "hands_off":
            return "hands off" if t else "hands free"
        return f"recover within {format_duration(t)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "target": list(self.target) if isinstance(self.target, list) else self.target,
            "state": self.state,
            "detail": self.detail,
            "at": self.at,
        }


@dataclass(slots=True)
class _Decided:
    state: str
    detail: str
    at: int


class GoalTracker:
    """The preset's goals, live; also keeps the run's :class:`Scorer` (``.scorer``).

    Subscribe it to the kernel's bus and call :meth:`update` after each slice (or drive
    the run through :class:`Tracked`, which does both at fixed sample points). Time is up
    at ``goals.survive`` if the preset sets it, else at the scenario's ``length``.
    """

    def __init__(
        self,
        scenario: Scenario,
        kernel: Kernel,
        *,
        elapsed: int | None = None,
        player: Callable[[], str | None] = _no_player,
    ) -> None:
        self.scenario = scenario
        self.player = player
        """The command word of the player's line running now, or None."""
        self.targets: dict[str, Any] = {g: scenario.goals[g] for g in GOALS if g in scenario.goals}
        self.time_limit: int = self.targets.get("survive", scenario.length)
        self.scorer = Scorer(kernel, elapsed=elapsed)
        self._decided: dict[str, _Decided] = {}
        self.time_up = False
        self._protect = set(self.targets.get("protect", ()))
        self.hints = 0
        """Hints the player took (:meth:`take_hint`): each costs score."""

    @property
    def kernel(self) -> Kernel:
        return self.scorer.kernel

    def now(self) -> int:
        return self.scorer.now()

    # --- events -------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.Signal | ev.Reboot) and self.targets.get("hands_off"):
            self._by_hand(event)  # before the scorer moves run time on past a reboot
        if isinstance(event, ev.Reboot) and self.targets.get("no_reboot"):
            self._on_reboot(event)
        self.scorer(event)
        if isinstance(event, ev.OomKill):
            self._on_kill(event)
        elif isinstance(event, ev.Exit):
            self._on_exit(event)
        elif isinstance(event, ev.Panic):
            self._on_panic(event)
        elif isinstance(event, ev.OutOfMemory):
            self._check_recovery()

    def event_handlers(self) -> dict[type[ev.Event], Callable[[Any], None]]:
        """The kinds it reads and their handlers, for the bus: what :meth:`__call__` does,
        each kind straight to its steps, in the same order."""
        first: dict[type[ev.Event], Callable[[Any], None]] = {}
        if self.targets.get("hands_off"):
            first = {ev.Signal: self._by_hand, ev.Reboot: self._by_hand}
        if self.targets.get("no_reboot"):
            reboot = first.get(ev.Reboot)
            first[ev.Reboot] = (
                self._on_reboot if reboot is None else _in_turn([reboot, self._on_reboot])
            )
        scorer = self.scorer.event_handlers()
        own: dict[type[ev.Event], Callable[[Any], None]] = {
            ev.OomKill: self._on_kill,
            ev.Exit: self._on_exit,
            ev.Panic: self._on_panic,
            ev.OutOfMemory: self._on_oom,
        }
        table: dict[type[ev.Event], Callable[[Any], None]] = {}
        for kind in {**first, **scorer, **own}:
            steps = [t[kind] for t in (first, scorer, own) if kind in t]
            table[kind] = steps[0] if len(steps) == 1 else _in_turn(steps)
        return table

    def _on_exit(self, event: ev.Exit) -> None:
        if event.signal and event.comm in self._protect:
            sig = "SIG" + SIGNAL_NAMES.get(event.signal, str(event.signal))
            self._lose(
                "protect", f"{event.comm} (pid {event.pid}) died of {sig} at {_at(self.now())}"
            )

    def _on_panic(self, event: ev.Panic) -> None:
        why = f"panic at {_at(self.now())}: {event.message}"
        self._lose("no_panic", why)
        self._lose("survive", why)

    def _on_reboot(self, event: ev.Reboot) -> None:
        """``no_reboot``: any reboot loses it, the player's (into any kernel) or a panic's."""
        how = "by hand " if self.player() == "reboot" else ""
        if self.kernel.panicked is not None:
            how = "after a panic "
        self._lose("no_reboot", f"rebooted {how}at {_at(self.now())}")

    def _on_oom(self, event: ev.OutOfMemory) -> None:
        self._check_recovery()

    def _by_hand(self, event: ev.Signal | ev.Reboot) -> None:
        command = self.player()
        if command is None or command not in BY_HAND:
            return
        if isinstance(event, ev.Signal) and BY_HAND[command] == "signal" and not event.ignored:
            sig = "SIG" + SIGNAL_NAMES.get(event.sig, str(event.sig))
            what = f"{command} sent {sig} to {event.comm} (pid {event.pid})"
        elif isinstance(event, ev.Reboot) and BY_HAND[command] == "reboot":
            if self._new_kernel():
                return  # choosing the kernel to run (kconfig), not killing by hand
            what = "rebooted by hand into the kernel already running (kconfig unchanged)"
        else:
            return
        self._lose("hands_off", f"{what} at {_at(self.now())}")

    def reboot_by_hand_loses(self) -> bool:
        """Whether the player's ``reboot`` now would lose the game: its hands-off goal is
        still open and the reboot would boot the kernel already running (``kconfig``
        unchanged)."""
        hands_off = self.targets.get("hands_off")
        return bool(hands_off) and "hands_off" not in self._decided and not self._new_kernel()

    def _new_kernel(self) -> bool:
        """The reboot running now boots another OOM Kconfig than the one running (``kconfig``
        changed it): the player chooses the kernel, which the rule allows. The Reboot event
        comes before the new boot, so the running configuration is still the old one."""
        kernel = self.kernel
        return resolve_kconfig(kernel.spec.kconfig) != dict(kernel.modules.config)

    def _on_kill(self, e: ev.OomKill) -> None:
        if e.comm in self._protect:
            self._lose(
                "protect",
                f"{e.comm} (pid {e.pid}) killed by {e.module} at {_at(self.now())}",
            )
        limit = self.targets.get("max_kills")
        if limit is not None and self.scorer.kills > limit:
            self._lose(
                "max_kills",
                f"kill {self.scorer.kills} at {_at(self.now())}: {e.comm} (pid {e.pid}) "
                f"by {e.module}",
            )

    def _lose(self, goal: str, detail: str) -> None:
        if goal in self.targets and goal not in self._decided:
            if goal in ("no_panic", "no_reboot", "hands_off") and not self.targets[goal]:
                return
            self._decided[goal] = _Decided(LOST, detail, self.now())

    def _check_recovery(self) -> None:
        limit = self.targets.get("recover_within")
        if limit is None or "recover_within" in self._decided:
            return
        s = self.scorer
        current = s.episode_length()
        if current is not None and current > limit:
            assert s.episode_start is not None
            start = f"from {_at(s.episode_start)} "
        elif s.longest_finished > limit:
            start = ""
        else:
            return
        self._lose("recover_within", f"an OOM episode {start}lasted over {format_duration(limit)}")

    # --- sampling -----------------------------------------------------------------------
    def update(self, kernel: Kernel) -> None:
        """A slice has run: sample the machine, check deadlines, and end the game in time."""
        self.scorer.update(kernel)
        self._check_recovery()
        now = self.now()
        if not self.time_up and now >= self.time_limit:
            self.time_up = True
            if "survive" in self.targets and "survive" not in self._decided:
                if kernel.panicked is not None:
                    self._lose("survive", f"panicked at {_at(now)}")
                elif kernel.oom_state() == "livelock":
                    self._lose("survive", f"livelocked at {_at(now)}")
                else:
                    self._decided["survive"] = _Decided(
                        MET, f"up {_at(now)}, running, not livelocked", now
                    )
            for goal in self.targets:
                if goal not in self._decided:
                    self._decided[goal] = _Decided(MET, self._pending_detail(goal), now)

    def next_check(self) -> int | None:
        """Run time of the next deadline :meth:`update` must see (the time limit), if any."""
        return None if self.time_up else self.time_limit

    # --- the state ----------------------------------------------------------------------
    @property
    def goals(self) -> list[GoalState]:
        """Every goal of the preset, in :data:`GOALS` order, with its state now."""
        out = []
        for goal, target in self.targets.items():
            d = self._decided.get(goal)
            if d is None:
                out.append(GoalState(goal, target, PENDING, self._pending_detail(goal)))
            else:
                out.append(GoalState(goal, target, d.state, d.detail, d.at))
        return out

    @property
    def lost(self) -> bool:
        return any(d.state == LOST for d in self._decided.values())

    @property
    def over(self) -> bool:
        """Time is up or a goal is lost."""
        return self.time_up or self.lost

    @property
    def won(self) -> bool:
        """There are goals and every one is met."""
        return bool(self.targets) and all(
            goal in self._decided and self._decided[goal].state == MET for goal in self.targets
        )

    def card(self) -> ScoreCard:
        return self.scorer.card()

    def score(self) -> ScoreResult | None:
        """The game's one score (the preset's ``[score]``) on the card so far."""
        return score_of(self.scenario.score, self.card(), self.hints)

    def take_hint(self) -> str | None:
        """The next tier of hint — the idea (the preset's ``hint``), then the command
        (``hint_command``) — counted against the score; None when there is no more."""
        tiers = [t for t in (self.scenario.hint, self.scenario.hint_command) if t]
        if not self.scenario.hint_command or self.hints >= len(tiers):
            return None
        self.hints += 1
        return tiers[self.hints - 1]

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "over": self.over,
            "won": self.won,
            "list": [g.to_dict() for g in self.goals],
        }
        score = self.score()
        if score is not None:
            doc["score"] = score.to_dict()
        return doc

    def render_text(self) -> str:
        if not self.targets:
            return "goals: none (a sandbox)\n"
        verdict = "won" if self.won else "lost" if self.lost else "over" if self.over else "on"
        lines = [f"goals ({verdict}):"]
        for g in self.goals:
            lines.append(f"  {g.state:<7}  {g.label}: {g.detail}")
        score = self.score()
        if score is not None:
            counts = "" if self.won else " (counts only when the game is won)"
            lines.append(f"score: {score.line()}{counts}")
        return "\n".join(lines) + "\n"

    def _pending_detail(self, goal: str) -> str:
        s = self.scorer
        now = self.now()
        target = self.targets[goal]
        if goal == "survive":
            return f"up {_at(now)} of {_at(target)}"
        if goal == "no_panic":
            return "no panic" if s.panics == 0 else f"{s.panics} panics"
        if goal == "no_reboot":
            return "no reboot" if s.reboots == 0 else f"{s.reboots} reboots"
        if goal == "protect":
            return f"{', '.join(target)}: not killed"
        if goal == "max_kills":
            return f"{s.kills} of at most {target}"
        if goal == "hands_off":
            return "no kill, killall or reboot by hand" if target else "anything goes"
        current = s.episode_length()
        if current is not None:
            return f"OOM episode for {_at(current)} (limit {format_duration(target)})"
        longest = s.longest_episode()
        if longest is None:
            return "no OOM episode"
        n = s.finished_episodes
        return f"{n} OOM episode{'s' * (n != 1)}, longest {_at(longest)}"
