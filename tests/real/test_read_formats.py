"""Every format a report is pasted or exported in, read or refused with the line and reason.

The report texts are written here (tests/real/kformat.py); each format is what the tool
prints: rsyslog with an empty host name, a report indented as a whole, ``dmesg
--color=always``, ``journalctl -o json``, ``-o json-pretty`` and ``-o export``.
"""

from __future__ import annotations

import json

import pytest

from moomtui.real import journal
from moomtui.real.logread import read_blocks
from moomtui.real.report import Log, ReportError, read_log

from .kformat import T, report

TASKS = [
    T(901, "sshd", 288, uid=0, adj=-1000),
    T(1180, "mongod", 930000, uid=0, swap=60000, ptes=2000),
    T(2211, "java", 900000, swap=50000, ptes=1900),
]
LINES = report("6.x", TASKS, TASKS[2])


def read(lines: list[str]) -> Log:
    return read_log("\n".join(lines) + "\n")


def the_report(log: Log) -> tuple[int, str | None, int | None, int]:
    """What a reader must get right: rows, kernel, victim, first line."""
    (raw,) = log.reports
    victim = raw.decision.killed_pid if raw.decision else None
    return len(raw.rows), raw.kernel, victim, raw.line


EXPECTED = (3, "6.8.0-50-generic", 2211, 1)


# ------------------------------------------------------------------ text formats
def test_syslog_with_an_empty_host_name() -> None:
    """rsyslog in a container: ``Mar 10 11:19:17  kernel: …`` (two spaces, no host)."""
    log = read([f"Mar 10 11:19:{i % 60:02d}  kernel: {line}" for i, line in enumerate(LINES)])
    assert the_report(log) == EXPECTED
    assert log.reports[0].host == "" and log.reports[0].time == "Mar 10 11:19:00"


def test_a_syslog_host_and_time_are_kept_with_the_report() -> None:
    log = read([f"2025-03-10T11:19:17+01:00 db01 kernel: {line}" for line in LINES])
    assert (log.reports[0].host, log.reports[0].time) == ("db01", "2025-03-10T11:19:17+01:00")


@pytest.mark.parametrize(
    "indent",
    [
        "    ",  # Markdown's code block
        "  ",  # a mail quoted by spaces
        "> ",
        "  > > ",
        "\t",
    ],
)
def test_a_report_indented_as_a_whole(indent: str) -> None:
    lines = [f"{indent}[{812345 + i / 100:12.6f}] {line}" for i, line in enumerate(LINES)]
    assert the_report(read(lines)) == EXPECTED
    syslog = [f"{indent}Mar 10 11:19:17 web01 kernel: {line}" for line in LINES]
    assert the_report(read(syslog)) == EXPECTED


@pytest.mark.parametrize("gutter", ["{:4d} | ", "{:d}|", "{:6d}│ ", "    {:d} | "])
def test_a_log_viewers_gutter_of_line_numbers(gutter: str) -> None:
    lines = [gutter.format(i + 1) + f"[ 8123.{i:06d}] {line}" for i, line in enumerate(LINES)]
    assert the_report(read(lines)) == EXPECTED


def test_a_gutter_is_not_taken_from_a_line_that_only_starts_with_a_number() -> None:
    """``22 total pagecache pages`` has no ``|``: the number is the kernel's."""
    (raw,) = read(LINES).reports
    assert raw.meminfo["total_pagecache_pages"] == 22


def test_dmesg_color_always() -> None:
    """util-linux's dmesg colours the time stamp, a subsystem prefix and the whole line of
    a warning; none of it is read as text."""
    colour = []
    for i, line in enumerate(LINES):
        head, sep, tail = line.partition(": ")
        body = f"\x1b[33m{head}{sep}\x1b[0m{tail}" if sep and " " not in head else line
        if line.endswith(":"):
            body = f"\x1b[33m{line}\x1b[0m"
        if "invoked oom-killer" in line:
            body = f"\x1b[1m{line}\x1b[0m"
        colour.append(f"\x1b[32m[ 8123.{i:06d}]\x1b[0m {body}")
    assert any("\x1b[33mMem-Info:" in c for c in colour)
    assert the_report(read(colour)) == EXPECTED


# ------------------------------------------------------------------ the journal
def entry(line: str, i: int, **extra: object) -> dict[str, object]:
    return {
        "__CURSOR": f"s=0123;i={i:x}",
        "__REALTIME_TIMESTAMP": str(1741601957000000 + i),
        "__MONOTONIC_TIMESTAMP": str(8123000000 + i),
        "_BOOT_ID": "9f6c1d0e2b8a4c57a1b2c3d4e5f60718",
        "_TRANSPORT": "kernel",
        "PRIORITY": "4",
        "SYSLOG_IDENTIFIER": "kernel",
        "_SOURCE_MONOTONIC_TIMESTAMP": str(8123000000 + i),
        "_HOSTNAME": "web01",
        "MESSAGE": line,
        **extra,
    }


def json_lines(lines: list[str]) -> bytes:
    """``journalctl -k -o json``: one object a line."""
    return "".join(json.dumps(entry(line, i)) + "\n" for i, line in enumerate(lines)).encode()


def json_pretty(lines: list[str]) -> bytes:
    """``journalctl -k -o json-pretty``: each object over several lines, tab-indented."""
    out = []
    for i, line in enumerate(lines):
        body = json.dumps(entry(line, i), indent="\t", separators=(",", " : "))
        out.append(body + "\n")
    return "".join(out).encode()


