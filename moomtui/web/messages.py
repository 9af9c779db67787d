"""A browser's messages to ``moomtui serve``: bounded before they are parsed, and the
terminal sizes they may ask for."""

from __future__ import annotations

import json

from ..patterns import scanning

MIN_SIZE, MAX_SIZE = (20, 8), (400, 200)
"""The terminal sizes a browser may ask for, in cells (width, height)."""
MAX_MESSAGE = 64 * 1024
"""The largest websocket message taken from a browser, in bytes."""
MAX_DEPTH = 4
"""How deeply a browser's message may nest (``["resize", {"width": 80}]`` is 2)."""


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size from the browser, as whole cells within the bounds."""

    def whole(value: object, default: int) -> int:
        text = str(value)
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            return default
        return int(text)

    w = min(max(whole(width, 80), MIN_SIZE[0]), MAX_SIZE[0])
    h = min(max(whole(height, 24), MIN_SIZE[1]), MAX_SIZE[1])
    return w, h


def font_size(text: str | None) -> int:
    """The page's font size in pixels (``?fontsize=N``): 16 by default, 8 to 48."""
    try:
        return min(max(int(text or "16"), 8), 48)
    except ValueError:
        return 16


_JSON_TOKENS = scanning(r'[\\"\[\]{}]')


def json_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in the JSON ``text``, counted without parsing it,
    in one pass (stopping past ``limit``): Python's parser recurses, so a message of 30,000
    ``[`` ended in RecursionError, and a traceback in the server's log."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _JSON_TOKENS.finditer(text):
        at, char = match.start(), match.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                break
        elif char in "]}":
            depth -= 1
    return deepest


class MessageError(ValueError):
    """A browser's message that is not one the page sends."""


def parse_message(text: str) -> tuple[str, object]:
    """The kind and data of a browser's message ``["kind", data]``, bounded before parsing."""
    if json_depth(text) > MAX_DEPTH:
        raise MessageError(f"nested more than {MAX_DEPTH} levels deep")
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        raise MessageError("not JSON") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise MessageError("not a [kind, data] list")
    return envelope[0], envelope[1] if len(envelope) > 1 else None
