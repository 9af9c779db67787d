"""Preset files: strict validation with one-line errors that name the key path."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moomtui.kernel.constants import CAP_FULL_SET, HZ, cap_mask
from moomtui.presets import (
    SCORE_UNITS,
    PresetError,
    ScoreRule,
    list_presets,
    load_preset,
    parse_preset,
)

GOOD = """
name = "t"
[machine]
ram = "32M"
[[tasks]]
comm = "a"
pid = 400
program = "leak"
args = { rate = "64K/s" }
"""


def error_of(text: str) -> str:
    with pytest.raises(PresetError) as info:
        parse_preset(textwrap.dedent(text), "presets/x.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("presets/x.toml: ")
    return message


def test_a_good_preset_becomes_a_boot_spec() -> None:
    s = parse_preset(GOOD, "presets/x.toml")
    assert s.spec.ram_pages == 8192
    (task,) = s.spec.tasks
    assert (task.comm, task.pid, task.program, task.args) == ("a", 400, "leak", {"rate": "64K/s"})
    assert s.length == 600 * HZ


def test_the_documented_example_error() -> None:
    msg = error_of(GOOD + 'nice = "high"\n')
    assert msg == ('presets/x.toml: tasks[0].nice: expected an integer from -20 to 19, got "high"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "t"\nname = "u"\n', "line 2"),
        ('name = "t"\ncolour = 1\n', "colour: unknown key"),
        ('name = "t"\n[machine]\nram = 64\n', "machine.ram: expected a size from 4M to 64G"),
        ('name = "t"\n[machine]\nram = "lots"\n', "machine.ram: expected a size like"),
        ('name = "t"\n[machine]\ncpus = 0\n', "machine.cpus: expected an integer from 1 to 64"),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\nrss = "4M"\ntotal_vm = "1M"\n',
            "tasks[0].rss: expected at most total_vm",
        ),
        (
            'name = "t"\n[machine]\nram = "8M"\n[[tasks]]\ncomm = "a"\nrss = "9M"\n',
            "tasks: the kernel, page cache and resident memory of the tasks need",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\nprogram = "rocket"\n',
            "tasks[0].program: unknown program",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\nprogram = "leak"\nargs = { rate = "fast" }\n',
            "tasks[0].args.rate: expected a rate like",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\npid = 400\n[[tasks]]\ncomm = "b"\npid = 400\n',
            "tasks[1].pid: duplicate pid",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\nppid = 999\n',
            "tasks[0].ppid: no task has that pid (yet)",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\npid = 400\nppid = 401\n'
            '[[tasks]]\ncomm = "b"\npid = 401\nppid = 400\n',
            "tasks[0].ppid: is created later",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\npid = 400\nppid = 400\n',
            "tasks[0].ppid: a task cannot be its own parent (cycle)",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "averyveryverylongname"\n',
            "tasks[0].comm: expected 1 to 15 printable characters",
        ),
        (
            'name = "t"\n[[tasks]]\ncomm = "a"\ncaps = ["CAP_FLY"]\n',
            "tasks[0].caps[0]: unknown capability",
        ),
        (
            'name = "t"\n[kernel]\nconfig = { CONFIG_OOM_KILL = "yes" }\n',
            'kernel.config.CONFIG_OOM_KILL: expected "y", "m" or "n", got "yes"',
        ),
        (
            'name = "t"\n[kernel]\nconfig = { CONFIG_OOM_FOO = "y" }\n',
            "kernel.config.CONFIG_OOM_FOO: unknown key",
        ),
        (
            'name = "t"\n[kernel]\nmodules = ["oom_foo"]\n',
            "kernel.modules[0]: insmod: oom_foo: no module by that name found",
        ),
        (
            'name = "t"\n[kernel]\nconfig = { CONFIG_OOM_KPPID = "m" }\n'
            'modules = ["oom_kill_parent oom_parent_max=lots"]\n',
            "kernel.modules[0]: insmod: oom_kill_parent: invalid argument syntax for "
            "oom_parent_max: 'l'",
        ),
        (
            'name = "t"\n[kernel]\nmodules = ["oom_kill_parent"]\n',
            "kernel.modules[0]: insmod: oom_kill_parent: not built (CONFIG_OOM_KPPID=n)",
        ),
        (
            'name = "t"\n[kernel]\nsysctl = { "vm.nothing" = 1 }\n',
            'kernel.sysctl."vm.nothing": No such file or directory',
        ),
        ('name = "t"\n[[events]]\nat = "1s"\nrun = "frobnicate"\n', "events[0].run:"),
        (
            'name = "t"\n[[events]]\nat = "soon"\nrun = "lsmod"\n',
            "events[0].at: expected a duration like",
        ),
        ('name = "t"\n[goals]\nmax_kills = -1\n', "goals.max_kills: expected an integer"),
        ('name = "t"\n[goals]\nhands_off = "yes"\n', "goals.hands_off: expected true or false"),
        ('name = "t"\n[score]\nby = "fun"\npar = 1\n', "score.by: expected one of work_lost,"),
        ('name = "t"\n[score]\nby = "kills"\n', "score.par: missing"),
        ('name = "t"\n[score]\nby = "work_lost"\npar = "soon"\n', "score.par: expected a"),
        ('name = "t"\n[score]\nby = "least_surprise"\npar = 2\n', "score.par: expected a share"),
        ('name = "t"\nhint = "a\\u001b[2J"\n', "hint: expected printable text"),
        ('name = "t"\ncolumns = ["nice", "pid"]\n', "columns[1]: expected a task column"),
        ('name = "t"\ncolumns = "nice"\n', "columns: expected an array of strings"),
        ("description = 'no name'\n", "name: missing"),
    ],
)
def test_each_error_class_is_one_line_naming_the_key(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_a_game_preset_has_its_hint_and_score_in_the_cards_units() -> None:
    text = (
        'name = "t"\nhint = "try renice"\n[goals]\nhands_off = true\n'
        '[score]\nby = "mem_per_kill"\npar = "16M"\n'
    )
    sc = parse_preset(text, "t.toml")
    assert (sc.hint, sc.goals, sc.score) == (
        "try renice",
        {"hands_off": True},
        ScoreRule("mem_per_kill", 4096),
    )
    columns = parse_preset('name = "t"\ncolumns = ["nice", "flags", "nice"]\n', "t.toml")
    assert columns.columns == ("nice", "flags")
    minutes = parse_preset('name = "t"\n[score]\nby = "livelock"\npar = "2m"\n', "t.toml")
    assert minutes.score == ScoreRule("livelock", 120.0)


def test_the_score_units_name_every_criterion_of_the_card() -> None:
    from moomtui.game import CRITERIA

    assert list(SCORE_UNITS) == [c.key for c in CRITERIA]


def test_caps_default_to_the_full_set_for_root_like_2_4_exec() -> None:
    s = parse_preset(
        'name = "t"\n[[tasks]]\ncomm = "r"\nuid = 0\n[[tasks]]\ncomm = "u"\nuid = 1000\n'
        '[[tasks]]\ncomm = "c"\nuid = 0\ncaps = ["CAP_SYS_ADMIN"]\n',
        "x",
    )
    root, user, listed = s.spec.tasks
    assert root.effective_caps() == CAP_FULL_SET
    assert user.effective_caps() == 0
    assert listed.effective_caps() == cap_mask(["CAP_SYS_ADMIN"])


def test_count_makes_copies_and_set_overrides_keys() -> None:
    s = parse_preset(
        'name = "t"\n[[tasks]]\ncomm = "d"\ncount = 5\n', "x", overrides=["machine.swap=64M"]
    )
    assert [t.comm for t in s.spec.tasks] == ["d"] * 5
    assert s.spec.swap_pages == 16384


SYSCTL_SPELLINGS = [
    '[kernel]\nsysctl = { "vm.overcommit_memory" = 0, "kernel.panic" = 5 }\n',
    "[kernel.sysctl]\nvm.overcommit_memory = 0\nkernel.panic = 5\n",
    "[kernel.sysctl.vm]\novercommit_memory = 0\n[kernel.sysctl.kernel]\npanic = 5\n",
]


@pytest.mark.parametrize("spelling", SYSCTL_SPELLINGS, ids=["quoted", "dotted", "tables"])
def test_a_sysctl_is_named_quoted_or_by_dotted_keys(spelling: str) -> None:
    s = parse_preset('name = "t"\n' + spelling, "x.toml")
    assert s.spec.sysctl == {"vm.overcommit_memory": 0, "kernel.panic": 5}


@pytest.mark.parametrize("spelling", SYSCTL_SPELLINGS, ids=["quoted", "dotted", "tables"])
def test_set_names_a_sysctl_dots_and_all_however_the_preset_spells_it(spelling: str) -> None:
    """``--set kernel.sysctl.vm.overcommit_memory=1``: the rest of the key is one sysctl's
    name; it replaces the preset's own setting, and the machine boots with it."""
    from moomtui.sim import Simulation

    s = parse_preset(
        'name = "t"\n' + spelling,
        "x.toml",
        overrides=["kernel.sysctl.vm.overcommit_memory=1"],
    )
    assert s.spec.sysctl == {"vm.overcommit_memory": 1, "kernel.panic": 5}
    k = Simulation(s).kernel
    assert (k.sysctl.read("vm.overcommit_memory"), k.sysctl.read("kernel.panic")) == ("1\n", "5\n")


