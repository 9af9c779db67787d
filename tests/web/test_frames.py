"""A served session's idle clock starts at its first frame, not at its terminal's set-up."""

from __future__ import annotations

import pytest

from moomtui.web.frames import draws

# What a served moomtui writes before its first frame, chunk by chunk, as the driver sends it.
SET_UP = [
    b"\x1b[?1049h",
    b"\x1b[?1000h",
    b"\x1b[?1003h",
    b"\x1b[?1015h",
    b"\x1b[?1006h",
    b"\x1b[?25l",
    b"\x1b[?2026$p",
    b"\x1b[?2004h",
    b"\x1b]22;default\x07",
]
FRAME = b"\x1b[1;1H\x1b[1;30;47m Linux 2.4.22-moom \x1b[0m\x1b[90;44m\xe2\x94\x82\x1b[0m"


@pytest.mark.parametrize("chunk", [*SET_UP, b"".join(SET_UP), b"", b"\r\n\x07\x08"])
def test_a_terminal_s_set_up_draws_nothing(chunk: bytes) -> None:
    assert not draws(chunk)


@pytest.mark.parametrize(
    "chunk",
    [
        FRAME,
        b"".join(SET_UP) + FRAME,
        b"\x1b]0;title\x1b\\x",  # an OSC ended by ST, then a letter
        b"\x1b(Bx",  # a two-byte escape, then a letter
        "╭".encode(),  # a byte of UTF-8 past the controls
    ],
)
def test_anything_visible_draws(chunk: bytes) -> None:
    assert draws(chunk)


def test_a_sequence_cut_at_the_end_of_a_chunk_draws_nothing() -> None:
    assert not draws(b"\x1b]0;a title never ended")
    assert not draws(b"\x1b[1;3")
    assert not draws(b"\x1b")
