"""Command palette providers: every console command, every preset, every theme, the score.

Names and descriptions come from files anyone may have written (a preset named ``[/]``), and
the palette reads strings as markup: every text is escaped, or handed over as a
:class:`rich.text.Text`, so it shows as written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

if TYPE_CHECKING:
    from .app import MoomApp


class _MoomProvider(Provider):
    """Hits from a fixed list of ``(text, help, command)`` entries."""

    @property
    def moom(self) -> MoomApp:
        return cast("MoomApp", self.app)

    def entries(self) -> list[tuple[str, str, Callable[[], None]]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, help, command in self.entries():
            yield DiscoveryHit(Text(text), command, text=text, help=escape(help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help, command in self.entries():
            score = matcher.match(text)
            if score > 0:
                shown = matcher.highlight(escape(text))
                yield Hit(score, shown, command, text=text, help=escape(help))


RUN_AT_ONCE = frozenset(
    {
        "boot",
        "dmesg",
        "explain",
        "free",
        "help",
        "history",
        "id",
        "ls",
        "lsmod",
        "ps",
        "pstree",
        "score",
        "speed",
        "top",
        "uname",
        "uptime",
        "vmstat",
        "whoami",
    }
)
"""Console commands that only look, and need no argument: the palette runs them at once
(``boot`` alone lists the presets, ``speed`` alone tells the speed)."""


class ShellCommands(_MoomProvider):
    """Console commands: one that only looks and needs no argument runs at once (the focus
    stays where it was); any other is put at the prompt, which takes the focus — its frame
    lights up and the key bar shows the console's keys — ready for its arguments."""

    def entries(self) -> list[tuple[str, str, Callable[[], None]]]:
        out: list[tuple[str, str, Callable[[], None]]] = []
        for name, summary in self.moom.shell_commands():
            if name in RUN_AT_ONCE:
                out.append(
                    (
                        f"console: {name}",
                        f"{summary} (runs now)",
                        partial(self.moom.palette_run, name),
                    )
                )
            else:
                out.append(
                    (
                        f"console: {name}",
                        f"{summary} (at the prompt, for its arguments)",
                        partial(self.moom.prefill_console, f"{name} "),
                    )
                )
        return out


class PresetCommands(_MoomProvider):
    """Presets: choosing one boots it."""

    def entries(self) -> list[tuple[str, str, Callable[[], None]]]:
        return [
            (f"preset: {name} ({key})", description, partial(self.moom.boot_preset, key))
            for key, name, description in self.moom.presets()
        ]


class ThemeCommands(_MoomProvider):
    """Themes: choosing one switches to it."""

    def entries(self) -> list[tuple[str, str, Callable[[], None]]]:
        return [
            (f"theme: {name}", description, partial(self.moom.set_theme, name))
            for name, description in self.moom.theme_list()
        ]


class GameCommands(_MoomProvider):
    """The game: the report with the goals and the score card."""

    def entries(self) -> list[tuple[str, str, Callable[[], None]]]:
        return [
            ("game: score card", "the goals and the score card so far", self.moom.show_report),
        ]
