"""SIGTERM and SIGHUP give the terminal back before the screen ends.

Textual handles neither: the process ended at once and left the terminal on the alternate
screen with mouse tracking on. Each test runs ``python -m moomtui`` on a real
pseudo-terminal, waits for the screen, sends the signal, and reads what the program wrote
after it: the sequences that leave the alternate screen and turn the mouse off, the cursor
shown, and the exit status ``128 + signal``. The last test hangs the event loop in a policy
that never returns: the terminal is still given back, by hand, and the process ends.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from ..terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]

GIVEN_BACK = (b"\x1b[?1049l", b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l", b"\x1b[?25h")
"""The normal screen, mouse tracking off (every mode Textual turns on), the cursor shown."""

NEVER_RETURNS = '''
from pathlib import Path

from moomtui.modules.api import Policy


class Forever(Policy):
    """Loops in its init, once it has said so in a file."""

    name = "forever"

    def init(self) -> int:
        Path(__file__).with_name("looping").touch()
        while True:
            pass

    def on_out_of_memory(self) -> None:
        pass
'''


def environment(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }


def after_the_signal(term: Terminal, mark: int) -> bytes:
    return bytes(term.raw[mark:])


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_gives_the_terminal_back_and_exits_128_plus_it(
    tmp_path: Path, signum: int
) -> None:
    with Terminal(
        [sys.executable, "-m", "moomtui"], env=environment(tmp_path), cwd=tmp_path
    ) as term:
        term.wait_for("Leaky Apache")
        entered = bytes(term.raw)
        assert b"\x1b[?1049h" in entered and b"\x1b[?1000h" in entered  # what is to undo
        mark = len(term.raw)
        term.proc.send_signal(signum)
        assert term.wait_exit() == 128 + signum, term.text()
        written = after_the_signal(term, mark)
    for sequence in GIVEN_BACK:
        assert sequence in written, (sequence, written[-400:])
    assert written.rindex(b"\x1b[?1049l") > written.rfind(b"\x1b[?1049h")
    assert b"Traceback" not in written and b"internal error" not in written


@pytest.mark.slow
def test_a_signal_gives_the_terminal_back_even_when_the_loop_is_stuck(tmp_path: Path) -> None:
    policy = tmp_path / "forever.py"
    policy.write_text(NEVER_RETURNS)
    with Terminal(
        [sys.executable, "-m", "moomtui"], env=environment(tmp_path), cwd=tmp_path
    ) as term:
        term.wait_for("Leaky Apache")
        term.send(":")
        term.send(f"insmod {policy}")
        term.wait_for("forever.py")
        term.send("\r")
        term.wait_for(lambda _: (tmp_path / "looping").exists())  # the loop is stuck now
        mark = len(term.raw)
        term.proc.send_signal(signal.SIGTERM)
        assert term.wait_exit() == 128 + signal.SIGTERM, term.text()
        written = after_the_signal(term, mark)
    for sequence in GIVEN_BACK:
        assert sequence in written, (sequence, written[-400:])
