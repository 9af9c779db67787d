"""A log read a block at a time: lines outside reports passed over unread give the same log
as reading every line; a block boundary anywhere changes nothing; memory does not grow with
the file."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from moomtui.real.logread import LogReader, read_blocks
from moomtui.real.report import Log, ReportError
from moomtui.real.scan import MAX_LINE_BYTES, Lines

from .kformat import T, report

TASKS = [T(901, "sshd", 288, uid=0, adj=-1000), T(2211, "java", 900000)]
NOISE = [
    'audit: type=1400 audit(1741601957.123:456): apparmor="DENIED" pid=4312 comm="snap"',
    "IPv4: martian source 10.0.0.7 from 10.0.0.1, on dev eth0",
    "[UFW BLOCK] IN=eth0 OUT= SRC=10.1.2.3 DST=10.4.5.6 LEN=40 TTL=245 PROTO=TCP",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode",
    "CPU: 1 PID: 77 Comm: kworker/1:2 Not tainted 6.8.0-50-generic #51",  # a WARN's trace
    "Out of memory: Killed process 1234 (stress) total-vm:4000kB, anon-rss:100kB",
    "Mem-Info:",  # a page allocation failure's show_mem(), without a table
    "",
    "Linux version 6.8.0-50-generic (buildd@lcy02)",
]
"""Other messages, some holding a keyword the skipping stops at."""


class Always:
    open = 1  # a report always open: every line read


ALWAYS = Always()


def blocks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def every_line(data: bytes, size: int) -> Log:
    """The log as read when every line is handed over, busy or not."""
    reader = LogReader()
    return reader.log(Lines(blocks(data, size), ALWAYS).read(reader.text_line))


def summary(log: Log | str) -> object:
    if isinstance(log, str):
        return log
    return (
        [
            (r.line, r.host, r.kernel, [(t.pid, t.rss) for t in r.rows], r.decision, r.meminfo)
            for r in log.reports
        ],
        log.skipped,
        log.warnings,
        [(d.pid, d.killed_pid, d.line) for d in log.bare_kills],
        log.first_kills,
    )


def outcome(read: object) -> object:
    try:
        return summary(read())  # type: ignore[operator]
    except ReportError as err:
        return (err.line, err.message)


def random_log(rng: random.Random) -> bytes:
    lines: list[str] = []
    for _ in range(rng.randrange(1, 6)):
        lines += rng.choices(NOISE, k=rng.randrange(0, 30))
        body = report(rng.choice(["3.6", "4.19", "6.x"]), TASKS, TASKS[1])
        if rng.random() < 0.3:
            body = body[rng.randrange(len(body)) :]  # pasted from anywhere
        if rng.random() < 0.2:
            body = body[: rng.randrange(len(body))]  # cut
        lines += body
    host = rng.choice(["", "web01 "])
    if host or rng.random() < 0.5:
        lines = [f"Mar 10 11:19:17 {host}kernel: {line}" for line in lines]
    else:
        lines = [f"[{8123 + i / 100:12.6f}] {line}" for i, line in enumerate(lines)]
    end = rng.choice(["\n", "", "\n\n"])
    return ("\n".join(lines) + end).encode()


def test_passing_over_lines_outside_reports_reads_the_same_log() -> None:
    rng = random.Random(22)
    for _ in range(60):
        data = random_log(rng)
        sizes = (rng.randrange(1, 200), rng.randrange(200, 5000), 1 << 20)
        fast = [outcome(lambda d=data, s=s: read_blocks(blocks(d, s))) for s in sizes]
        assert fast[0] == fast[1] == fast[2] == outcome(lambda d=data: every_line(d, 97))


def test_lines_are_numbered_as_an_editor_numbers_them() -> None:
    data = b"a\r\nb\n\n\xffc\nd"
    for size in (1, 2, 3, 100):
        got: list[tuple[int, str]] = []
        count = Lines(blocks(data, size), ALWAYS).read(lambda n, t, g=got: g.append((n, t)))
        assert got == [(1, "a\r"), (2, "b"), (3, ""), (4, "\ufffdc"), (5, "d")]
        assert count == 5


def test_a_line_longer_than_the_bound_is_cut_and_the_rest_passed_over() -> None:
    long = b"x" * (3 * MAX_LINE_BYTES)
    text = "\n".join(report("6.x", TASKS, TASKS[1])).encode()
    for size in (1000, MAX_LINE_BYTES + 7, 1 << 20):
        got: list[tuple[int, str]] = []
        Lines(blocks(long + b"\n" + text, size), ALWAYS).read(lambda n, t, g=got: g.append((n, t)))
        assert got[0] == (1, "x" * MAX_LINE_BYTES)
        assert got[1][0] == 2 and "invoked oom-killer" in got[1][1]
        (raw,) = read_blocks(blocks(long + b"\n" + text, size)).reports
        assert raw.line == 2


def peak(noise_lines: int) -> int:
    noise = "".join(f"Mar 10 11:19:17 web01 kernel: {NOISE[i % 4]}\n" for i in range(noise_lines))
    data = (noise + "\n".join(report("6.x", TASKS, TASKS[1])) + "\n").encode()
    del noise
    chunks = iter(blocks(data, 1 << 16))
    tracemalloc.start()
    try:
        assert len(read_blocks(chunks).reports) == 1
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("lines", [20_000])
def test_memory_does_not_grow_with_the_log(lines: int) -> None:
    """A log four times longer needs no more memory: blocks are read and dropped."""
    small, large = peak(lines), peak(4 * lines)
    assert large < small + 200_000, (small, large)
    assert large < 1_000_000
