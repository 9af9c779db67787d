"""How a line becomes a command: splitting, redirection, unknown commands, never raising."""

from __future__ import annotations

import pytest

from moomtui.shell import Result, Shell, split_line
from moomtui.shell.base import COMMANDS, Command

from .helpers import fails, ok, shell


def test_empty_lines_and_comments_do_nothing() -> None:
    sh = shell()
    for line in ("", "   ", "# insmod oom_kill", "   # note"):
        assert sh.execute(line) == Result("", 0)
    assert sh.session.recorded == []


def test_unknown_command_is_127_like_sh() -> None:
    assert fails(shell(), "frobnicate --now", 127) == "moomsh: frobnicate: command not found"


def test_unclosed_quote_is_a_syntax_error() -> None:
    assert fails(shell(), "echo 'oops", 2) == "moomsh: syntax error: No closing quotation"


@pytest.mark.parametrize("op", ["||", ";", "&", "<"])
def test_lists_and_input_redirection_are_refused(op: str) -> None:
    out = fails(shell(), f"ps aux {op} cat", 2)
    assert out == f"moomsh: syntax error: '{op}' is not supported"


def test_quoted_operators_are_plain_characters() -> None:
    assert ok(shell(), "echo 'a | b' \"c > d\" e\\;f") == "a | b c > d e;f"


def test_hash_starts_a_comment_only_at_a_word_start() -> None:
    assert ok(shell(), "echo a#b c # the rest is ignored") == "a#b c"


def test_split_line_finds_the_redirection_target_and_keeps_later_words() -> None:
    assert split_line("echo 5 > /proc/sys/kernel/panic") == (
        ["echo", "5"],
        "/proc/sys/kernel/panic",
    )
    assert split_line("echo 5 >/proc/sys/kernel/panic 6") == (
        ["echo", "5", "6"],
        "/proc/sys/kernel/panic",
    )
    assert split_line("echo 5 >> panic") == (["echo", "5"], "panic")
    assert split_line("kill -9 7") == (["kill", "-9", "7"], None)


def test_redirection_without_a_target_is_a_syntax_error() -> None:
    out = fails(shell(), "echo 5 >", 2)
    assert out == "moomsh: syntax error near unexpected token `newline'"


def test_two_redirections_are_refused() -> None:
    fails(shell(), "echo 5 > a > b", 2)


def test_help_option_prints_usage_with_status_0() -> None:
    out = ok(shell(), "lsmod -h")
    assert out.startswith("usage: lsmod [-h]")


def test_bad_option_prints_usage_and_error_with_status_2() -> None:
    out = fails(shell(), "lsmod --bogus", 2)
    assert out.splitlines() == [
        "usage: lsmod [-h]",
        "lsmod: unrecognized arguments: --bogus",
    ]


def test_a_bug_in_a_command_is_an_internal_error_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(sh: Shell, argv: list[str]) -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "broken", Command("broken", "raises", broken))
    assert fails(shell(), "broken") == (
        "moomsh: internal error: RuntimeError: boom (a bug in moomtui: please report it with "
        "what you did; MOOMTUI_DEBUG=1 shows the traceback)"
    )


def test_a_line_with_a_line_break_is_one_command_refused_whole() -> None:
    sh = shell()
    result = sh.execute("echo one\nnosuch\necho two")
    assert result == Result(
        "moomsh: syntax error: line break (U+000A) in the command: a command is one line", 2
    )


def test_commands_lists_every_command_sorted() -> None:
    names = shell().commands()
    assert names == sorted(names)
    for name in ("insmod", "sysctl", "kill", "spawn", "step", "script", "pstree", "dmesg"):
        assert name in names


@pytest.mark.parametrize(
    "line",
    [
        "pause now",
        "resume now",
        "whoami root",
        "history abc",
        "lsmod x",
        "reboot now",
        "id a b",
        "step 1 2",
    ],
)
def test_usage_errors_of_moomtuis_own_commands_show_the_usage_with_status_2(line: str) -> None:
    out = fails(shell(), line, 2)
    name = line.split()[0]
    assert out.startswith(f"usage: {name}")
    assert out.splitlines()[-1].startswith(f"{name}: ")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("uptime -x", "uptime: invalid option -- x\nusage: uptime [-V]"),
        ("free -q", "free: invalid option -- q\nusage: free [-b|-k|-m|-g|-h] [-o] [-t] [-V]"),
        ("vmstat -z", "vmstat: invalid option -- z\nusage: vmstat [-V] [-n] [delay [count]]"),
        ("dmesg -n", "dmesg: option requires an argument -- n\nUsage: dmesg [-c] [-n level] [-r]"),
        ("dmesg -n x", "Usage: dmesg [-c] [-n level] [-r]"),
        ("pstree -z", "pstree: invalid option -- z\nusage: pstree [ -p ] [ -u ] [ pid ]"),
        ("pstree --zz", "pstree: unrecognized option `--zz'\nusage: pstree [ -p ] [ -u ] [ pid ]"),
        ("rmmod", "Usage: rmmod [-aehrsvV] module ..."),
        ("uname -x", "uname: invalid option -- x\nTry `uname --help' for more information."),
    ],
)
def test_the_2003_tools_tell_a_usage_error_in_their_own_words(line: str, expected: str) -> None:
    """glibc 2.3's getopt: ``"%s: invalid option -- %c\\n"``, ``"%s: option requires an
    argument -- %c\\n"``, ``"%s: unrecognized option `%s'\\n"``; then the tool's usage."""
    assert fails(shell(), line) == expected
