"""Wildcards in paths: ``cat /proc/sys/vm/oom/*``, ``ls /proc/*/oom_score``,
``cat /proc/1*/status``."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel import TaskSpec
from moomtui.shell import globs
from moomtui.shell.globs import ARG_MAX, Component, GlobError, _units, expand

from ..fixtures import machine
from .helpers import REGISTRY, fails, ok, shell


def test_cat_of_a_directorys_star_prints_each_file_in_order() -> None:
    sh = shell(machine(registry=REGISTRY))
    ok(sh, "insmod oom_knob oom_parent_max=4 oom_parent_expire=60")
    # oom_parent_expire before oom_parent_max: sorted, not in the directory's order
    assert ok(sh, "cat /proc/sys/vm/oom/*") == "60\n4"
    assert ok(sh, "ls /proc/sys/vm/oom/*") == (
        "/proc/sys/vm/oom/oom_parent_expire  /proc/sys/vm/oom/oom_parent_max"
    )
    assert ok(sh, "grep -H . /proc/sys/vm/oom/*_max") == "/proc/sys/vm/oom/oom_parent_max:4"


def test_a_star_in_the_middle_of_a_path_matches_every_pid() -> None:
    sh = shell(machine(*[TaskSpec(comm=f"t{i}") for i in range(6)]))
    pids = sorted(str(pid) for pid in sh.kernel.tasks)  # byte order: 1, 10, 11, 12, 2, …
    assert ok(sh, "ls -1 /proc/*/oom_score").splitlines() == [
        f"/proc/{pid}/oom_score" for pid in pids
    ]
    assert ok(sh, "cat /proc/1*/status | grep Name") == "\n".join(
        f"Name:\t{sh.kernel.tasks[int(pid)].comm}" for pid in pids if pid.startswith("1")
    )
    assert ok(sh, "cat /proc/1?/status | grep -c Name") == "3"  # 10, 11, 12
    # grep names each file a pattern expands to, as it names files typed one by one
    assert ok(sh, "grep Name /proc/[12]/status") == (
        "/proc/1/status:Name:\tinit\n/proc/2/status:Name:\tkeventd"
    )


@pytest.mark.parametrize(
    ("pattern", "names"),
    [
        ("/proc/[12]", ["/proc/1", "/proc/2"]),
        ("/proc/[!0-9]*s", ["/proc/modules", "/proc/swaps", "/proc/sys"]),
        ("/proc/[^0-9]*s", ["/proc/modules", "/proc/swaps", "/proc/sys"]),
        ("/proc/[[:digit:]]", [f"/proc/{n}" for n in range(1, 7)]),
        ("/proc/?", [f"/proc/{n}" for n in range(1, 7)]),
        ("/proc/sys/*/", ["/proc/sys/kernel/", "/proc/sys/vm/"]),
        ("/pr*", ["/proc"]),
        ("sys/k*/p?nic", ["sys/kernel/panic"]),
        ("/proc/1/../sys/vm/o*", ["/proc/1/../sys/vm/overcommit_memory"]),
    ],
)
def test_star_question_mark_and_brackets_match_as_sh_does(pattern: str, names: list[str]) -> None:
    sh = shell()
    assert expand(sh.kernel, [pattern]) == names


def test_a_pattern_that_matches_nothing_stays_and_is_no_such_file() -> None:
    sh = shell()
    assert (
        fails(sh, "cat /proc/sys/vm/nope*") == "cat: /proc/sys/vm/nope*: No such file or directory"
    )
    assert fails(sh, "ls /proc/*/nope") == "ls: /proc/*/nope: No such file or directory"
    assert fails(sh, "ls /proc/[") == "ls: /proc/[: No such file or directory"  # a lone [
    assert fails(sh, "wc -l /proc/meminfo/*") == "wc: /proc/meminfo/*: No such file or directory"


def test_a_grep_pattern_is_not_a_path() -> None:
    """``sy?`` would name /proc/sys as a path; as grep's pattern it is the text ``sy?``."""
    sh = shell()
    assert ok(sh, "echo 'sy?' | grep 'sy?'") == "sy?"
    assert ok(sh, "echo 'sy?' | grep -F sy?") == "sy?"


