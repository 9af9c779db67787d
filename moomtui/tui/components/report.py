"""The report: how the game went, and what next.

It takes over when the game is over (time up, or a goal lost) and whenever the player asks
for the score (``g``). It shows the outcome, each goal with its state and why, the game's
score against its par and the player's best, every kill explained (who, which policy, why:
its score against the runner-up's), and the score card — the seed's five criteria of a good
kill, then livelock, thrashing, panics and reboots. The clock stands still while it is up.
The choices come back through ``dismiss``: ``("continue", "")``, ``("replay", "")``,
``("boot", KEY)`` or ``("quit", "")``; the app acts on them, so the screen never touches
the machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...game import MARKS, Report, ScoreCard
from .dialogs import PresetPicker
from .held import HoldsTyping

Choice = tuple[str, str]

TITLES = {"won": "You won", "lost": "Game over", "on": "The score so far"}


def score_card_table(card: ScoreCard) -> Table:
    """The score card as a :class:`rich.table.Table`: criterion, value, how it is measured."""
    table = Table(title="score card", title_justify="left", expand=False)
    table.add_column("criterion", style="bold")
    table.add_column("value", justify="right")
    table.add_column("how", style="dim")
    for row in card.rows():
        table.add_row(*row)
    return table


class ReportScreen(HoldsTyping, ModalScreen[Choice]):
    """The outcome, the goals and the score card, over the paused machine."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,escape", "choose('continue')", "continue", id="report.continue"),
        Binding("r", "choose('replay')", "replay", id="report.replay"),
        Binding("p", "presets", "presets", id="report.presets"),
        Binding("l", "choose('campaign')", "levels", id="report.campaign"),
        Binding("q", "choose('quit')", "quit", id="report.quit"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "report--pending",
        "report--met",
        "report--lost",
        "report--dim",
    }

    def __init__(
        self,
        report: Report,
        presets: Sequence[tuple[str, str, str]],
        current: str,
        *,
        best: str = "",
        typing: bool = False,
    ) -> None:
        """``best``: a line on the player's best score for this game, if it has one;
        ``typing``: the player was typing a command when the game ended (see
        :meth:`on_key`)."""
        super().__init__()
        self.typing = typing
        self.report = report
        self.presets = list(presets)
        self.current = current
        self.best = best
        self._goals = Static(id="report-goals")

    def compose(self) -> ComposeResult:
        report = self.report
        with VerticalScroll(classes="dialog report", id="report"):
            yield Label(
                f"{TITLES[report.outcome]} — {report.preset}",
                classes=f"dialog-title report-{report.outcome}",
                id="report-title",
                markup=False,
            )
            yield Static(report.headline, id="report-headline", markup=False)
            yield self._goals
            if report.score is not None:
                yield Static(self._score_text(), id="report-score")
            yield Static(self._kills_text(), id="report-kills")
            if report.policies:
                yield Static(self._policies_text(), id="report-policies", markup=False)
            yield Static(score_card_table(report.card), id="report-card")
            go_on = "continue in sandbox mode" if report.ended else "back to the game"
            keys = [
                ("c", go_on, "choose('continue')"),
                ("r", "replay", "choose('replay')"),
                ("p", "presets", "presets"),
                ("l", "levels", "choose('campaign')"),
                ("q", "quit", "choose('quit')"),
            ]
            yield Label(
                "  ·  ".join(f"[@click=screen.{act}][b]{k}[/b] {what}[/]" for k, what, act in keys),
                id="report-keys",
            )

    TYPING_NOTICE = (
        "The game is over and its report is up: the keys you type go nowhere until Enter "
        "or Esc. Then c continues in sandbox mode, at the console."
    )
    """What the report of a game that ended says when it holds a command's keys."""

    TYPING_NOTICE_ASKED = (
        "The report is up over the game: the keys you type go nowhere until Enter or Esc. "
        "Then c goes back to the game and its console."
    )
    """The same over a game still running (the report asked for, ``g``)."""

    def held_notice(self) -> None:
        notice = self.TYPING_NOTICE if self.report.ended else self.TYPING_NOTICE_ASKED
        self.notify(notice, severity="warning", timeout=6)

    def on_key(self, event: events.Key) -> None:
        """A command's keys are held (:class:`~.held.HoldsTyping`): its letters would be the
        report's keys."""
        self.hold(event)

    def on_mount(self) -> None:
        if self.typing:
            self.held_notice()
        if self.report.goals:
            self._goals.update(self._goal_table())
        else:
            self._goals.display = False  # the headline says it is a sandbox

    def _goal_table(self) -> Table:
        style = self.get_component_rich_style
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        for goal in self.report.goals:
            mark = style(f"report--{goal.state}")
            table.add_row(
                Text(f"{MARKS[goal.state]} {goal.state}", mark),
                Text(goal.label, mark),
                Text(goal.detail, style("report--dim")),
            )
        return table

    def _score_text(self) -> Text:
        score = self.report.score
        assert score is not None
        judged = self.report.outcome != "lost"
        text = Text.assemble(("Score: ", "bold"), score.line(judged=judged))
        if self.best:
            text.append("\n" + self.best)
        return text

    def _kills_text(self) -> Text:
        kills = self.report.kills
        if not kills:
            return Text.assemble(("Kills: ", "bold"), "none")
        text = Text()
        text.append("Kills, and why each victim", style="bold")
        for line in kills:
            text.append("\n" + line)
        return text

    def _policies_text(self) -> Text:
        text = Text("The policies, and why each did or did not act", style="bold")
        for line in self.report.policies:
            text.append("\n" + line)
        return text

    @property
    def plain(self) -> str:
        """The report as text (for tests and the curious)."""
        report = self.report
        lines = [f"{TITLES[report.outcome]} — {report.preset}", report.headline]
        lines += [f"{MARKS[g.state]} {g.state} {g.label}: {g.detail}" for g in report.goals]
        if report.score is not None:
            lines.append(self._score_text().plain)
        lines.append(self._kills_text().plain)
        if report.policies:
            lines.append(self._policies_text().plain)
        lines.append(report.card.render_text())
        return "\n".join(lines)

    def action_choose(self, choice: str) -> None:
        self.dismiss((choice, ""))

    def action_presets(self) -> None:
        def done(key: object) -> None:
            if isinstance(key, str):
                self.dismiss(("boot", key))

        self.app.push_screen(PresetPicker(self.presets, self.current), done)
