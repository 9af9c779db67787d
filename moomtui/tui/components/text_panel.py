"""A side panel drawn as one block of rich text, rebuilt from the model only when it changed."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget


class TextPanel(Widget):
    """Holds the panel's text and a key of what it was built from.

    A subclass's ``sync`` compares a cheap key of the model with ``_key`` and rebuilds
    ``_text`` only when they differ; a theme change clears the key, so the next ``sync``
    redraws with the new colours. Component classes are named ``STYLE_PREFIX--name``.
    """

    STYLE_PREFIX: ClassVar[str] = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._key: tuple[object, ...] = ()
        self._text = Text()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._key = ()

    def render(self) -> Text:
        return self._text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._text.plain.split("\n")))

    @property
    def plain(self) -> str:
        return self._text.plain

    def _s(self, name: str) -> Style:
        return self.get_component_rich_style(f"{self.STYLE_PREFIX}--{name}", partial=True)