def test_set_reaches_a_modules_sysctl_of_three_parts() -> None:
    from moomtui.sim import Simulation

    s = load_preset(
        "leaky-apache",
        overrides=['kernel.modules=["oom_kill_parent"]', "kernel.sysctl.vm.oom.oom_parent_max=3"],
    )
    assert s.spec.sysctl["vm.oom.oom_parent_max"] == 3
    assert Simulation(s).kernel.sysctl.read("vm.oom.oom_parent_max") == "3\n"


@pytest.mark.parametrize(
    ("text", "overrides", "expected"),
    [
        (
            '[kernel.sysctl]\nvm.overcommit_memory = 1\n"vm.overcommit_memory" = 0\n',
            [],
            'kernel.sysctl."vm.overcommit_memory": set twice '
            "(also at kernel.sysctl.vm.overcommit_memory)",
        ),
        (
            '[kernel.sysctl]\n"vm/overcommit_memory" = 1\n"vm.overcommit_memory" = 0\n',
            [],
            'kernel.sysctl."vm.overcommit_memory": set twice '
            '(also at kernel.sysctl."vm/overcommit_memory")',
        ),
        ("[kernel.sysctl]\nvm.overcommit_memory = true\n", [], "expected an integer"),
        ("", ["kernel.sysctl.vm.nothing=1"], 'kernel.sysctl."vm.nothing": No such file'),
        ("", ["kernel.sysctl.a.b.c.d.e.f.g=1"], "expected KEY=VALUE"),
        ("", ["machine.a.b.c.d=1"], "expected KEY=VALUE"),
        ("", ["kernel.sysctl=1"], "kernel.sysctl: expected a table"),
    ],
)
def test_sysctl_mistakes_are_one_line(text: str, overrides: list[str], expected: str) -> None:
    with pytest.raises(PresetError) as info:
        parse_preset('name = "t"\n' + text, "x.toml", overrides=overrides)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_every_shipped_preset_loads() -> None:
    infos = list_presets()
    keys = {p.key for p in infos}
    assert {"leaky-apache", "fork-bomb", "no-oom", "bench"} <= keys
    assert len(keys - {"bench"}) >= 8
    for info in infos:
        scenario = load_preset(info.key)
        assert scenario.description, info.key


