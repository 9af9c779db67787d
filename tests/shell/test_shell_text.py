"""The text tools of pipelines: grep, head, tail, wc, sort, uniq, less — each option.

Their input comes from ``feed``, a command the tests add that prints a text of their choice
(the console has no way to type several lines), or from ``/proc`` files.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from moomtui.modules import ere
from moomtui.modules.ere import Ere
from moomtui.shell import Result, Shell, check_line
from moomtui.shell.base import COMMANDS, Command
from moomtui.shell.profile import SCRIPT

from .helpers import fails, ok, shell

Feed = Callable[[str], Shell]


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Feed]:
    """``feed(text)``: a shell whose command ``feed`` prints ``text`` exactly."""

    def make(text: str) -> Shell:
        def run(sh: Shell, argv: list[str]) -> Result:
            return Result(text, 0, stdout=text)

        monkeypatch.setitem(COMMANDS, "feed", Command("feed", "print the test's text", run))
        return shell()

    yield make


LINES = "b 10\na 9\nB 100\nb 10\nb 10\n# comment\na 2\n"


# ------------------------------------------------------------------ grep
@pytest.mark.parametrize(
    ("line", "status", "out"),
    [
        ("grep b", 0, "b 10\nb 10\nb 10"),
        ("grep -i b", 0, "b 10\nB 100\nb 10\nb 10"),
        ("grep -v b", 0, "a 9\nB 100\n# comment\na 2"),
        ("grep -c b", 0, "3"),
        ("grep -c zzz", 1, "0"),
        ("grep -n a", 0, "2:a 9\n7:a 2"),
        ("grep zzz", 1, ""),
        ("grep -x 'a 2'", 0, "a 2"),
        ("grep -x a", 1, ""),
        ("grep -w 10", 0, "b 10\nb 10\nb 10"),
        ("grep -w 0", 1, ""),
        ("grep -e 9 -e 100", 0, "a 9\nB 100"),
        ("grep -q b", 0, ""),
        ("grep -q zzz", 1, ""),
        ("grep ''", 0, LINES.rstrip("\n")),
        # basic patterns: ( | + ? { } are characters; \( \| \+ \? \{ \} operators
        ("grep 'a|b'", 1, ""),
        ("grep 'a\\|B'", 0, "a 9\nB 100\na 2"),
        ("grep '^\\(a\\|B\\) 1\\?[09]'", 0, "a 9\nB 100"),
        ("grep '10\\{3\\}'", 1, ""),
        ("grep '0\\{2\\}'", 0, "B 100"),
        ("grep '1+'", 1, ""),
        ("grep '*'", 1, ""),  # a leading * is a character
        ("grep '^[[:upper:]]'", 0, "B 100"),
        ("grep '[^ab0-9 ]'", 0, "B 100\n# comment"),
        ("grep 'comment$'", 0, "# comment"),
        ("grep 'a$b'", 1, ""),  # a $ in the middle is a character
        # extended patterns
        ("grep -E 'a|B'", 0, "a 9\nB 100\na 2"),
        ("grep -E '^(a|B) 1?[09]'", 0, "a 9\nB 100"),
        ("grep -E '0{2}'", 0, "B 100"),
        ("grep -E -c '\\<10\\>'", 0, "3"),
        ("grep -iE '^b 10+$'", 0, "b 10\nB 100\nb 10\nb 10"),
        # fixed strings
        ("grep -F 'a|b'", 1, ""),
        ("grep -F '#'", 0, "# comment"),
        ("grep -F -i 'B 1'", 0, "b 10\nB 100\nb 10\nb 10"),
        ("grep -F -x 'a 2'", 0, "a 2"),
        ("grep -F -w 'a'", 0, "a 9\na 2"),
        ("grep -F -e '.' -e 9", 0, "a 9"),
    ],
)
def test_grep_selects_lines(feed: Feed, line: str, status: int, out: str) -> None:
    sh = feed(LINES)
    assert fails(sh, f"feed | {line}", status) == out


def test_grep_reads_files_and_names_them_when_there_are_several() -> None:
    sh = shell()
    assert ok(sh, "grep Name /proc/1/status") == "Name:\tinit"
    assert ok(sh, "grep -H Name /proc/1/status") == "/proc/1/status:Name:\tinit"
    assert ok(sh, "grep Name 1/status 2/status") == "1/status:Name:\tinit\n2/status:Name:\tkeventd"
    assert ok(sh, "grep -h Name 1/status 2/status") == "Name:\tinit\nName:\tkeventd"
    assert ok(sh, "grep -c Name 1/status 2/status") == "1/status:1\n2/status:1"
    assert ok(sh, "grep -n PPid 1/status") == "5:PPid:\t0"
    out = fails(sh, "grep Name 1/status nope", 2)
    assert out.splitlines() == ["1/status:Name:\tinit", "grep: nope: No such file or directory"]
    assert fails(sh, "grep -q Name nope 1/status", 0) == "grep: nope: No such file or directory"
    assert fails(sh, "grep -q Name 1/status nope", 0) == ""  # it stops at the first match


def test_grep_reads_the_pipe_for_a_dash(feed: Feed) -> None:
    sh = feed("Name: here\n")
    assert ok(sh, "feed | grep Name - 1/status") == (
        "(standard input):Name: here\n1/status:Name:\tinit"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("grep '\\(a\\)\\1'", "grep: back-references (\\1 to \\9) are not supported"),
        ("grep -E '(a{100}){100}'", "grep: too big (an automaton of more than 1000 states)"),
        ("grep -E 'a(b'", "grep: Unmatched ( or \\("),
        ("grep '\\(a'", "grep: Unmatched ( or \\("),
        ("grep '[a'", "grep: Unmatched [, [^, [:, [., or [="),
        ("grep -E '*a'", "grep: Invalid preceding regular expression"),
        ("grep 'x\\'", "grep: Trailing backslash"),
    ],
)
def test_a_pattern_grep_will_not_run_is_one_line_and_2(feed: Feed, line: str, message: str) -> None:
    sh = feed(LINES)
    assert fails(sh, f"feed | {line}", 2) == message


def test_grep_usage_errors_are_grep_25s(feed: Feed) -> None:
    sh = feed(LINES)
    usage = "Usage: grep [OPTION]... PATTERN [FILE]...\nTry `grep --help' for more information."
    assert fails(sh, "feed | grep", 2) == usage
    assert fails(sh, "feed | grep -Z x", 2) == f"grep: invalid option -- Z\n{usage}"
    assert fails(sh, "feed | grep -E -F x", 2).startswith("Usage: grep")
    no_input = "grep: no input: name a file, or read a pipe (dmesg | grep …)"
    assert fails(sh, "grep x", 2) == no_input


def test_grep_takes_a_pattern_like_an_option_after_dashes_or_e(feed: Feed) -> None:
    sh = feed("a-vb\nc\n")
    for line in ("grep -- -v", "grep -e -v", "grep --regexp -v", "grep -c -- -v -"):
        assert check_line(f"feed | {line}") is None
    assert ok(sh, "feed | grep -- -v") == "a-vb"
    assert ok(sh, "feed | grep -e -v") == "a-vb"
    assert ok(sh, "feed | grep -v -e -v") == "c"
    assert ok(sh, "feed | grep -c -- -v -") == "1"
    assert ok(sh, "head -n 1 -- meminfo").split() == ok(sh, "head -n 1 meminfo").split()


def test_a_pathological_pattern_costs_at_most_a_walk_a_byte(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[ab]*a[ab]{12}c`` has a DFA of 8,192 sets, more than are remembered: every byte
    makes a new one, and still costs one closure; nested repeats cost no more."""
    walks = 0
    real = Ere._closure

    def counted(self: Ere, states: int, context: tuple[bool, ...]) -> int:
        nonlocal walks
        walks += 1
        return real(self, states, context)

    monkeypatch.setattr(Ere, "_closure", counted)
    rng = random.Random(1)
    line = "".join(rng.choice("ab") for _ in range(3000))
    for size in (4, 8):
        text = "".join(line[i:] + line[:i] + "\n" for i in range(size))  # none alike
        sh = feed(text)
        walks = 0
        for pattern in ("[ab]*a[ab]{12}c", "((((a+)+)+)+)+c", "(a|aa|ab|b)*(ab){20}c"):
            assert fails(sh, f"feed | grep -E '{pattern}'", 1) == ""
        assert 0 < walks <= 3 * (len(text) + size)  # the automaton, at most a walk a byte
    assert ere.MAX_CACHED < 8192


