"""The one parser of sizes, rates, durations and integers: exact, and bounded."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moomtui.kernel.constants import HZ
from moomtui.kernel.units import (
    MAX_DURATION,
    MAX_SIZE_PAGES,
    UnitError,
    format_duration,
    parse_duration,
    parse_integer,
    parse_rate,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("64M", 16384),
        ("512K", 128),
        ("1G", 262144),
        ("1.5M", 384),
        ("4096", 1),
        ("4097", 2),
        ("300 pages", 300),
        ("1 page", 1),
        (" 2m ", 512),
        ("0", 0),
        (8192, 2),
        ("16384G", MAX_SIZE_PAGES),
    ],
)
def test_sizes_in_pages(text: object, pages: int) -> None:
    assert parse_size(text) == pages


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("nan", ""),
        ("inf", ""),
        ("1e400", ""),
        ("-1M", ""),
        ("١٢M", ""),
        ("9" * 400 + "M", "a number of at most 18 digits"),
        ("9" * 19, "a number of at most 18 digits"),
        ("16385G", "at most 16T"),
        (float("nan"), ""),
        (1.5, ""),
        (-1, "not a negative number"),
        (10**400, "a number of at most 18 digits"),
        (True, ""),
        (None, ""),
    ],
)
def test_bad_sizes_are_one_line_errors(text: object, detail: str) -> None:
    with pytest.raises(UnitError) as err:
        parse_size(text)
    assert str(err.value).startswith('expected a size like "64M"')
    assert err.value.detail == detail


@pytest.mark.parametrize(
    ("text", "jiffies"),
    [
        ("90s", 90 * HZ),
        ("500ms", 50),
        ("2m", 120 * HZ),
        ("1h", 3600 * HZ),
        ("250j", 250),
        ("250 jiffies", 250),
        ("1.5", 150),
        ("0.005s", 0),  # half a jiffy rounds to even
        ("0.015s", 2),
        ("24h", MAX_DURATION),
        # the forms moomtui prints (format_duration, the server's idle timeout)
        ("1m30s", 90 * HZ),
        ("5m00s", 300 * HZ),
        ("1h02m", 3720 * HZ),
        ("1h02m03s", 3723 * HZ),
        ("1h02m03.5s", 3723 * HZ + 50),
        ("1h 5s", 3605 * HZ),
        ("1m 30s", 90 * HZ),
        (" 1m30s ", 90 * HZ),
        ("24h00m", MAX_DURATION),
        ("90.00 s", 90 * HZ),
        (90, 90 * HZ),
        (0.5, 50),
    ],
)
def test_durations_in_jiffies_exactly(text: object, jiffies: int) -> None:
    assert parse_duration(text) == jiffies


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("25h", "at most 24h"),
        ("86401s", "at most 24h"),
        ("nan", ""),
        ("inf s", ""),
        ("1e400s", ""),
        ("9" * 400 + "s", "a number of at most 18 digits"),
        ("-5s", ""),
        (float("inf"), "not a finite number"),
        (float("-inf"), "not a finite number"),
        (float("nan"), "not a finite number"),
        (1e300, "a number of at most 18 digits"),
        (-1, "not a negative number"),
        ("1٢s", ""),
        ("24h01m", "at most 24h"),
        ("1m30", ""),  # a bare number is seconds, alone only
        ("1.5m30s", ""),  # only the seconds a fraction
        ("30s1m", ""),  # largest first
        ("1m  30s", ""),
        ("1h h", ""),
        ("1" * 50 + "m30s", ""),
    ],
)
def test_bad_durations_are_one_line_errors(text: object, detail: str) -> None:
    with pytest.raises(UnitError) as err:
        parse_duration(text)
    assert str(err.value).startswith('expected a duration like "90s"')
    assert err.value.detail == detail


def test_rates_are_sizes_per_second() -> None:
    assert parse_rate("256K/s") == 64
    assert parse_rate("10 pages/s") == 10
    assert parse_rate(4096) == 1
    for bad in ("256K", "nanM/s", "9" * 30 + "K/s", 1.5, True):
        with pytest.raises(UnitError, match=r'^expected a rate like "256K/s"'):
            parse_rate(bad)


def test_integers_are_ascii_decimal_and_bounded() -> None:
    assert parse_integer("42", 0, 100) == 42 and parse_integer(-3, -5, 5) == -3
    for bad in ("١٢", "1_000", "0x10", " 5", "5 ", "1e3", "9" * 400, 101, True, 5.0):
        with pytest.raises(UnitError, match=r"^expected an integer from 0 to 100$"):
            parse_integer(bad, 0, 100)


@given(st.text(max_size=30))
def test_no_text_makes_a_parser_raise_anything_but_unit_error(text: str) -> None:
    for parse in (parse_size, parse_rate, parse_duration):
        try:
            value = parse(text)
        except UnitError:
            continue
        assert isinstance(value, int) and value >= 0
    with contextlib.suppress(UnitError):
        parse_integer(text, -(2**63), 2**63)


def _printed_to(jiffies: int) -> int:
    """What :func:`format_duration` keeps of ``jiffies``: every jiffy below a minute, whole
    seconds below an hour, whole minutes from then on."""
    unit = 1 if jiffies < 60 * HZ else HZ if jiffies < 3600 * HZ else 60 * HZ
    return jiffies - jiffies % unit


@given(st.integers(0, MAX_DURATION))
def test_every_duration_moomtui_prints_reads_back_as_printed(jiffies: int) -> None:
    """What the screen, compare and the briefings print can be typed back: ``--for 1m30s``."""
    text = format_duration(jiffies)
    assert parse_duration(text) == _printed_to(jiffies)
    assert format_duration(parse_duration(text)) == text


@given(
    st.one_of(
        st.integers(0, 60 * HZ - 1),
        st.integers(60, 3599).map(lambda s: s * HZ),
        st.integers(60, 24 * 60).map(lambda m: m * 60 * HZ),
    )
)
def test_a_duration_format_prints_exactly_reads_back_exactly(jiffies: int) -> None:
    assert parse_duration(format_duration(jiffies)) == jiffies