def test_too_many_names_is_argument_list_too_long() -> None:
    """7,000 tasks: ``/proc/*/oom_score`` is 150 KB of names, past 2.4's 128 KB."""
    sh = shell(
        machine(*[TaskSpec(comm="t", total_vm=8, rss=1) for _ in range(7000)], ram_pages=1 << 18)
    )
    out = fails(sh, "ls /proc/*/oom_score", 126)
    assert out == "ls: /proc/*/oom_score: Argument list too long"
    assert fails(sh, "cat /proc/*/oom_score | wc -l", 0).splitlines() == [
        "cat: /proc/*/oom_score: Argument list too long",
        "      0",
    ]
    assert ok(sh, "cat /proc/1???/oom_score | wc -l") == "   1000"  # 1000 to 1999: fits
    with pytest.raises(GlobError):
        expand(sh.kernel, ["/proc/*"] * (ARG_MAX // 4000))


def test_each_directory_is_listed_once_whatever_the_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``/proc/*/../*`` names /proc once for each task: it is listed once, and the pattern
    stops at :data:`~moomtui.shell.globs.MAX_PATHS` partial paths, not tasks squared."""
    sh = shell(
        machine(*[TaskSpec(comm="t", total_vm=8, rss=1) for _ in range(3000)], ram_pages=1 << 18)
    )
    listed: list[str] = []
    real = globs.list_proc

    def counted(k: object, path: str) -> list[str]:
        listed.append(path)
        return real(k, path)  # type: ignore[arg-type]

    monkeypatch.setattr(globs, "list_proc", counted)
    with pytest.raises(GlobError) as err:
        expand(sh.kernel, ["/proc/*/../*"])
    assert str(err.value) == "/proc/*/../*: Argument list too long"
    entries = len(real(sh.kernel, "/proc"))  # each looked into once, and /proc itself
    assert len(listed) == len(set(listed)) <= entries + 1
    assert listed.count("/proc") == 1
    listed.clear()
    dirs = [*sh.kernel.tasks, "sys"]  # /proc/sys/.. is /proc too
    assert expand(sh.kernel, ["/proc/*/../1"]) == sorted(f"/proc/{d}/../1" for d in dirs)
    assert len(listed) == len(set(listed)) <= entries + 1


def test_a_long_pattern_against_many_names_is_cheap() -> None:
    """A name is matched in time of its own length: a pattern with more characters than a
    name has is passed over at once, and stars between them cost a scan each."""
    sh = shell(
        machine(*[TaskSpec(comm="t", total_vm=8, rss=1) for _ in range(3000)], ram_pages=1 << 18)
    )
    hostile = "/proc/" + "*a" * 1500 + "/status"
    assert expand(sh.kernel, [hostile]) == [hostile]
    component = Component(_units("*a*b*c*d") or [])
    assert component.needed == 4
    assert component.match("xaxbxcxd") and not component.match("abdc")


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(st.text(alphabet="ab*?[]!", max_size=8), st.text(alphabet="ab!]", max_size=8))
def test_a_component_matches_as_fnmatch_does(pattern: str, name: str) -> None:
    units = _units(pattern)
    expected = fnmatch.fnmatchcase(name, pattern)
    if units is None:  # no wildcard: the name is the pattern itself
        assert (name == pattern) == expected
    else:
        assert Component(units).match(name) == expected


@pytest.mark.parametrize("pattern", ["[a-c]x", "[!a-c]*", "x[-a]", "[a-]", "[c-a]", "[]-a]*"])
@pytest.mark.parametrize("name", ["ax", "bx", "dx", "x-", "xa", "a", "-", "]", "c", "b"])
def test_a_range_matches_as_fnmatch_does(pattern: str, name: str) -> None:
    units = _units(pattern)
    assert units is not None
    assert Component(units).match(name) == fnmatch.fnmatchcase(name, pattern)