# ------------------------------------------------------------------ head, tail
NUMBERS = "".join(f"{n}\n" for n in range(1, 16))


@pytest.mark.parametrize(
    ("line", "out"),
    [
        ("head", range(1, 11)),
        ("head -n 3", range(1, 4)),
        ("head -3", range(1, 4)),
        ("head -n -12", range(1, 4)),
        ("head -n 0", range(0)),
        ("head -n 99", range(1, 16)),
        ("tail", range(6, 16)),
        ("tail -n 2", range(14, 16)),
        ("tail -2", range(14, 16)),
        ("tail -n -2", range(14, 16)),
        ("tail -n +13", range(13, 16)),
        ("tail -n 0", range(0)),
        ("tail -n +1", range(1, 16)),
    ],
)
def test_head_and_tail_count_lines(feed: Feed, line: str, out: range) -> None:
    sh = feed(NUMBERS)
    assert ok(sh, f"feed | {line}") == "\n".join(map(str, out))


def test_head_and_tail_name_each_of_several_files() -> None:
    sh = shell()
    out = ok(sh, "head -n 1 1/status 2/status")
    assert out == "==> 1/status <==\nName:\tinit\n\n==> 2/status <==\nName:\tkeventd"
    assert ok(sh, "tail -q -n 1 sys/kernel/panic sys/vm/overcommit_memory") == "0\n0"
    assert ok(sh, "tail -v -n 1 sys/kernel/panic") == "==> sys/kernel/panic <==\n0"