def export(lines: list[str], binary: set[int] = frozenset()) -> bytes:  # type: ignore[assignment]
    """``journalctl -k -o export``: ``KEY=value`` lines, an empty line after each entry; a
    field that is not text (or holds a newline) as ``KEY``, its size as a little-endian
    64-bit number, its bytes and a newline."""
    out = b""
    for i, line in enumerate(lines):
        for key, value in entry(line, i).items():
            data = str(value).encode()
            if key == "MESSAGE" and i in binary:
                out += b"MESSAGE\n" + len(data).to_bytes(8, "little") + data + b"\n"
            else:
                out += key.encode() + b"=" + data + b"\n"
        out += b"\n"
    return out


def blocks(data: bytes, size: int = 333) -> list[bytes]:
    """The file as the reader gets it, in blocks that cut lines and fields anywhere."""
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("fmt", [json_lines, json_pretty, export])
def test_journalctl_exports(fmt: object) -> None:
    data = fmt(LINES)  # type: ignore[operator]
    log = read_blocks(blocks(data))
    rows, kernel, victim, _ = the_report(log)
    assert (rows, kernel, victim) == EXPECTED[:3]
    raw = log.reports[0]
    assert (raw.host, raw.boot) == ("web01", "9f6c1d0e2b8a4c57a1b2c3d4e5f60718")
    assert raw.uptime == 8123.0  # _SOURCE_MONOTONIC_TIMESTAMP, in seconds
    assert raw.time == "2025-03-10T10:19:17Z"  # __REALTIME_TIMESTAMP, in UTC
    assert not log.warnings


def test_the_first_line_of_a_journal_entry_names_the_report() -> None:
    data = json_pretty(["hello", *LINES])
    (raw,) = read_blocks([data]).reports
    assert data.decode().split("\n")[raw.line - 1] == "{"
    assert data.decode().split("\n").index("{", 1) + 1 == raw.line


def test_a_message_that_is_not_utf8_is_an_array_of_bytes() -> None:
    """journalctl writes a MESSAGE that is not UTF-8 as an array of numbers; in the export
    format as a binary field."""
    lines = list(LINES)
    at = next(i for i, line in enumerate(lines) if "java" in line and line.startswith("["))
    name = b"\xffjava"
    docs = []
    for i, line in enumerate(lines):
        e = entry(line, i)
        if i == at:
            e["MESSAGE"] = list(line.replace("java", "JAVA").encode().replace(b"JAVA", name))
        docs.append(json.dumps(e))
    log = read_blocks([("\n".join(docs) + "\n").encode()])
    assert [r.comm for r in log.reports[0].rows][2] == "\ufffdjava"
    log = read_blocks(blocks(export(lines, binary={at, at + 1})))
    assert the_report(log)[:3] == EXPECTED[:3]


def test_entries_of_other_transports_are_passed_over() -> None:
    """``journalctl -o json`` without ``-k``: earlyoom's or a service's own lines are not the
    kernel's."""
    docs = [json.dumps(entry(line, i)) for i, line in enumerate(LINES)]
    fake = entry("Out of memory: Killed process 1180 (mongod)", 99, _TRANSPORT="stdout")
    docs.insert(len(docs) - 1, json.dumps(fake))
    log = read_blocks([("\n".join(docs) + "\n").encode()])
    assert log.reports[0].decision.killed_pid == 2211  # type: ignore[union-attr]
    assert 1180 not in log.first_kills


def test_a_null_message_and_a_broken_document_are_warnings_naming_their_lines() -> None:
    docs = [json.dumps(entry(line, i)) for i, line in enumerate(LINES)]
    docs.insert(1, json.dumps(entry("x", 0, MESSAGE=None)))
    docs.insert(2, '{"MESSAGE": "cut')
    log = read_blocks([("\n".join(docs) + "\n").encode()])
    assert the_report(log)[:3] == EXPECTED[:3]
    assert [line for line, _ in log.warnings] == [2, 3]
    assert "MESSAGE is null" in log.warnings[0][1] and "--all" in log.warnings[0][1]
    assert "not a journal entry" in log.warnings[1][1]


def test_a_document_is_bounded_before_it_is_decoded() -> None:
    deep = '{"MESSAGE": ' + "[" * 100_000 + "]" * 100_000 + "}"
    big = json.dumps(entry("y" * (journal.MAX_DOCUMENT + 10), 0))
    docs = [deep, big, *(json.dumps(entry(line, i)) for i, line in enumerate(LINES))]
    log = read_blocks(blocks(("\n".join(docs) + "\n").encode(), 1 << 16))
    assert the_report(log)[:3] == EXPECTED[:3]
    assert [(line, why.split(" ")[3]) for line, why in log.warnings] == [
        (1, "nested"),
        (2, "larger"),
    ]


def test_an_export_field_claiming_any_size_is_passed_over_not_held() -> None:
    data = b"__CURSOR=s=1\nMESSAGE\n" + (1 << 60).to_bytes(8, "little") + b"xx\n"
    with pytest.raises(ReportError) as info:
        read_blocks([data])
    assert info.value.line == 2 and "larger than" in info.value.message


def test_a_journal_without_a_report_names_its_first_problem() -> None:
    with pytest.raises(ReportError) as info:
        read_blocks([b'{"MESSAGE": "hello"}\n{"MESSAGE": \n'])
    assert info.value.line == 2 and "cut short" in info.value.message
    with pytest.raises(ReportError) as info:
        read_blocks([b'{\n\t"MESSAGE" : "hello"\n}\n\n{\n\t"MESSAGE" : "x",\n'])
    assert info.value.line == 5 and "ends in the middle" in info.value.message