def test_missing_file_and_unknown_name_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match=r"nope\.toml: No such file or directory$"):
        load_preset(tmp_path / "nope.toml")
    with pytest.raises(PresetError, match="no such preset"):
        load_preset("no-such-preset")


@pytest.mark.slow
@settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "name",
                        "machine",
                        "ram",
                        "swap",
                        "tasks",
                        "comm",
                        "rss",
                        "total_vm",
                        "pid",
                        "ppid",
                        "program",
                        "args",
                        "rate",
                        "kernel",
                        "config",
                        "modules",
                        "sysctl",
                        "events",
                        "at",
                        "run",
                        "goals",
                        "nice",
                        "caps",
                        "threads",
                        "count",
                        "x",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_random_documents_never_raise_anything_but_preset_error(
    fuzz_examples: Counter[str], doc
) -> None:
    import tomllib  # noqa: F401 - the documents are built as TOML text below

    fuzz_examples["preset documents"] += 1
    text = _to_toml(doc)
    try:
        parse_preset(text, "fuzz.toml")
    except PresetError as err:
        assert "\n" not in str(err)


def _to_toml(doc: object) -> str:
    """A rough TOML rendering of random data (may be invalid TOML, which is fine)."""
    import json

    if not isinstance(doc, dict):
        return f"name = {json.dumps(str(doc))}\nvalue = {json.dumps(doc)}\n"
    lines = []
    for key, value in doc.items():
        lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(v: object) -> str:
    import json

    if v is None:
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    return '""'


def test_a_preset_holds_at_most_1000_events() -> None:
    """``check`` took any number of events, each a command run on the machine."""
    event = '[[events]]\nat = "1s"\nrun = "ls"\n'
    parse_preset('name = "t"\n' + event * 1000, "x")
    with pytest.raises(PresetError, match=r"^x: events: expected at most 1000 events, got 1001$"):
        parse_preset('name = "t"\n' + event * 1001, "x")