def test_head_and_tail_refuse_a_bad_count_in_coreutils_words(feed: Feed) -> None:
    sh = feed(NUMBERS)
    assert fails(sh, "feed | head -n x") == "head: x: invalid number of lines"
    assert fails(sh, "feed | tail -n 1x") == "tail: 1x: invalid number of lines"
    assert fails(sh, "feed | tail -f") == (
        "tail: invalid option -- f\nTry `tail --help' for more information."
    )


# ------------------------------------------------------------------ wc
def test_wc_counts_lines_words_and_bytes_in_seven_columns(feed: Feed) -> None:
    sh = feed("one two\nthree\n\tfour  five\nnaïve\n")
    assert ok(sh, "feed | wc") == "      4       6      33"
    assert ok(sh, "feed | wc -l") == "      4"
    assert ok(sh, "feed | wc -w") == "      6"
    assert ok(sh, "feed | wc -c") == "     33"  # ï is two bytes
    assert ok(sh, "feed | wc -lc") == "      4      33"


def test_wc_of_files_names_them_and_adds_a_total() -> None:
    sh = shell()
    assert ok(sh, "wc -l sys/kernel/panic sys/kernel/printk") == (
        "      1 sys/kernel/panic\n      1 sys/kernel/printk\n      2 total"
    )
    assert fails(sh, "wc -l nope") == "wc: nope: No such file or directory"


# ------------------------------------------------------------------ sort
@pytest.mark.parametrize(
    ("line", "out"),
    [
        ("sort", ["# comment", "B 100", "a 2", "a 9", "b 10", "b 10", "b 10"]),
        ("sort -r", ["b 10", "b 10", "b 10", "a 9", "a 2", "B 100", "# comment"]),
        ("sort -k 2", ["b 10", "b 10", "b 10", "B 100", "a 2", "a 9", "# comment"]),
        ("sort -n -k 2", ["# comment", "a 2", "a 9", "b 10", "b 10", "b 10", "B 100"]),
        ("sort -n -r -k 2", ["B 100", "b 10", "b 10", "b 10", "a 9", "a 2", "# comment"]),
        ("sort -k 1,1", ["# comment", "B 100", "a 9", "a 2", "b 10", "b 10", "b 10"]),
    ],
)
def test_sort_orders_lines_in_byte_order_and_by_keys(feed: Feed, line: str, out: list[str]) -> None:
    sh = feed(LINES)
    assert ok(sh, f"feed | {line}").splitlines() == out


def test_sort_is_stable_equal_keys_keep_their_order(feed: Feed) -> None:
    sh = feed("x 1 first\ny 1 second\nz 0 third\nw 1 fourth\n")
    assert ok(sh, "feed | sort -n -k 2").splitlines() == [
        "z 0 third",
        "x 1 first",
        "y 1 second",
        "w 1 fourth",
    ]
    assert ok(sh, "feed | sort -n -r -k 2,2").splitlines() == [
        "x 1 first",
        "y 1 second",
        "w 1 fourth",
        "z 0 third",
    ]


def test_sort_n_reads_signs_decimals_and_huge_numbers_exactly(feed: Feed) -> None:
    huge = "9" * 5000  # past int()'s 4,300 digits
    sh = feed(f"{huge}\n-1.5\n.5\nx\n-0\n1{huge}\n10\n2\n")
    assert ok(sh, "feed | sort -n").splitlines() == [
        "-1.5", "x", "-0", ".5", "2", "10", huge, f"1{huge}"
    ]  # fmt: skip


