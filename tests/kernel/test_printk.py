from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moomtui.kernel.printk import (
    DEFAULT_CONSOLE_LOGLEVEL,
    DEFAULT_MESSAGE_LOGLEVEL,
    KERN_DEBUG,
    KERN_EMERG,
    KERN_ERR,
    KERN_INFO,
    KERN_WARNING,
    LEVEL_NAMES,
    LOG_BUF_LEN,
    MINIMUM_CONSOLE_LOGLEVEL,
    PRINTK_BUF_LEN,
    LogBuffer,
    LogRecord,
    format_record,
    parse_level,
    record_size,
)


def test_log_buffer_is_sixteen_kilobytes() -> None:
    """``#define LOG_BUF_LEN	(16384)``"""
    assert LOG_BUF_LEN == 16384
    assert LogBuffer().capacity == LOG_BUF_LEN


def test_default_levels_are_those_of_console_printk() -> None:
    """``#define DEFAULT_MESSAGE_LOGLEVEL 4 /* KERN_WARNING */``,
    ``#define MINIMUM_CONSOLE_LOGLEVEL 1``, ``#define DEFAULT_CONSOLE_LOGLEVEL 7``."""
    assert (DEFAULT_MESSAGE_LOGLEVEL, MINIMUM_CONSOLE_LOGLEVEL, DEFAULT_CONSOLE_LOGLEVEL) == (
        4,
        1,
        7,
    )
    log = LogBuffer()
    assert log.console_loglevel == 7
    assert log.default_message_loglevel == 4


def test_level_names_are_indexed_by_level() -> None:
    """``#define KERN_EMERG "<0>"`` … ``#define KERN_DEBUG "<7>"``"""
    assert (KERN_EMERG, KERN_ERR, KERN_WARNING, KERN_DEBUG) == (0, 3, 4, 7)
    assert len(LEVEL_NAMES) == 8
    assert LEVEL_NAMES[KERN_EMERG] == "emerg"
    assert LEVEL_NAMES[KERN_ERR] == "err"
    assert LEVEL_NAMES[KERN_DEBUG] == "debug"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<3>Out of Memory: Killed process 42 (hog).",
            (3, "Out of Memory: Killed process 42 (hog)."),
        ),
        ("<0>Kernel panic: Out-Of-Memory", (0, "Kernel panic: Out-Of-Memory")),
        ("<7>", (7, "")),
        ("no tag", (DEFAULT_MESSAGE_LOGLEVEL, "no tag")),
        ("<8>eight is not a level", (DEFAULT_MESSAGE_LOGLEVEL, "<8>eight is not a level")),
        ("<a>letters are not", (DEFAULT_MESSAGE_LOGLEVEL, "<a>letters are not")),
        ("<3", (DEFAULT_MESSAGE_LOGLEVEL, "<3")),
        (" <3>leading space", (DEFAULT_MESSAGE_LOGLEVEL, " <3>leading space")),
    ],
)
def test_parse_level_understands_only_a_leading_digit_tag(
    text: str, expected: tuple[int, str]
) -> None:
    """``if (p[0] != '<' || p[1] < '0' || p[1] > '7' || p[2] != '>')``"""
    assert parse_level(text) == expected


def test_parse_level_uses_the_given_default() -> None:
    """``emit_log_char(default_message_loglevel + '0');``"""
    assert parse_level("plain", 6) == (6, "plain")
    assert parse_level("<2>tagged", 6) == (2, "tagged")


def test_append_returns_records_numbered_from_one() -> None:
    log = LogBuffer()
    first = log.append(0, KERN_INFO, "Out of Memory: Installing oom_kill handler")
    second = log.append(150, KERN_ERR, "Out of Memory: Killed process 42 (hog).")
    assert first == LogRecord(1, 0, KERN_INFO, "Out of Memory: Installing oom_kill handler")
    assert second.seq == 2
    assert second.jiffies == 150
    assert log.records() == [first, second]


def test_each_line_is_a_record_and_later_lines_get_the_default_level() -> None:
    """``if (*p == '\\n') log_level_unknown = 1;`` then ``emit_log_char('<');
    emit_log_char(default_message_loglevel + '0');`` — the caller's tag covers the first
    line only."""
    log = LogBuffer()
    log.append(7, KERN_ERR, "first\nsecond\n<1>third")
    assert [(r.level, r.text) for r in log.records()] == [
        (KERN_ERR, "first"),
        (DEFAULT_MESSAGE_LOGLEVEL, "second"),
        (1, "third"),
    ]
    assert [r.seq for r in log.records()] == [1, 2, 3]
    assert {r.jiffies for r in log.records()} == {7}


def test_later_lines_follow_a_changed_default_message_loglevel() -> None:
    log = LogBuffer()
    log.default_message_loglevel = 6
    last = log.append(0, KERN_ERR, "a\nb")
    assert last == LogRecord(2, 0, 6, "b")


def test_trailing_newline_adds_no_empty_record_but_blank_lines_are_kept() -> None:
    log = LogBuffer()
    log.append(0, KERN_ERR, "one\n")
    log.append(0, KERN_ERR, "two\n\nthree\n")
    log.append(0, KERN_ERR, "")
    assert [r.text for r in log.records()] == ["one", "two", "", "three", ""]


