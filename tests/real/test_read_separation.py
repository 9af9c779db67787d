"""Reports kept apart: by host, by boot; one OOM event from wherever its lines start to its
decision; a damaged report skipped with its line while the others are judged."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from moomtui.real.records import Machine
from moomtui.real.report import Log, read_log

from .kformat import LAYOUTS, T, report

ROOT = Path(__file__).resolve().parents[2]
WEB = [T(901, "sshd", 288, uid=0, adj=-1000), T(2211, "java", 900000, swap=5000)]
DB = [T(700, "sshd", 300, uid=0, adj=-1000), T(1180, "mongod", 930000, uid=0)]


def is_row(line: str) -> bool:
    return line.startswith("[") and line[1 : line.find("]")].strip().isdigit()


def read(lines: list[str]) -> Log:
    return read_log("\n".join(lines) + "\n")


def syslog(host: str, lines: list[str]) -> list[str]:
    return [f"Mar 10 11:19:17 {host} kernel: {line}" for line in lines]


def dmesg(lines: list[str], start: float = 8123.0) -> list[str]:
    return [f"[{start + i / 1000:12.6f}] {line}" for i, line in enumerate(lines)]


# ------------------------------------------------------------------ hosts
def test_two_hosts_interleaved_in_one_syslog_never_merge() -> None:
    """A central log server: web01's and db01's reports, line by line in turn."""
    web = syslog("web01", report("6.x", WEB, WEB[1]))
    db = syslog("db01", report("4.19", DB, DB[1]))
    mixed = [line for pair in zip(web, db, strict=False) for line in pair]
    mixed += web[len(db) :] + db[len(web) :]
    log = read(mixed)
    assert [(r.host, [t.pid for t in r.rows]) for r in log.reports] == [
        ("web01", [901, 2211]),
        ("db01", [700, 1180]),
    ]
    assert [r.decision.killed_pid for r in log.reports] == [2211, 1180]  # type: ignore[union-attr]
    assert [r.kernel for r in log.reports] == ["6.8.0-50-generic", "5.4.0-150-generic"]


def test_a_line_without_a_host_goes_with_the_line_before() -> None:
    """rsyslog's ``#012`` parts and continuation lines name no host."""
    web = syslog("web01", report("6.x", WEB, WEB[1]))
    at = next(i for i, line in enumerate(web) if "Tasks state" in line)
    lines = [*syslog("db01", ["usb 1-1: new device"])[:0], *web[:at], *web[at:]]
    lines[at + 2] = lines[at + 2] + "#012" + lines.pop(at + 3).split("kernel: ", 1)[1]
    (raw,) = read(lines).reports
    assert [t.pid for t in raw.rows] == [901, 2211]


# ------------------------------------------------------------------ boots
def test_a_dmesg_time_stamp_going_back_is_a_new_boot() -> None:
    first = report("6.x", WEB, WEB[1])
    cut = first[: first.index(next(x for x in first if x.startswith("oom-kill:")))]
    lines = dmesg(cut, 90000.0) + dmesg(report("6.x", WEB, WEB[1]), 12.0)
    log = read(lines)
    assert [r.line for r in log.reports] == [len(cut) + 1]
    ((line, why),) = log.skipped
    assert line == len(cut) and f"a new boot (line {len(cut) + 1}: the time stamps go back)" in why


def test_stamps_out_of_order_by_less_than_a_second_are_one_boot() -> None:
    lines = dmesg(report("6.x", WEB, WEB[1]))
    lines[5] = lines[5].replace("[", "[ ", 1).replace("8123.005", "8122.505")
    assert len(read(lines).reports) == 1


@pytest.mark.parametrize(
    "boot",
    [
        "Linux version 6.8.0-50-generic (buildd@lcy02) (gcc 13.2.0) #51-Ubuntu SMP",
        "Command line: BOOT_IMAGE=/vmlinuz-6.8.0-50-generic root=/dev/sda1 ro",
        "-- Boot 9f6c1d0e2b8a4c57a1b2c3d4e5f60718 --",
    ],
)
def test_a_boot_line_cuts_the_report_it_interrupts(boot: str) -> None:
    first = report("6.x", WEB, WEB[1])[:-2]  # the machine rebooted before deciding
    lines = syslog("web01", first)
    lines.append(boot if boot.startswith("--") else syslog("web01", [boot])[0])
    lines += syslog("web01", report("6.x", WEB, WEB[1]))
    log = read(lines)
    assert [r.line for r in log.reports] == [len(first) + 2]
    ((line, why),) = log.skipped
    assert line == len(first)  # the table's last row
    assert why.startswith(f"a new boot (line {len(first) + 1}: ")
    assert "cuts the task table before the kernel's decision" in why