def test_sort_refuses_a_bad_key(feed: Feed) -> None:
    sh = feed(LINES)
    assert fails(sh, "feed | sort -k x", 2) == "sort: invalid field specification `x'"
    assert fails(sh, "feed | sort -k", 2) == (
        "sort: option requires an argument -- k\nTry `sort --help' for more information."
    )
    assert fails(sh, "feed | sort -k 2,0", 2) == (
        "sort: field number is zero: invalid field specification `2,0'"
    )


def test_a_huge_input_is_sorted_in_one_pass_of_keys(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moomtui.shell import cmd_sort

    keys = 0
    real = cmd_sort.sort_key_text

    def counted(line: str, first: int, last: int | None) -> str:
        nonlocal keys
        keys += 1
        return real(line, first, last)

    monkeypatch.setattr(cmd_sort, "sort_key_text", counted)
    n = 60_000
    text = "".join(f"{(i * 7919) % n:6d} {'x' * 40}\n" for i in range(n))
    sh = feed(text)
    out = ok(sh, "feed | sort -n -k 1 | head -n 3").splitlines()
    assert [line.split()[0] for line in out] == ["0", "1", "2"]
    assert keys == n


# ------------------------------------------------------------------ uniq
def test_uniq_merges_runs_of_equal_lines(feed: Feed) -> None:
    sh = feed("a\na\nb\na\nc\nc\nc\n")
    assert ok(sh, "feed | uniq").splitlines() == ["a", "b", "a", "c"]
    assert ok(sh, "feed | uniq -c").splitlines() == [
        "      2 a",
        "      1 b",
        "      1 a",
        "      3 c",
    ]
    assert ok(sh, "feed | uniq -d").splitlines() == ["a", "c"]
    assert ok(sh, "feed | uniq -u").splitlines() == ["b", "a"]
    assert ok(sh, "feed | sort | uniq -c").splitlines() == ["      3 a", "      1 b", "      3 c"]
    assert fails(sh, "feed | uniq - out") == (
        "uniq: out: no OUTPUT file here: uniq prints (or pipe it on)"
    )


# ------------------------------------------------------------------ less
def test_less_prints_its_input_where_there_is_no_screen(feed: Feed) -> None:
    sh = feed(LINES)
    assert ok(sh, "feed | less") == LINES.rstrip("\n")
    assert ok(sh, "less sys/kernel/panic") == "0"
    assert ok(sh, "feed | less -N | head -n 2") == "      1 b 10\n      2 a 9"


def test_less_at_the_screens_console_opens_a_view(feed: Feed) -> None:
    sh = feed(LINES)
    paged: list[tuple[str, str]] = []
    sh.session.on_page = lambda title, text: paged.append((title, text))
    assert ok(sh, "feed | less") == ""
    assert paged == [("(standard input)", LINES)]
    assert ok(sh, "less sys/kernel/panic") == ""
    assert paged[-1] == ("sys/kernel/panic", "0\n")
    assert ok(sh, "feed | less | wc -l") == "      7"  # into a pipe it prints
    assert sh.execute("feed | less", profile=SCRIPT).output == LINES.rstrip("\n")  # not typed
    assert len(paged) == 2


# ------------------------------------------------------------------ help, completion
@pytest.mark.parametrize("name", ["grep", "head", "tail", "wc", "sort", "uniq", "less"])
def test_each_tool_has_help_and_a_usage_error(name: str) -> None:
    sh = shell()
    flag = "-h" if name == "less" else "--help"
    assert ok(sh, f"{name} {flag}").startswith(f"usage: {name} ")
    assert ok(sh, f"help {name}").startswith(f"usage: {name} ")
    assert name in ok(sh, "help")
    result = sh.execute(f"{name} --bogus")
    assert result.status in (1, 2) and result.output.splitlines()[0] in (
        f"{name}: unrecognized option `--bogus'",
        f"usage: {name} [-h] [-N] [FILE ...]",
    )


def test_completion_completes_the_last_command_of_a_pipeline() -> None:
    sh = shell()
    assert sh.complete("dmesg | gr") == ["grep"]
    assert sh.complete("dmesg|ta") == ["tail"]
    assert sh.complete("echo 'a|b' | w") == ["wc", "whoami"]
    assert "-E" in sh.complete("ps aux | grep -")
    assert sh.complete("ps aux | sort -") == ["--help", "-k", "-n", "-r"]
    assert sh.complete("dmesg | grep x /proc/me") == ["/proc/meminfo"]
    assert sh.complete("wc sys/kernel/pa") == ["sys/kernel/panic"]
