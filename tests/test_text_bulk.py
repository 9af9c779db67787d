"""A large write through the safe stream goes to a UTF-8 stream's bytes at once
(moomtui/text.py ``SafeStream``): the same bytes as the stream's own encoding of
``layout(text)``, in the order of every write, nothing from a payload sent raw, and only
where the stream writes UTF-8 and its newlines as they are."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.text import BULK, SafeStream, layout

from .real.kformat import T, report
from .real.test_breakdown import postmortem
from .test_no_raw_control import HOSTILE, IDS, assert_clean

ROOT = Path(__file__).resolve().parents[1]
LINE = "  5.9–6.x   1000 (java)   801586   999 ‰ ×2\n"
BIG = LINE * (BULK // len(LINE) + 1)


def stream(**options: object) -> tuple[SafeStream, io.BytesIO]:
    data = io.BytesIO()
    raw = io.TextIOWrapper(data, encoding="utf-8", newline="\n", **options)  # type: ignore[arg-type]
    return SafeStream(raw, bulk=True), data


def written(s: SafeStream, data: io.BytesIO) -> str:
    s.flush()
    return data.getvalue().decode("utf-8", "surrogatepass")


PIECES = st.sampled_from(["a", "\n", "\t", "‰", "–", "\x1b[2J", "\x00", "\u202e", "\ud800", "é"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(PIECES, max_size=6).map("".join), st.booleans()), max_size=5))
def test_the_bytes_are_the_stream_s_own_of_the_shown_text_in_order(
    writes: list[tuple[str, bool]],
) -> None:
    s, data = stream()
    expected = []
    for piece, big in writes:
        text = BIG + piece if big else piece  # a large write, or a small one between
        assert s.write(text) == len(text)
        expected.append(layout(text))
    assert written(s, data) == "".join(expected)


@pytest.mark.parametrize("payload", HOSTILE, ids=IDS)
def test_a_payload_in_a_large_write_is_shown(payload: str) -> None:
    s, data = stream()
    s.write("before ")
    s.write(BIG + payload + BIG)
    out = written(s, data)
    assert_clean(out.replace("\n", ""))
    assert out == "before " + layout(BIG + payload + BIG)


def test_a_large_clean_write_goes_to_the_bytes_after_what_came_before() -> None:
    s, data = stream()
    assert s.bulk is not None
    s.write("first, as text; ")
    s.write(BIG)
    assert data.getvalue() == ("first, as text; " + BIG).encode()  # flushed, then the bytes
    s.write("last")
    assert written(s, data) == "first, as text; " + BIG + "last"


def test_a_line_buffered_stream_gets_a_large_write_at_once() -> None:
    data = io.BytesIO()
    raw = io.TextIOWrapper(io.BufferedWriter(data), encoding="utf-8", line_buffering=True)
    SafeStream(raw, bulk=True).write(BIG)
    assert data.getvalue() == BIG.encode()  # no flush asked for


def test_only_a_utf8_stream_writing_newlines_as_they_are_gets_bytes() -> None:
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    assert SafeStream(latin, bulk=True).bulk is None
    other = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert SafeStream(other).bulk is None  # not the process's own: how it writes "\n" unknown
    assert SafeStream(io.StringIO()).bulk is None
    s = SafeStream(latin)
    s.write(BIG.replace("‰", "o").replace("–", "-").replace("×", "x"))
    assert s.bulk is None


def test_the_command_s_stdout_gets_the_bytes_its_text_would_be(tmp_path: Path) -> None:
    """``postmortem --print`` of many reports, one naming a task with an escape: as a
    process (its stdout a pipe: the bytes written at once) the same as in this process
    (a StringIO: text)."""
    lines = []
    for i in range(40):
        victim = T(1000 + i, "ev\x1b]0;x\x07il" if i == 20 else "java", 500000)
        lines += report("6.x", [victim, T(1, "init", 100, uid=0)], victim)
    path = tmp_path / "kern.log"
    path.write_text("\n".join(lines) + "\n")
    shown = postmortem("--print", str(path))
    assert len(shown) > 2 * BULK and "ev\\x1b]0;x\\x07il" in shown
    done = subprocess.run(
        [sys.executable, "-m", "moomtui", "postmortem", "--print", str(path)],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        check=True,
    )
    assert done.stdout == shown.encode()
    assert_clean(done.stdout.decode().replace("\n", ""))
