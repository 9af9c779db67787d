"""The presets' JSON Schema says what the checker accepts: the same keys in the same tables,
the same kinds of value, the same integer bounds; the package ships it as made; every
shipped preset and the documented example are valid under it, as an editor would see them.

Validation is ``jsonschema``'s Draft7Validator: the draft the schema declares, and the one
TOML language servers check with.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from moomtui.kernel.constants import JIFFIES_MASK
from moomtui.kernel.units import UnitError, parse_duration, parse_rate, parse_size
from moomtui.presets import PresetError, families, list_presets
from moomtui.presets.checker import Checker
from moomtui.presets.fields import SECTIONS, Key
from moomtui.presets.schema import SCHEMA_FILE, known_sysctls, preset_schema, schema_text
from moomtui.userland import PROGRAMS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = preset_schema()
VALIDATOR = Draft7Validator(SCHEMA)

BASE: dict[str, Any] = {
    "name": "t",
    "tasks": [{"comm": "a"}],
    "events": [{"at": "1s", "run": "lsmod"}],
    "score": {"by": "kills", "par": 1},
}
"""A valid preset with one of each array's tables, to set one key of at a time."""


def checker_accepts(doc: dict[str, Any]) -> bool:
    try:
        Checker("probe.toml").scenario(copy.deepcopy(doc))
    except PresetError:
        return False
    return True


def schema_accepts(doc: dict[str, Any]) -> bool:
    return VALIDATOR.is_valid(doc)


def with_key(section: str, key: str, value: object, base: dict[str, Any] = BASE) -> dict:
    doc = copy.deepcopy(base)
    if section == "":
        doc[key] = value
    elif section in ("tasks", "events"):
        doc[section][0][key] = value
    else:
        doc.setdefault(section, {})[key] = value
    return doc


def keys_of(kind: str) -> list[tuple[str, Key]]:
    return [(s, key) for s, keys in SECTIONS.items() for key in keys if key.kind == kind]


def test_the_shipped_file_is_the_schema_made_now() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "moomtui/presets/preset.schema.json is stale: "
        "moomtui schema > moomtui/presets/preset.schema.json"
    )


def test_moomtui_schema_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    from moomtui.cli import main

    assert main(["schema"]) == 0
    assert capsys.readouterr().out == SCHEMA_FILE.read_text()


def test_it_is_a_draft_07_schema() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("info", list_presets(include_user=False), ids=lambda i: i.key)
def test_every_shipped_preset_is_valid_under_it(info: Any) -> None:
    doc = tomllib.loads(info.path.read_text())
    assert [e.message for e in VALIDATOR.iter_errors(doc)] == []


def test_the_documented_full_example_is_valid_under_it() -> None:
    text = (ROOT / "docs" / "presets.md").read_text()
    (example,) = [b for b in re.findall(r"```toml\n(.*?)```", text, re.S) if "[machine]" in b]
    doc = tomllib.loads(example)
    assert [e.message for e in VALIDATOR.iter_errors(doc)] == []
    assert checker_accepts(doc)


@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_table_has_the_keys_the_checker_knows(section: str) -> None:
    """The checker's own list, as it words an unknown key, is the schema's."""
    doc = with_key(section, "no_such_key", 1)
    with pytest.raises(PresetError, match=r"unknown key \(known: (.*)\)") as info:
        Checker("probe.toml").scenario(doc)
    known = re.search(r"known: (.*)\)", str(info.value))
    assert known is not None
    table = SCHEMA if section == "" else SCHEMA["definitions"][section]
    assert known[1].split(", ") == list(table["properties"])
    assert table["additionalProperties"] is False
    assert not schema_accepts(doc)
    required = [key.name for key in SECTIONS[section] if key.required]
    assert table.get("required", []) == required


BOUNDS_CONTEXT: dict[str, dict[str, Any]] = {
    # start_time is at most machine.jiffies: probe on a machine whose clock is at its top.
    "tasks.start_time": {**BASE, "machine": {"jiffies": JIFFIES_MASK}},
    # 30000 copies need their kernel memory.
    "tasks.count": {**BASE, "machine": {"ram": "1G"}},
}
ONLY_BELOW: dict[str, str] = {
    "tasks.ppid": "its top (32767) names no task: the checker asks for an earlier one",
}


@pytest.mark.parametrize(
    ("section", "key"),
    [
        pytest.param(s, k, id=f"{s or 'top'}.{k.name}", marks=[pytest.mark.slow])
        if k.name == "count"
        else pytest.param(s, k, id=f"{s or 'top'}.{k.name}")
        for s, k in keys_of("integer")
    ],
)
def test_integer_bounds_are_the_checkers(section: str, key: Key) -> None:
    assert key.lo is not None and key.hi is not None
    path = f"{section}.{key.name}"
    base = BOUNDS_CONTEXT.get(path, BASE)
    inside = [key.lo] if path in ONLY_BELOW else [key.lo, key.hi]
    for value in inside:
        doc = with_key(section, key.name, value, base)
        assert checker_accepts(doc) and schema_accepts(doc), (path, value)
    for value in (key.lo - 1, key.hi + 1):
        doc = with_key(section, key.name, value, base)
        assert not checker_accepts(doc) and not schema_accepts(doc), (path, value)


