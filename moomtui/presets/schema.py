"""The preset format as a JSON Schema, for editors that complete and check TOML with one.

Made from the format's own tables — the keys of :mod:`.fields`, the programs' declared
parameters (:class:`~moomtui.userland.base.Param`), the Kconfig options, the sysctls a
machine and its modules register, the patterns of :mod:`moomtui.kernel.units` — so it says
what the checker accepts, key for key. It is JSON Schema draft-07, the draft TOML language
servers check with. ``moomtui schema`` prints it; the package ships it as
``moomtui/presets/preset.schema.json`` (a test holds the file to what this module makes);
docs/presets.md says how to point an editor at it.

A schema can say less than the checker, never more: what only a boot finds out (a module
that refuses its parameters, memory that does not fit), cross-key rules (``rss`` within
``total_vm``, a ``ppid`` naming an earlier task) and the bounds of a size written as text
are left to ``moomtui check``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..kernel.constants import HZ
from ..kernel.kconfig import KCONFIG_MODULES, KCONFIG_OPTIONS, KCONFIG_PROMPTS

# The parsers' own patterns: a form the units module learns, the schema learns with it
# (tests/test_preset_schema.py holds the two to the same answers).
from ..kernel.units import _COMPOUND_TWO, _DURATION, _PAGES, _SIZE, MAX_DURATION, MAX_SIZE
from .families import MAX_CHOICES
from .fields import SECTIONS, Key, program_names
from .scenario import SCORE_UNITS

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_FILE = Path(__file__).with_name("preset.schema.json")
"""The schema as the package ships it."""
SYSCTL_VALUE_MAX = 1 << 32
"""What ``kernel.sysctl`` integers may be, either way from 0 (the checker's bound)."""
PAR_COUNT_MAX = 1_000_000

Schema = dict[str, Any]
NOT_PRINTED = r"\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029"
"""What a screen must not be sent (control characters), as a character class: the checker
asks more of text shown on screens (``str.isprintable``), but these are what matter."""


def _anchored(pattern: str) -> str:
    """A ``re.fullmatch`` pattern as a JSON Schema ``pattern`` (which searches)."""
    return f"^(?:{pattern})$"


def _size_text() -> str:
    return f"{_SIZE.pattern}|{_PAGES.pattern}"


def definitions() -> dict[str, Schema]:
    """The value kinds keys share: sizes, rates, durations, sysctl values."""
    return {
        "size": {
            "description": 'A size: "64M", "512K", "1G", "300 pages", or a number of bytes.',
            "anyOf": [
                {"type": "string", "pattern": _anchored(_size_text())},
                {"type": "integer", "minimum": 0, "maximum": MAX_SIZE},
            ],
        },
        "rate": {
            "description": 'A rate: a size per second ("256K/s", "10 pages/s"), or a number '
            "of bytes per second.",
            "anyOf": [
                {"type": "string", "pattern": _anchored(rf"\s*(?:{_size_text()})/s\s*")},
                {"type": "integer", "minimum": 0, "maximum": MAX_SIZE},
            ],
        },
        "duration": {
            "description": 'A duration: "90s", "500ms", "2m", "1h", "1m30s", "1h02m", "250j" '
            f"(jiffies, HZ = {HZ}), or a number of seconds; at most 24h.",
            "anyOf": [
                {
                    "type": "string",
                    "pattern": _anchored(f"{_DURATION.pattern}|{_COMPOUND_TWO}"),
                },
                {"type": "number", "minimum": 0, "maximum": MAX_DURATION // HZ},
            ],
        },
        "sysctl_value": {
            "anyOf": [
                {"type": "integer", "minimum": -SYSCTL_VALUE_MAX, "maximum": SYSCTL_VALUE_MAX},
                {"type": "string", "maxLength": 200},
                {
                    "type": "object",
                    "description": "The next parts of dotted sysctl names.",
                    "additionalProperties": {"$ref": "#/definitions/sysctl_value"},
                },
            ]
        },
    }


def _key(key: Key) -> Schema:
    """The schema of one key's value."""
    doc = {"description": key.doc}
    kind = key.kind
    if kind in ("text", "string", "command"):
        out: Schema = {"type": "string"}
        if kind == "text":
            out["pattern"] = _anchored(rf"[^{NOT_PRINTED}]*")
        if key.max_len is not None:
            out["maxLength"] = key.max_len
        return {**doc, **out}
    if kind == "comm":
        return {**doc, "type": "string", "pattern": _anchored(rf"[^\n{NOT_PRINTED}]{{1,15}}")}
    if kind == "integer":
        return {**doc, "type": "integer", "minimum": key.lo, "maximum": key.hi}
    if kind == "boolean":
        return {**doc, "type": "boolean"}
    if kind in ("size", "rate", "duration"):
        return {**doc, "$ref": f"#/definitions/{kind}"}
    if kind == "choice":
        return {**doc, "enum": list(key.choices)}
    if kind == "program":
        return {**doc, "enum": list(program_names())}
    if kind == "strings":
        items: Schema = {"type": "string"}
        if key.choices:
            items = {"enum": list(key.choices)}
        return {**doc, "type": "array", "items": items}
    if kind == "modules":
        return {**doc, "type": "array", "items": {"type": "string"}}
    if kind == "kconfig":
        return {**doc, **_kconfig()}
    if kind == "sysctl":
        return {**doc, **_sysctl()}
    if kind == "args":
        return {**doc, "type": "object"}
    if kind == "par":
        return {
            **doc,
            "anyOf": [
                {"$ref": "#/definitions/duration"},
                {"$ref": "#/definitions/size"},
                {"type": "number", "minimum": 0, "maximum": PAR_COUNT_MAX},
            ],
        }
    if kind == "table":
        return {**doc, "$ref": f"#/definitions/{key.name}"}
    if kind == "tables":
        return {**doc, "type": "array", "items": {"$ref": f"#/definitions/{key.name}"}}
    raise AssertionError(f"{key.name}: no schema for kind {kind!r}")


def _table(section: str) -> Schema:
    keys = SECTIONS[section]
    out: Schema = {
        "type": "object",
        "properties": {key.name: _key(key) for key in keys},
        "additionalProperties": False,
    }
    required = [key.name for key in keys if key.required]
    if required:
        out["required"] = required
    return out


def _kconfig() -> Schema:
    return {
        "type": "object",
        "properties": {
            option: {
                "description": f"{KCONFIG_PROMPTS[option]}: {KCONFIG_MODULES[option]} built in "
                "(y), a module (m) or absent (n).",
                "enum": ["y", "m", "n"],
            }
            for option in KCONFIG_OPTIONS
        },
        "additionalProperties": False,
    }


def known_sysctls() -> dict[str, tuple[str, int | str]]:
    """Every sysctl a machine has — the kernel's, then each module's while it is loaded —
    with who registers it and its value at boot (moomtui's own modules only: the schema is
    the same wherever it is made)."""
    from ..kernel import BootSpec
    from ..kernel.module import ModuleError
    from ..machine import boot
    from ..modules import REGISTRY

    spec = BootSpec(name="schema")
    spec.kconfig = dict.fromkeys(KCONFIG_OPTIONS, "m")
    k = boot(spec, registry=REGISTRY)
    out: dict[str, tuple[str, int | str]] = {}

    def note(owner: str) -> None:
        registered = k.sysctl.keys()  # the tree's files, not a dict's keys
        for name in registered:
            if name not in out:
                text = " ".join(k.sysctl.read(name).split())  # kernel.printk: "7 4 1 7"
                out[name] = (owner, int(text) if text.lstrip("-").isdigit() else text)

    note("the kernel")
    for name in sorted(REGISTRY):
        try:
            module = k.modules.insmod(name)
        except ModuleError:
            continue
        note(name)
        if module is not None:
            k.modules.rmmod(name)
    return out


def _sysctl() -> Schema:
    properties: Schema = {}
    for name, (owner, value) in sorted(known_sysctls().items()):
        where = "the kernel's" if owner == "the kernel" else f"{owner}'s, while it is loaded"
        properties[name] = {
            "description": f"/proc/sys/{name.replace('.', '/')}: {where} (at boot: {value}).",
            "$ref": "#/definitions/sysctl_value",
        }
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": {"$ref": "#/definitions/sysctl_value"},
    }


def _args(program: str) -> Schema:
    """A program's ``args``: its own parameters and the common ones, as it declares them."""
    from ..userland import PROGRAMS

    cls = PROGRAMS[program]
    properties: Schema = {}
    for name, param in cls.all_params().items():
        out: Schema = {"description": param.doc}
        if param.kind == "int":
            top = param.maximum if param.maximum is not None else (1 << 31) - 1
            out.update(type="integer", minimum=param.minimum, maximum=top)
        elif param.kind == "bool":
            out["type"] = "boolean"
        elif param.kind in ("size", "rate", "duration"):
            out["$ref"] = f"#/definitions/{param.kind}"
        elif param.kind == "choice":
            out["enum"] = list(param.choices)
        elif param.kind == "program":
            out["enum"] = sorted(PROGRAMS)
        else:
            raise AssertionError(f"{program}.{name}: no schema for kind {param.kind!r}")
        properties[name] = out
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if cls.accepts_extra("child_"):
        schema["patternProperties"] = {
            "^child_": {"description": "An argument of the workers' program (child)."}
        }
    return schema


def _task() -> Schema:
    """A task: its keys, and ``args`` as its ``program`` (idle if none) declares them."""
    task = _table("tasks")
    rules: list[Schema] = [
        {"if": {"not": {"required": ["program"]}}, "then": {"properties": {"args": _args("idle")}}}
    ]
    for program in program_names():
        rules.append(
            {
                "if": {"properties": {"program": {"const": program}}, "required": ["program"]},
                "then": {"properties": {"args": _args(program)}},
            }
        )
    task["allOf"] = rules
    return task


def _score() -> Schema:
    """``[score]``: ``par`` in the unit of the criterion ``by`` names."""
    score = _table("score")
    units = {
        "seconds": {"$ref": "#/definitions/duration"},
        "pages": {"$ref": "#/definitions/size"},
        "count": {"type": "integer", "minimum": 0, "maximum": PAR_COUNT_MAX},
        "share": {"type": "number", "minimum": 0, "maximum": 1},
    }
    score["allOf"] = [
        {
            "if": {
                "properties": {"by": {"enum": [by for by, u in SCORE_UNITS.items() if u == unit]}},
                "required": ["by"],
            },
            "then": {"properties": {"par": par}},
        }
        for unit, par in units.items()
    ]
    return score


# ------------------------------------------------------------------ workload families
TABLES = ("machine", "kernel", "tasks", "events", "goals", "score")
"""The definitions that are tables of keys, not values."""
_VALUE_TYPES = ("integer", "number", "string", "boolean")
DISTRIBUTION = "#/definitions/distribution"


def _pair(description: str) -> Schema:
    return {"description": description, "type": "array", "minItems": 2, "maxItems": 2}


def _distribution() -> Schema:
    """A workload family's one-key table (:mod:`.families`): its shape, not its values'
    units (``moomtui check`` draws it at both ends and checks what it draws)."""
    return {
        "description": "A workload family's value, drawn from the run's seed (docs/lab.md): "
        "uniform = [LOW, HIGH], choice = [A, B, …], or lognormal = [MEDIAN, SIGMA] with "
        "within = [LOW, HIGH].",
        "type": "object",
        "oneOf": [
            {
                "properties": {"uniform": _pair("[LOW, HIGH], in one unit")},
                "required": ["uniform"],
                "additionalProperties": False,
            },
            {
                "properties": {
                    "choice": {
                        "description": "The values, each as likely.",
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_CHOICES,
                        "items": {"not": {"type": ["object", "array"]}},
                    }
                },
                "required": ["choice"],
                "additionalProperties": False,
            },
            {
                "properties": {
                    "lognormal": _pair("[MEDIAN, SIGMA]"),
                    "within": _pair("[LOW, HIGH], in the median's unit"),
                },
                "required": ["lognormal", "within"],
                "additionalProperties": False,
            },
        ],
    }


def _is_value(schema: Schema) -> bool:
    """Whether ``schema`` describes one value (a number, a size, a name…), not a table or
    a list: where a family may give a distribution instead."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1] not in TABLES
    if "anyOf" in schema:
        return all(_is_value(s) for s in schema["anyOf"])
    kind = schema.get("type")
    return kind in _VALUE_TYPES or (kind is None and ("enum" in schema or "const" in schema))


def _or_distribution(schema: Schema) -> Schema:
    """``schema`` with a distribution allowed wherever it takes one value (the
    ``properties``, ``additionalProperties``, ``patternProperties`` and ``items`` of its
    tables and lists, and of the rules that give a program's ``args``)."""
    if _is_value(schema):
        doc = {k: schema[k] for k in ("description",) if k in schema}
        rest = {k: v for k, v in schema.items() if k != "description"}
        return {**doc, "anyOf": [rest or {}, {"$ref": DISTRIBUTION}]}
    out = dict(schema)
    for key in ("properties", "patternProperties"):
        if key in out:
            out[key] = {name: _or_distribution(s) for name, s in out[key].items()}
    for key in ("additionalProperties", "items", "then"):
        if isinstance(out.get(key), dict):
            out[key] = _or_distribution(out[key])
    if "allOf" in out:
        out["allOf"] = [_or_distribution(rule) for rule in out["allOf"]]
    return out


def preset_schema() -> Schema:
    """The JSON Schema of a preset file."""
    defs = definitions()
    defs["machine"] = _table("machine")
    defs["kernel"] = _table("kernel")
    defs["tasks"] = _task()
    defs["events"] = _table("events")
    defs["goals"] = _table("goals")
    defs["score"] = _score()
    table = _table("")
    top = _or_distribution(table)
    top["properties"]["seed"] = table["properties"]["seed"]  # the run's, never drawn
    for name in TABLES:
        defs[name] = _or_distribution(defs[name])
    defs["distribution"] = _distribution()
    return {
        "$schema": DRAFT,
        "title": "moomtui preset",
        "description": "A moomtui scenario: the machine, the kernel configuration, the "
        "workload, scripted console commands and goals (docs/presets.md). `moomtui check "
        "FILE` checks what a schema cannot.",
        **top,
        "definitions": defs,
    }


def schema_text() -> str:
    """The schema as ``moomtui schema`` prints it and the package ships it."""
    return json.dumps(preset_schema(), indent=2, ensure_ascii=False) + "\n"
