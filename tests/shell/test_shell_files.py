"""cat, echo and ls over /proc."""

from __future__ import annotations

from moomtui.kernel import events as ev
from moomtui.kernel.procfs import read_proc

from ..fixtures import Recorder, machine
from .helpers import fails, ok, shell, user_task


def test_cat_prints_proc_files() -> None:
    sh = shell()
    assert ok(sh, "cat /proc/meminfo") == read_proc(sh.kernel, "/proc/meminfo").rstrip("\n")
    assert ok(sh, "cat /proc/version").startswith("Linux version 2.4.22")


def test_relative_paths_are_under_proc() -> None:
    sh = shell()
    assert ok(sh, "cat loadavg") == ok(sh, "cat /proc/loadavg")
    assert ok(sh, "cat sys/kernel/panic") == "0"


def test_cat_reports_each_missing_file_and_prints_the_others() -> None:
    sh = shell()
    out = fails(sh, "cat /proc/999/status /proc/sys/kernel/panic 1")
    assert out.splitlines() == [
        "cat: /proc/999/status: No such file or directory",
        "0",
        "cat: 1: Is a directory",
    ]


def test_cat_shows_cmdline_separators_as_spaces() -> None:
    sh = shell()
    pid = ok(sh, "spawn idle rss=64K --comm sleeper").split()[2]
    assert ok(sh, f"cat {pid}/cmdline") == "sleeper rss=64K"


def test_echo_prints_its_arguments() -> None:
    sh = shell()
    assert ok(sh, "echo hello   world") == "hello world"
    assert ok(sh, "echo") == ""
    assert ok(sh, "echo -n 5") == "5"


def test_echo_into_a_read_only_proc_file() -> None:
    sh = shell()
    assert fails(sh, "echo 1 > /proc/meminfo") == "moomsh: echo: write error: Input/output error"
    ok(sh, "su user")
    assert fails(sh, "echo 1 > /proc/meminfo") == "moomsh: /proc/meminfo: Permission denied"


def test_echo_into_proc_sys_as_non_root_fails_at_the_open() -> None:
    """``proc_sys_permission`` (``return test_perm(inode->i_mode, op);``) refuses the open
    of a 0644 file for writing by anyone but root: the shell's redirection fails, as it
    does for /proc/meminfo, and echo never runs."""
    sh = shell()
    ok(sh, "su user")
    assert fails(sh, "echo 1 > /proc/sys/kernel/panic") == (
        "moomsh: /proc/sys/kernel/panic: Permission denied"
    )
    assert fails(sh, "> /proc/sys/kernel/panic") == (
        "moomsh: /proc/sys/kernel/panic: Permission denied"
    )
    assert ok(sh, "cat /proc/sys/kernel/panic") == "0"
    assert sh.kernel.panic_timeout.value == 0


def test_echo_outside_proc_or_into_nothing() -> None:
    sh = shell()
    assert fails(sh, "echo 1 > /etc/motd") == "moomsh: /etc/motd: Read-only file system"
    assert fails(sh, "echo 1 > /proc/sys/kernel/nope") == (
        "moomsh: /proc/sys/kernel/nope: No such file or directory"
    )
    assert fails(sh, "echo 1 > /proc/sys/kernel") == "moomsh: /proc/sys/kernel: Is a directory"


def test_echo_bad_number_is_a_write_error_and_changes_nothing() -> None:
    sh = shell()
    assert fails(sh, "echo ten > /proc/sys/kernel/panic") == (
        "moomsh: echo: write error: Invalid argument"
    )
    assert sh.kernel.panic_timeout.value == 0


def test_a_failed_command_writes_nothing() -> None:
    sh = shell()
    fails(sh, "cat /proc/nothing > /proc/sys/kernel/panic")
    assert sh.kernel.panic_timeout.value == 0
    ok(sh, "echo 7 > /proc/sys/kernel/panic")
    ok(sh, "cat /proc/sys/kernel/panic > /proc/sys/vm/overcommit_memory")
    assert sh.kernel.overcommit_memory.value == 7


def test_ls_lists_proc_in_columns_pids_first() -> None:
    sh = shell()
    assert ok(sh, "ls /proc") == (
        "1  2  3  4  5  6  loadavg  meminfo  modules  swaps  sys  uptime  version"
    )
    assert ok(sh, "ls") == ok(sh, "ls /proc")
    assert ok(sh, "ls -1 /proc/1").splitlines() == [
        "cmdline",
        "oom_score",
        "oom_score_adj",
        "stat",
        "status",
    ]