GOOD = {
    "text": "x",
    "string": "x",
    "comm": "x",
    "boolean": True,
    "size": "1M",
    "rate": "64K/s",
    "duration": "1s",
    "program": "idle",
    "command": "lsmod",
    "modules": [],
    "kconfig": {},
    "sysctl": {},
    "args": {},
    "strings": [],
    "table": {},
    "tables": [],
}
GOOD_FOR: dict[str, object] = {
    "score": BASE["score"],  # by and par are required
    "ram": "64M",  # at least 4M
    "swap": "0",  # a task's swap needs the machine's
    "caps": ["CAP_KILL"],
}
WRONG: dict[str, list[object]] = {
    "text": [1, ["x"], "\x1b[31mred", "a\u2028b"],
    "string": [1, True],
    "comm": [1, "", "sixteen-letters!", "a\nb", "\x1b[31m"],
    "boolean": ["yes", 1],
    "size": ["lots", True, -1, 1.5],
    "rate": ["1M", True, "fast/s"],
    "duration": ["soon", True, -1, "1 fortnight"],
    "program": ["rocket", 1],
    "command": [1, ["lsmod"]],
    "modules": ["oom_kill", [1]],
    "kconfig": ["y", {"CONFIG_NOPE": "y"}, {"CONFIG_OOM_KILL": "yes"}],
    "sysctl": ["x", {"kernel.panic": True}, {"kernel.panic": 2**33}],
    "args": ["x", {"nope": 1}],
    "strings": ["x", [1]],
    "choice": ["nope", 1],
    "table": ["x", 1],
    "tables": ["x", {}],
}


