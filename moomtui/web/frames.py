"""Whether a chunk of a served app's output draws anything a visitor can see.

A Textual app writes its terminal's set-up (the alternate screen, mouse reporting, cursor
and paste modes) as soon as its driver starts, and its first frame only once its screen is
composed, which on a busy server can be seconds later. A session's idle clock starts at
that first frame (the visitor cannot type before it), so the server asks of each chunk,
until one draws, whether it holds anything but control sequences.
"""

from __future__ import annotations

ESC = 0x1B
BEL = 0x07


def draws(chunk: bytes) -> bool:
    """Whether ``chunk`` holds a byte that is neither a control character nor part of an
    escape sequence (CSI ``ESC [ … final``, OSC/DCS/APC/PM/SOS ``ESC ] … BEL|ST``, or
    ``ESC`` and one more byte). A sequence cut at the chunk's end draws nothing."""
    i, n = 0, len(chunk)
    while i < n:
        byte = chunk[i]
        if byte != ESC:
            if byte >= 0x20 and byte != 0x7F:
                return True
            i += 1
            continue
        kind = chunk[i + 1 : i + 2]
        if kind == b"[":  # CSI: parameters and intermediates, then a final byte @ to ~
            i += 2
            while i < n and not 0x40 <= chunk[i] <= 0x7E:
                i += 1
            i += 1
        elif kind in (b"]", b"P", b"_", b"^", b"X"):  # a string, ended by BEL or ESC \
            bel = chunk.find(BEL, i + 2)
            st = chunk.find(b"\x1b\\", i + 2)
            ends = [e for e in ((bel, 1), (st, 2)) if e[0] >= 0]
            if not ends:
                return False
            at, size = min(ends)
            i = at + size
        else:
            i += 2
    return False