# ------------------------------------------------------------------ where a report starts
def memcg_report(start: str) -> list[str]:
    """A 3.10 memory cgroup OOM, pasted from ``start`` on."""
    header, row, columns = LAYOUTS["3.6"]
    tasks = [T(4100, "java", 520000, swap=0, ptes=1100)]
    lines = [
        "java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0",
        "java cpuset=/ mems_allowed=0",
        "CPU: 3 PID: 4100 Comm: java Not tainted 3.10.0-1160.el7.x86_64 #1",
        "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)",
        "Call Trace:",
        " [<ffffffff81585b6d>] dump_stack+0x19/0x1b",
        "Task in /docker/4f1c killed as a result of limit of /docker/4f1c",
        "memory: usage 2097152kB, limit 2097152kB, failcnt 4312",
        "memory+swap: usage 2097152kB, limit 9007199254740988kB, failcnt 0",
        "kmem: usage 0kB, limit 9007199254740988kB, failcnt 0",
        "Memory cgroup stats for /docker/4f1c: cache:0KB rss:2097152KB",
        header,
        *(row % tuple(t.value(c) for c in columns) for t in tasks),
        "Memory cgroup out of memory: Kill process 4100 (java) score 1000 or sacrifice child",
        "Killed process 4100 (java) total-vm:2084000kB, anon-rss:2080000kB, file-rss:0kB",
    ]
    return lines[next(i for i, line in enumerate(lines) if line.startswith(start)) :]


@pytest.mark.parametrize(
    ("start", "kernel"),
    [
        ("CPU: 3 PID", "3.10.0-1160.el7.x86_64"),
        ("Task in ", None),
        ("memory: usage", None),
    ],
)
def test_a_report_pasted_from_anywhere_keeps_what_it_shows(start: str, kernel: str | None) -> None:
    noise = ["EXT4-fs (sda1): mounted filesystem", "Call Trace:", "audit: pid=12 comm=x"]
    (raw,) = read(dmesg(noise + memcg_report(start))).reports
    assert raw.line == len(noise) + 1
    assert raw.kernel == kernel
    assert raw.memcg_kb["memory"] == (2097152, 2097152)
    assert raw.memcg_path == "/docker/4f1c" and [t.pid for t in raw.rows] == [4100]


def test_a_stack_trace_header_far_before_is_not_taken() -> None:
    lines = ["CPU: 0 PID: 1 Comm: systemd Not tainted 6.1.0 #1", *(["x"] * 400)]
    (raw,) = read(dmesg(lines + memcg_report("Task in "))).reports
    assert raw.kernel is None and raw.line == len(lines) + 1


def test_invoked_oom_killer_without_a_space_after_the_colon() -> None:
    lines = report("6.x", WEB, WEB[1])
    lines[0] = lines[0].replace("oom-killer: gfp_mask", "oom-killer:gfp_mask")
    (raw,) = read(lines).reports
    assert raw.invoker is not None and raw.invoker.gfp_mask == "0x100cca" and raw.line == 1


# ------------------------------------------------------------------ damage
def test_a_table_without_rows_is_skipped_and_the_others_judged() -> None:
    damaged = [x for x in report("3.6", WEB, WEB[1]) if not is_row(x)]
    lines = report("6.x", WEB, WEB[1]) + damaged + report("6.x", DB, DB[1])
    log = read(lines)
    assert [r.decision.killed_pid for r in log.reports] == [2211, 1180]  # type: ignore[union-attr]
    header_at = len(report("6.x", WEB, WEB[1])) + next(
        i for i, x in enumerate(damaged) if x.startswith("[ pid")
    )
    assert log.skipped == [(header_at + 1, "the task table has a header but no rows")]
    # its kill is still a kill the log shows
    assert 2211 in log.first_kills


def test_a_row_that_does_not_fit_skips_its_report_only() -> None:
    bad = report("3.6", WEB, WEB[1])
    at = next(i for i, x in enumerate(bad) if "sshd" in x)
    bad[at] = "[  901]     0   901     9204      oops"
    first = report("6.x", DB, DB[1])
    log = read(first + bad)
    assert [r.decision.killed_pid for r in log.reports] == [1180]  # type: ignore[union-attr]
    ((line, why),) = log.skipped
    assert line == len(first) + at + 1 and "does not fit the header" in why
    assert log.bare_kills == []  # the damaged report's own decision is not a bare kill