@pytest.mark.parametrize(
    ("section", "key"),
    [(s, k) for s, keys in SECTIONS.items() for k in keys if k.kind not in ("integer", "par")],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_each_key_takes_the_same_kind_of_value(section: str, key: Key) -> None:
    good = key.choices[0] if key.kind == "choice" else GOOD[key.kind]
    good = GOOD_FOR.get(key.name, good)
    doc = with_key(section, key.name, good)
    assert checker_accepts(doc) and schema_accepts(doc), (section, key.name, good)
    for bad in WRONG[key.kind]:
        doc = with_key(section, key.name, bad)
        assert not checker_accepts(doc), (section, key.name, bad)
        assert not schema_accepts(doc), (section, key.name, bad)


@pytest.mark.parametrize(
    ("by", "good", "bad"),
    [
        ("work_lost", "10s", "lots"),
        ("mem_per_kill", "4M", "4 kills"),
        ("kills", 3, "3s"),
        ("least_surprise", 0.5, 2),
    ],
)
def test_a_par_is_in_its_criterions_unit(by: str, good: object, bad: object) -> None:
    for par, ok in ((good, True), (bad, False)):
        doc = {**BASE, "score": {"by": by, "par": par}}
        assert checker_accepts(doc) is ok and schema_accepts(doc) is ok, (by, par)


@pytest.mark.parametrize("program", sorted(set(PROGRAMS) - {"init", "thread"}))
def test_a_programs_args_are_its_declared_parameters(program: str) -> None:
    """Each integer parameter's bounds, a wrong kind for every other, an unknown name."""
    task = {"comm": "a", "program": program}
    for name, param in PROGRAMS[program].all_params().items():
        if param.kind == "int":
            top = param.maximum if param.maximum is not None else (1 << 31) - 1
            cases = [(param.minimum, True), (top, True), (param.minimum - 1, False)]
            cases.append((top + 1, False))
        else:
            cases = [({}, False)]
        for value, ok in cases:
            doc = {**BASE, "tasks": [{**task, "args": {name: value}}]}
            if ok and name == "children":
                doc["machine"] = {"ram": "1G"}
            assert checker_accepts(doc) is ok, (program, name, value)
            assert schema_accepts(doc) is ok, (program, name, value)
    doc = {**BASE, "tasks": [{**task, "args": {"no_such_arg": 1}}]}
    assert not checker_accepts(doc) and not schema_accepts(doc)


def test_no_program_means_idle_and_its_args() -> None:
    for args, ok in (({"rss": "1M"}, True), ({"rate": "1M/s"}, False)):
        doc = {**BASE, "tasks": [{"comm": "a", "args": args}]}
        assert checker_accepts(doc) is ok and schema_accepts(doc) is ok, args


@pytest.mark.parametrize(
    ("parse", "kind", "texts"),
    [
        (parse_size, "size", ["64M", "512K", "1G", "4096", "300 pages", "1 page", " 2 M ",
                              "1.5M", "64MB", "64m", "M", "64T", "-1M", "1e3", "64 M pages"]),
        (parse_rate, "rate", ["256K/s", "10 pages/s", " 1M/s ", "1M", "/s", "1M/m"]),
        (parse_duration, "duration", ["90s", "500ms", "2m", "1h", "250j", "3 jiffies", "1.5s",
                                      "12", "s", "1d", "-1s", "1m30s"]),
    ],
)  # fmt: skip
def test_the_patterns_are_the_unit_parsers(parse: Any, kind: str, texts: list[str]) -> None:
    """A text the schema's pattern takes is one the parser reads (within its bounds)."""
    pattern = SCHEMA["definitions"][kind]["anyOf"][0]["pattern"]
    for text in texts:
        try:
            parse(text)
            parsed = True
        except UnitError:
            parsed = False
        assert (re.search(pattern, text) is not None) is parsed, (kind, text)


def test_every_sysctl_it_names_can_be_set() -> None:
    """Each named sysctl, set to its value at boot with its module loaded, is accepted."""
    properties = SCHEMA["definitions"]["kernel"]["properties"]["sysctl"]["properties"]
    sysctls = known_sysctls()
    assert {"kernel.panic", "vm.overcommit_memory", "vm.oom.oom_parent_max"} <= set(sysctls)
    assert list(properties) == sorted(sysctls)
    config = {"CONFIG_OOM_PANIC": "m", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"}
    for name, (owner, value) in sysctls.items():
        modules = [] if owner == "the kernel" else [owner]
        sysctl = {name: value}
        doc = {**BASE, "kernel": {"config": config, "modules": modules, "sysctl": sysctl}}
        assert checker_accepts(doc) and schema_accepts(doc), name


def test_a_sysctl_is_spelt_quoted_or_dotted_under_both() -> None:
    quoted = tomllib.loads('name = "t"\n[kernel]\nsysctl = { "vm.overcommit_memory" = 1 }\n')
    dotted = tomllib.loads('name = "t"\n[kernel.sysctl]\nvm.overcommit_memory = 1\n')
    for doc in (quoted, dotted):
        assert checker_accepts(doc) and schema_accepts(doc)


# ------------------------------------------------------------------ workload families
def test_a_workload_family_is_valid_where_it_draws_a_value() -> None:
    """A family (docs/lab.md) gives a distribution wherever a value goes: the shipped
    example, and one in each kind of place — a machine's size, a task's argument, a
    sysctl, a Kconfig option, an event's time."""
    family = tomllib.loads((ROOT / "examples/sweeps/prefork-leaks.toml").read_text())
    assert schema_accepts(family) and checker_accepts_family(family)
    places = [
        ("machine", "ram", {"uniform": ["32M", "64M"]}),
        ("kernel", "sysctl", {"kernel.panic": {"choice": [0, 10]}}),
        ("kernel", "config", {"CONFIG_OOM_KILL": {"choice": ["y", "m"]}}),
        ("events", "at", {"lognormal": ["2s", 0.5], "within": ["1s", "5s"]}),
    ]
    for section, key, value in places:
        doc = with_key(section, key, value)
        assert schema_accepts(doc) and checker_accepts_family(doc), (section, key)
    doc = copy.deepcopy(BASE)
    doc["tasks"][0].update(program="leak", args={"rate": {"uniform": ["32K/s", "256K/s"]}})
    assert schema_accepts(doc) and checker_accepts_family(doc)


@pytest.mark.parametrize(
    "value",
    [
        {"uniform": ["1s"]},  # one end
        {"choice": []},
        {"choice": [{"a": 1}]},  # a table is not one value
        {"lognormal": ["2s", 0.5]},  # unbounded
        {"uniform": ["1s", "2s"], "choice": [1]},  # two kinds
    ],
)
def test_a_malformed_distribution_is_refused_by_both(value: object) -> None:
    doc = with_key("machine", "ram", value)
    assert not schema_accepts(doc) and not checker_accepts_family(doc)


def test_the_seed_is_never_drawn() -> None:
    doc = with_key("", "seed", {"choice": [1, 2]})
    assert not schema_accepts(doc) and not checker_accepts_family(doc)


def checker_accepts_family(doc: dict[str, Any]) -> bool:
    """The checker after the draw, as ``moomtui check`` reads a family."""
    data = copy.deepcopy(doc)
    try:
        families.draw(data, 0)
        Checker("probe.toml").scenario(data)
    except (PresetError, families.FamilyError):
        return False
    return True