def test_ls_pids_sort_numerically_down_the_columns() -> None:
    k = machine(*(user_task(f"t{i}") for i in range(14)))
    assert ok(shell(k), "ls -1").splitlines()[:20] == [str(pid) for pid in range(1, 21)]
    assert ok(shell(k), "ls").splitlines() == [
        "1  3  5  7  9   11  13  15  17  19  loadavg  modules  sys     version",
        "2  4  6  8  10  12  14  16  18  20  meminfo  swaps    uptime",
    ]


def test_ls_of_a_file_and_of_nothing() -> None:
    sh = shell()
    assert ok(sh, "ls /proc/meminfo") == "/proc/meminfo"
    out = fails(sh, "ls /proc/999 sys")
    assert out.splitlines() == [
        "ls: /proc/999: No such file or directory",
        "sys:",
        "kernel  vm",
    ]


def test_ls_of_the_root_shows_proc() -> None:
    sh = shell()
    assert ok(sh, "ls /") == "proc"
    assert ok(sh, "ls ..") == "proc"


# --- a short write and the writer's retry --------------------------------------------------
#
# kernel/sysctl.c do_proc_dointvec(): the count returned stops after the white space that
# follows the last value (``*lenp -= left;``); the shell's echo writes through stdio,
# whose flush loops until all is written (glibc _IO_new_file_write: ``while (to_do > 0) {
# count = write (f->_fileno, data, to_do); if (count < 0) break; to_do -= count; ... }``).


def test_echo_two_numbers_into_one_int_ends_with_the_second() -> None:
    """``echo "5 6" >``: the first write(2) stores 5 and returns 2 ("5 "); stdio writes
    "6\\n", which stores 6. Two writes, two events."""
    sh = shell()
    events = Recorder(sh.kernel)
    ok(sh, 'echo "5 6" > /proc/sys/kernel/panic')
    assert sh.kernel.panic_timeout.value == 6
    assert [e.value for e in events.of(ev.SysctlWrite)] == ["5", "6"]


def test_echo_a_number_then_garbage_stores_the_number_then_fails() -> None:
    """``echo "5 x" >``: 5 is stored, the write returns 2; the second write, "x\\n", has no
    number: ``if (write && first) return -EINVAL;`` — echo's write error."""
    sh = shell()
    assert fails(sh, 'echo "5 x" > /proc/sys/kernel/panic') == (
        "moomsh: echo: write error: Invalid argument"
    )
    assert sh.kernel.panic_timeout.value == 5


def test_echo_a_negative_number_and_another_fails_on_the_newline() -> None:
    """The ``-`` is counted twice (``left--, p++;`` then ``left -= len;``): "-5 6\\n" stores
    -5 and returns 4, leaving only "\\n" — white space alone, which is ``EINVAL``."""
    sh = shell()
    assert fails(sh, 'echo "-5 6" > /proc/sys/kernel/panic') == (
        "moomsh: echo: write error: Invalid argument"
    )
    assert sh.kernel.panic_timeout.value == -5


def test_echo_more_values_than_a_vector_holds_starts_it_again() -> None:
    """``vleft = table->maxlen / sizeof(int);``: four values fill kernel.printk and the
    count stops there; the fifth is the next write's first."""
    sh = shell()
    ok(sh, "echo 1 2 3 4 5 > /proc/sys/kernel/printk")
    assert ok(sh, "cat /proc/sys/kernel/printk") == "5\t2\t3\t4"


def test_sysctl_w_writes_through_stdio_too() -> None:
    """procps sysctl: ``fprintf(fp, "%s\\n", value); fclose(fp);`` — the same retry."""
    sh = shell()
    assert ok(sh, "sysctl -w kernel.panic='5 6'") == "kernel.panic = 5 6"
    assert sh.kernel.panic_timeout.value == 6
    out = fails(sh, "sysctl -w kernel.panic='7 x'", 255)
    assert out == 'error: "Invalid argument" setting key "kernel.panic"'
    assert sh.kernel.panic_timeout.value == 7


def test_sysctl_w_with_no_value_is_malformed() -> None:
    """procps: ``if (!*name || !*value || name == equals)`` — "Malformed setting"."""
    sh = shell()
    assert fails(sh, "sysctl -w kernel.panic=", 255) == 'error: Malformed setting "kernel.panic="'


def test_oom_score_adj_reads_twelve_characters_a_write() -> None:
    """2.6.36 oom_score_adj_write(): ``if (count > sizeof(buffer) - 1) count =
    sizeof(buffer) - 1;`` with ``char buffer[PROC_NUMBUF]`` (13) — and returns ``count``:
    a longer text is written in twelve-character pieces, the last one wins."""
    k = machine(user_task("t"))
    sh = shell(k)
    ok(sh, "echo 000000000000001 > /proc/7/oom_score_adj")
    assert k.tasks[7].oom_score_adj == 1