def test_an_unknown_column_is_a_warning_naming_it() -> None:
    lines = report("6.x", WEB, WEB[1])
    at = next(i for i, x in enumerate(lines) if x.startswith("[  pid  ]"))
    lines[at] = lines[at].replace("swapents", "swapents  cgroup_id")
    for i in range(at + 1, at + 1 + len(WEB)):
        head, _, name = lines[i].rpartition(" ")
        lines[i] = f"{head} {7000 + i} {name}"
    lines = [line.replace("      0 sshd", "    0 sshd") for line in lines]
    log = read(lines)
    assert [t.pid for t in log.reports[0].rows] == [901, 2211]
    assert len(log.warnings) == 1 and log.warnings[0][0] == at + 1
    assert "cgroup_id" in log.warnings[0][1]


def test_the_command_prints_the_warning_and_the_skip_with_their_lines(tmp_path: Path) -> None:
    damaged = [x for x in report("3.6", DB, DB[1]) if not is_row(x)]
    lines = report("6.x", WEB, WEB[1])
    at = next(i for i, x in enumerate(lines) if x.startswith("[  pid  ]"))
    lines[at] += " extra"
    lines[at] = lines[at].replace(" name extra", " extra name")
    for i in range(at + 1, at + 1 + len(WEB)):
        head, _, name = lines[i].rpartition(" ")
        lines[i] = f"{head} 5 {name}"
    path = tmp_path / "kern.log"
    path.write_text("\n".join(damaged + lines) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "moomtui", "postmortem", str(path), "--print"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    header = len(damaged) + at + 1
    assert proc.stderr.splitlines() == [
        f"moomtui: {path}:{header}: warning: the task table has a column moomtui does not "
        "know (a patched kernel?): extra; its numbers are passed over"
    ]
    skipped_at = next(i for i, x in enumerate(damaged) if x.startswith("[ pid")) + 1
    assert f"{path}:{skipped_at}: skipped: the task table has a header but no rows" in proc.stdout
    assert "2211 (java)" in proc.stdout


# ------------------------------------------------------------------ earlier kills
def _seen_before_a_report_on_each(line: str, seen: Callable[[Machine], bool]) -> list[bool]:
    """Whether the report of web01 after ``line`` sees it: logged by web01 itself, by db01,
    and by web01 before it booted again."""
    from moomtui.real.rebuild import rebuild_log

    body = report("6.x", WEB, WEB[1])
    same = read(syslog("web01", [line]) + syslog("web01", body))
    other_host = read(syslog("db01", [line]) + syslog("web01", body))
    other_boot = read(
        dmesg([line], 90000.0)
        + dmesg(["Linux version 6.8.0-50-generic (buildd@lcy02)"], 0.0)
        + dmesg(body, 12.0)
    )
    return [seen(rebuild_log(log, "r")[0]) for log in (same, other_host, other_boot)]


def test_a_kill_on_another_host_or_in_another_boot_is_not_an_earlier_kill() -> None:
    """pid 2211 killed on db01, or before web01 booted again, is another process: a report's
    kills before it are its own host's, in its own boot."""
    kill = "Out of memory: Killed process 2211 (java) total-vm:4000kB, anon-rss:100kB"
    assert _seen_before_a_report_on_each(kill, lambda m: m.killed_earlier(2211)) == [
        True,
        False,
        False,
    ]


def test_a_task_reaped_on_another_host_or_in_another_boot_is_not_reaped_before() -> None:
    """The OOM reaper's line is kept apart as a kill is: on db01, or before web01 booted
    again, pid 2211 was another process."""
    reaped = "oom_reaper: reaped process 2211 (java), now anon-rss:0kB, file-rss:0kB"
    assert _seen_before_a_report_on_each(reaped, lambda m: 2211 in m.reaped) == [
        True,
        False,
        False,
    ]


def test_a_new_boot_forgets_the_stack_trace_header_before_it() -> None:
    """A warning's ``CPU: … Comm:`` in the boot before is not the kernel of a report pasted
    from its ``Task in`` line after the boot."""
    lines = [
        "CPU: 1 PID: 77 Comm: kworker/1:2 Not tainted 6.1.0-9-amd64 #1",
        "Linux version 6.8.0-50-generic (buildd@lcy02)",
        *memcg_report("Task in "),
    ]
    (raw,) = read(lines).reports
    assert raw.kernel is None and raw.line == 3
    (raw,) = read([lines[0], *memcg_report("Task in ")]).reports
    assert raw.kernel == "6.1.0-9-amd64" and raw.line == 1
