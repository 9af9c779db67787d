"""A real machine on the screen: the preset booted, paused, the report's victim marked.

The only part of :mod:`moomtui.real` that imports Textual: the machine is the preset
:mod:`.preset` wrote, validated like any preset, opened in the ordinary app with the clock
stopped. The console says where it came from and what each era would choose; the process
view marks the task the kernel killed. Resuming (``space``) lets the loaded policy — or any
other, after ``rmmod``/``insmod`` — face the same shortage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..presets import PresetError, parse_preset
from ..sim import Simulation
from ..text import one_line
from ..tui import app as tui_app
from ..tui.app import MoomApp
from ..tui.config import Config, ConfigError, user_config
from ..tui.themes import discover_themes
from .advice import Advice, advice_lines
from .preset import PresetText
from .records import Machine
from .verdict import judge

MARK = "killed by the kernel"


class RealMachineApp(MoomApp):
    """The app on a rebuilt machine, paused, with the report's victim marked."""

    CSS_PATH = str(Path(tui_app.__file__).with_name("app.tcss"))

    def __init__(
        self,
        sim: Simulation,
        *,
        marked: int | None,
        lines: list[str],
        theme: str | None = None,
        history_path: Path | None = None,
        config: Config | None = None,
    ) -> None:
        super().__init__(sim, theme=theme, paused=True, history_path=history_path, config=config)
        self.marked = marked
        self.lines = lines

    def before_first_frame(self) -> None:
        view = self.main.process_view
        if self.marked is not None:
            view.mark(self.marked, MARK)
            view.cursor_pid = self.marked

    async def on_mount(self) -> None:  # after the main screen's first frame (MoomApp's runs too)
        self.call_after_refresh(self._say)

    def _say(self) -> None:
        for line in self.lines:
            self.console_view.note(line)


def summary_lines(machine: Machine, preset: PresetText, advice: Advice | None = None) -> list[str]:
    """What the console says first: the source, the kernel's choice, each era's (names from
    the report shown, never sent: :func:`moomtui.text.one_line`), and with ``advice``
    (``--protect``, ``--advice``) what would have saved it."""
    j = judge(machine)
    lines = [one_line(machine.source)]
    d = machine.decision
    if d is not None and d.pid is not None:
        sim = preset.pids.get(d.pid)
        where = f" (pid {sim} here)" if sim is not None and sim != d.pid else ""
        lines.append(f"the kernel chose {d.pid} ({one_line(d.comm)}){where}: marked '{MARK}'")
    for v in j.verdicts.values():
        who = f"{v.pid} ({one_line(v.comm)})" if v.pid is not None else "nobody"
        star = " ← its own rule" if v.key == j.model else ""
        lines.append(f"  {v.label}: {who}{star}")
    lines.extend(preset.notes)
    if advice is not None:
        lines.extend(line.strip() for line in advice_lines(advice, one_line, _one))
    lines.append("paused: space resumes; rmmod/insmod to try another policy")
    return lines


def _one(prefix: str, text: str) -> tuple[str, ...]:
    """A line as it is: the console wraps its own."""
    return (prefix + text,)


def open_screen(
    machine: Machine, preset: PresetText, *, theme: str | None, advice: Advice | None = None
) -> int:
    try:
        scenario = parse_preset(preset.text, machine.source)
    except PresetError as err:
        print(f"moomtui: {err}", file=sys.stderr)
        return 2
    themes, _ = discover_themes()
    if theme is not None and theme not in themes:
        names = ", ".join(sorted(themes))
        print(f"moomtui: --theme: no theme named {theme!r} (themes: {names})", file=sys.stderr)
        return 2
    try:
        config = user_config(themes)
    except ConfigError as error:
        print(f"moomtui: {error}", file=sys.stderr)
        return 2
    app = RealMachineApp(
        Simulation(scenario),
        marked=preset.victim,
        lines=summary_lines(machine, preset, advice),
        theme=theme,
        config=config,
    )
    app.run()
    return app.return_code or 0