def test_one_call_is_cut_to_the_printk_buffer() -> None:
    """``static char printk_buf[1024];`` and
    ``printed_len = vsnprintf(printk_buf, sizeof(printk_buf), fmt, args);``"""
    assert PRINTK_BUF_LEN == 1024
    log = LogBuffer()
    rec = log.append(0, KERN_WARNING, "x" * 5000)
    assert rec.text == "x" * 1023
    assert len(log.records()) == 1


def test_record_size_counts_tag_text_and_newline() -> None:
    assert record_size(LogRecord(1, 0, 3, "abcd")) == len("<3>abcd\n")


def test_oldest_records_are_dropped_when_the_buffer_is_full() -> None:
    log = LogBuffer(capacity=20)
    for text in ("aaaa", "bbbb", "cccc"):
        log.append(0, KERN_ERR, text)
    assert [r.text for r in log.records()] == ["bbbb", "cccc"]
    assert log.size == 16
    log.append(0, KERN_ERR, "")
    assert [r.text for r in log.records()] == ["bbbb", "cccc", ""]
    assert log.size == 20


def test_a_line_longer_than_the_buffer_keeps_its_head_and_fits() -> None:
    log = LogBuffer(capacity=10)
    log.append(0, KERN_ERR, "old")
    rec = log.append(0, KERN_ERR, "0123456789abcdef")
    assert rec.text == "012345"
    assert log.records() == [rec]
    assert log.size == 10


def test_capacity_must_hold_an_empty_line() -> None:
    with pytest.raises(ValueError, match="capacity"):
        LogBuffer(capacity=3)
    log = LogBuffer(capacity=4)
    assert log.append(0, KERN_ERR, "gone").text == ""


def test_since_returns_records_newer_than_seq() -> None:
    log = LogBuffer()
    for i in range(5):
        log.append(i, KERN_INFO, f"line {i}")
    assert [r.seq for r in log.since(3)] == [4, 5]
    assert [r.seq for r in log.since(0)] == [1, 2, 3, 4, 5]
    assert log.since(5) == []
    assert log.since(99) == []


def test_since_skips_what_the_ring_dropped() -> None:
    log = LogBuffer(capacity=16)
    for text in ("aaaa", "bbbb", "cccc"):
        log.append(0, KERN_ERR, text)
    assert [r.text for r in log.since(0)] == ["bbbb", "cccc"]
    assert [r.text for r in log.since(2)] == ["cccc"]


def test_clear_forgets_records_but_numbering_continues() -> None:
    """``dmesg -c`` — ``do_syslog`` case 5: ``logged_chars = 0;``"""
    log = LogBuffer()
    log.append(0, KERN_ERR, "before")
    log.clear()
    assert log.records() == []
    assert log.size == 0
    assert log.since(0) == []
    rec = log.append(1, KERN_ERR, "after")
    assert rec.seq == 2
    assert log.since(1) == [rec]


def test_console_shows_levels_below_console_loglevel() -> None:
    """``if (msg_log_level < console_loglevel && console_drivers)``"""
    log = LogBuffer()
    debug = log.append(0, KERN_DEBUG, "debug")
    info = log.append(0, KERN_INFO, "info")
    assert not log.reaches_console(debug)
    assert log.reaches_console(info)
    log.console_loglevel = 1
    assert not log.reaches_console(info)
    assert log.reaches_console(log.append(0, KERN_EMERG, "Kernel panic: Out-Of-Memory"))


def test_format_record_shows_seconds_from_jiffies() -> None:
    rec = LogRecord(1, 12345, KERN_ERR, "Out of Memory: Killed process 42 (hog).")
    assert format_record(rec) == "[ 123.450] Out of Memory: Killed process 42 (hog)."
    assert format_record(rec, raw=True) == "<3>[ 123.450] Out of Memory: Killed process 42 (hog)."
    assert format_record(LogRecord(1, 0, 4, "boot")) == "[   0.000] boot"
    assert format_record(LogRecord(1, 1500, 4, "x"), hz=1000) == "[   1.500] x"
    assert format_record(LogRecord(1, 123456789, 4, "x")) == "[1234567.890] x"


@given(
    capacity=st.integers(min_value=4, max_value=300),
    texts=st.lists(st.text(alphabet=st.characters(exclude_characters="\n"), max_size=80)),
)
def test_ring_never_exceeds_capacity_and_keeps_the_newest_records(
    capacity: int, texts: list[str]
) -> None:
    log = LogBuffer(capacity)
    emitted = [log.append(j, j % 8, text) for j, text in enumerate(texts)]
    kept = log.records()
    assert log.size == sum(record_size(r) for r in kept) <= capacity
    if emitted:
        assert kept == emitted[len(emitted) - len(kept) :]
        assert kept[-1] == emitted[-1]
        if len(kept) < len(emitted):
            dropped = emitted[len(emitted) - len(kept) - 1]
            assert log.size + record_size(dropped) > capacity


@given(
    capacity=st.integers(min_value=4, max_value=300),
    texts=st.lists(st.text(alphabet="ab<3>\n ", max_size=2000), max_size=20),
)
def test_ring_stays_bounded_and_ordered_whatever_is_logged(capacity: int, texts: list[str]) -> None:
    log = LogBuffer(capacity)
    for j, text in enumerate(texts):
        log.append(j, KERN_ERR, text)
        kept = log.records()
        assert log.size == sum(record_size(r) for r in kept) <= capacity
        assert [r.seq for r in kept] == list(range(kept[0].seq, kept[0].seq + len(kept)))
        assert [r.jiffies for r in kept] == sorted(r.jiffies for r in kept)
