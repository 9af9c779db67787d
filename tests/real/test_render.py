"""The printed verdicts: text wrapped as a plain greedy fill wraps it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real.render import _wrap


def greedy(prefix: str, text: str, width: int = 96) -> list[str]:
    """Word after word, a new line (indented as far as ``prefix``) when the next would pass
    ``width``."""
    lines: list[str] = []
    line = prefix
    for word in text.split():
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = " " * len(prefix)
        line += word + " "
    lines.append(line.rstrip())
    return lines


words = st.text(alphabet="ab(),:‰ \t\n\u00a0\u2003", max_size=40)


@settings(max_examples=2000, derandomize=True, deadline=None)
@given(
    st.sampled_from(["", "  ", "    - ", "  note: "]),
    st.lists(words, max_size=12).map(" ".join),
    st.integers(min_value=1, max_value=120),
)
@pytest.mark.slow
def test_wrapping_is_a_greedy_fill(prefix: str, text: str, width: int) -> None:
    assert list(_wrap(prefix, text, width)) == greedy(prefix, text, width)
    assert list(_wrap(prefix, text, width)) == greedy(prefix, text, width)  # kept, the same
