"""The safe stream's check of a write (moomtui/text.py ``printable_lines``) is
``str.isprintable`` of the text without its newlines, for any character."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.text import layout, printable_lines

ANY = st.characters(exclude_categories=())  # surrogates, controls, unassigned too
PICKED = st.sampled_from(["\n", "\t", "\x1b", "\x00", "\x7f", "\x85", "\u202e", "‰", "–", "a"])


@settings(max_examples=200, deadline=None)
@given(st.text(st.one_of(ANY, PICKED), max_size=40))
def test_printable_lines_is_isprintable_without_the_newlines(text: str) -> None:
    assert printable_lines(text) == text.replace("\n", "").isprintable()


def test_a_report_s_lines_pass_as_they_are_and_a_control_is_shown() -> None:
    text = "  rule    victim  ‰\n* 5.9–6.x  1000 (java)\n"
    assert layout(text) is text
    assert layout("a\x1b]52;c;x\x07\nb\ud800") == "a\\x1b]52;c;x\\x07\nb\\ud800"
