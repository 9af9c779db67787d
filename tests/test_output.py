"""The width the commands print for, and the version of the JSON they print."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import termios
from collections.abc import Iterator

import pytest

from moomtui.output import (
    DEFAULT_WIDTH,
    MIN_WIDTH,
    SCHEMA_VERSION,
    output_width,
    trace_header,
    versioned,
)


@pytest.fixture
def terminal() -> Iterator[io.TextIOWrapper]:
    """A pseudo-terminal 123 columns wide, as a text stream."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 123, 0, 0))
    stream = open(side, "w", encoding="utf-8")  # noqa: SIM115
    try:
        yield stream
    finally:
        stream.close()
        os.close(main)


def test_a_terminal_is_as_wide_as_it_is(terminal: io.TextIOWrapper) -> None:
    assert output_width(terminal, {}) == 123


def test_columns_when_set_wins_on_a_terminal_too(terminal: io.TextIOWrapper) -> None:
    """As ``shutil.get_terminal_size`` and Rich have it: COLUMNS is the user's word."""
    assert output_width(terminal, {"COLUMNS": "60"}) == 60


@pytest.mark.parametrize(
    ("columns", "width"),
    [
        (None, DEFAULT_WIDTH),
        ("60", 60),
        ("200", 200),
        (" 90 ", 90),
        ("3", MIN_WIDTH),
        ("", DEFAULT_WIDTH),
        ("wide", DEFAULT_WIDTH),
        ("-5", DEFAULT_WIDTH),
        ("١٢٠", DEFAULT_WIDTH),
        ("9" * 40, DEFAULT_WIDTH),
    ],
)
def test_piped_the_width_is_columns_or_80(columns: str | None, width: int) -> None:
    env = {} if columns is None else {"COLUMNS": columns}
    assert output_width(io.StringIO(), env) == width


def test_a_document_gets_its_version_first_and_once() -> None:
    doc = versioned({"preset": "x", "version": "mine"})
    assert list(doc.items()) == [("version", SCHEMA_VERSION), ("preset", "x")]
    assert list(trace_header(seed=1)) == ["moomtui", "version", "seed"]
