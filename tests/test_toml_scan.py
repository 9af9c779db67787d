"""TOML bounded before it is parsed (moomtui/toml_scan.py, :func:`scan_toml`).

The pre-scan must refuse a document whose shape passes a bound *before* ``tomllib`` builds
anything (``tomllib``'s cost grows with the square of a dotted key's parts: 80 KB cost 6 GB),
must read every valid document exactly as ``tomllib`` does (strings of four kinds, comments,
headers, inline tables), and must never refuse a shipped preset, theme or doc example.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui import toml_scan
from moomtui.presets import PresetError, list_presets, load_preset, parse_preset
from moomtui.toml_scan import (
    MAX_TOML_ARRAY,
    MAX_TOML_KEYS,
    MAX_TOML_STRING,
    MAX_TOML_TABLES,
    TomlError,
    loads_toml,
    scan_toml,
    toml_head,
)
from moomtui.tui.themes import ThemeError, load_theme_file

ROOT = Path(__file__).resolve().parents[1]
DOTTED = 'name = "x"\n' + "a" + ".a" * 40_000 + " = 1\n"
"""The reproduction: 80 KB of one dotted key."""


@pytest.fixture
def no_tomllib(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tomllib.loads`` fails the test if anything calls it."""

    def refuse(text: str) -> None:
        raise AssertionError("tomllib.loads ran on a document the scan should have refused")

    monkeypatch.setattr(toml_scan.tomllib, "loads", refuse)


# ------------------------------------------------------------------ the reproductions
def test_the_80_kb_dotted_key_is_refused_before_tomllib_runs(no_tomllib: None) -> None:
    with pytest.raises(TomlError) as err:
        loads_toml(DOTTED)
    assert str(err.value) == "a key with more than 16 dotted parts (at line 2, column 1)"
    with pytest.raises(PresetError) as perr:
        parse_preset(DOTTED, "presets/x.toml")
    assert str(perr.value) == (
        "presets/x.toml: a key with more than 16 dotted parts (at line 2, column 1)"
    )


def test_a_dotted_theme_is_refused_before_tomllib_runs(no_tomllib: None, tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\n[colors]\nprimary = "red"\n' + "a" + ".a" * 30_000 + " = 1\n")
    with pytest.raises(ThemeError) as err:
        load_theme_file(path)
    assert str(err.value) == f"{path}: line 4, column 1: a key with more than 16 dotted parts"


def test_a_header_of_too_many_parts_is_refused_at_its_bracket(no_tomllib: None) -> None:
    with pytest.raises(TomlError, match=r"^a key with more than 16 dotted parts \(at line 3, "):
        loads_toml('name = "x"\n\n[[' + ".".join(["t"] * 17) + "]]\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = " + "[" * 17 + "]" * 17, "nested more than 16 levels deep (at line 1, column 21)"),
        ("a = " + "{b=" * 17 + "1" + "}" * 17, "nested more than 16 levels deep (at line 1, "),
        ("a = [" + "1," * MAX_TOML_ARRAY + "1]", f"an array of more than {MAX_TOML_ARRAY} "),
        ('a = "' + "x" * (MAX_TOML_STRING + 1) + '"', "a string or key of more than 16384 "),
        ("a = '''" + "x" * (MAX_TOML_STRING + 1) + "'''", "a string or key of more than "),
        ('a = """' + "\\n" * MAX_TOML_STRING + '"""', "a string or key of more than "),
        ("k" * (MAX_TOML_STRING + 1) + " = 1", "a string or key of more than 16384 characters"),
        ("a = " + "9" * (MAX_TOML_STRING + 1), "a string or key of more than 16384 characters"),
        (
            "".join(f"k{i} = 1\n" for i in range(MAX_TOML_KEYS + 1)),
            f"more than {MAX_TOML_KEYS} keys (at ",
        ),
        ("[[t]]\n" * (MAX_TOML_TABLES + 1), f"more than {MAX_TOML_TABLES} tables (at line "),
        ("".join(f"a{i} = [{'{},' * 5000}]\n" for i in range(9)), "more than 40000 tables"),
    ],
    ids=[
        "arrays",
        "inline-tables",
        "array-length",
        "string",
        "literal-string",
        "multi-line-string",
        "key",
        "bare-value",
        "keys",
        "tables",
        "inline-table-count",
    ],
)
def test_each_bound_is_one_line_naming_the_place(no_tomllib: None, text: str, message: str) -> None:
    with pytest.raises(TomlError) as err:
        loads_toml(text)
    assert str(err.value).startswith(message)
    assert re.search(r" \(at line \d+, column \d+\)$", str(err.value))


def test_what_is_inside_strings_and_comments_is_not_counted() -> None:
    dots = "." * 100
    brackets = "[" * 100
    text = (
        f'name = "{dots}{brackets}"  # {brackets} {dots}\n'
        f"lit = '{brackets}\"{dots}'\n"
        f'ml = """\n{brackets}\n""{dots}"\\"""{{[[""""\n'
        f"mll = '''{brackets}\n''{dots}'''''\n"
        f'"{dots}" = 1\n'
        f"'{brackets}'.\"{dots}\" = 2\n"
        f'arr = [ "]]]", \'[[[\', """,,,""", # {brackets}\n  1, ]\n'
        f'[ t . "{dots}" ]\n'
        f'k = {{ a."]" = "}}", b = [ "{{" ] }}\n'
    )
    scan_toml(text)
    data = loads_toml(text)
    assert data["name"] == dots + brackets
    assert data["ml"] == f'{brackets}\n""{dots}""""{{[["'
    assert data["mll"] == f"{brackets}\n''{dots}''"
    assert data[brackets][dots] == 2
    assert data["t"][dots]["k"] == {"a": {"]": "}"}, "b": ["{"]}


def test_only_what_tomllib_would_read_is_scanned_past_an_error() -> None:
    """The scan is for bounds, not syntax: a syntax error is tomllib's, at its place."""
    with pytest.raises(TomlError, match=r"^Invalid value \(at line 1, column 5\)$"):
        loads_toml("a = ]")
    with pytest.raises(TomlError, match=r"^Illegal character .* \(at line 2, column 10\)$"):
        loads_toml('a = 1\nb = "open\nc = 2\n')
    scan_toml("@@@ ]]] }}} === ,,, \"\"\" ''' \\\\ \x00" * 1000)  # junk: tomllib's to refuse


# ------------------------------------------------------------------ nothing shipped refused
def _doc_examples() -> list[tuple[str, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        blocks = re.findall(r"^```toml\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)
        found += [(f"{path.name}[{i}]", block) for i, block in enumerate(blocks)]
    return found


def _is_table(value: object) -> bool:
    """A table or an array of tables (``[machine]``, ``[[tasks]]``): not in a preset's head,
    which ends where they start; an array of strings (``columns``) is in it."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(item, dict) for item in value)
    return isinstance(value, dict)


@pytest.mark.parametrize(
    "path",
    [*sorted((ROOT / "presets").glob("*.toml")), *sorted((ROOT / "themes").glob("*.toml"))],
    ids=lambda p: p.name,
)
def test_no_shipped_preset_or_theme_is_refused(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    scan_toml(text)
    assert loads_toml(text) == tomllib.loads(text)
    head = toml_head(text)
    assert (
        tomllib.loads(head) == {k: v for k, v in tomllib.loads(text).items() if not _is_table(v)}
        or path.parent.name == "themes"
    )


def test_no_doc_example_is_refused() -> None:
    examples = _doc_examples()
    assert len(examples) >= 3
    for _, block in examples:
        assert loads_toml(block) == tomllib.loads(block)


# ------------------------------------------------------------------ the scan reads as tomllib
TRICKY = ".[]{}#=,\"' \\abc\t"


@dataclass
class Shape:
    keys: int = 0
    tables: int = 0
    parts: int = 0
    depth: int = 0
    array: int = 0
    longest: int = 0

    def text(self, raw: str) -> str:
        self.longest = max(self.longest, len(raw))
        return raw


def _basic(content: str) -> str:
    return content.replace("\\", "\\\\").replace('"', '\\"')


@st.composite
def strings(draw: st.DrawFn, shape: Shape) -> str:
    content = draw(st.text(alphabet=TRICKY, max_size=8))
    kind = draw(st.sampled_from(["basic", "literal", "mlbasic", "mlliteral"]))
    if kind == "basic":
        return '"' + shape.text(_basic(content)) + '"'
    if kind == "literal":
        return "'" + shape.text(content.replace("'", "")) + "'"
    tail = draw(st.sampled_from(["", '"', '""', "'", "''"]))
    lines = draw(st.lists(st.text(alphabet=TRICKY, max_size=5), max_size=3))
    if kind == "mlbasic":
        body = "\n".join(_basic(line) for line in [content, *lines])
        if draw(st.booleans()):
            body += "\\\n   "  # a line-ending backslash
        return '"""' + shape.text(body + tail.replace("'", "")) + '"""'
    body = "\n".join(line.replace("'", "") for line in [content, *lines])
    return "'''" + shape.text(body + tail.replace('"', "")) + "'''"


BARE_VALUES = ["1", "-17", "1_000", "true", "false", "3.25", "1979-05-27", "07:32:00"]
BARE_VALUES += ["1979-05-27T07:32:00Z", "1979-05-27 07:32:00", "0x1F", "inf", "-1e+10"]


@st.composite
def keys(draw: st.DrawFn, shape: Shape, names: itertools.count[int]) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        name = f"k{next(names)}"
        extra = draw(st.text(alphabet=TRICKY, max_size=5))
        kind = draw(st.sampled_from(["bare", "bare", "basic", "literal"]))
        if kind == "bare":
            parts.append(shape.text(name))
        elif kind == "basic":
            parts.append('"' + shape.text(_basic(name + extra)) + '"')
        else:
            parts.append("'" + shape.text(name + extra.replace("'", "")) + "'")
    shape.parts = max(shape.parts, len(parts))
    joints = [draw(st.sampled_from([".", " . ", "\t.", ". "])) for _ in parts[1:]]
    return parts[0] + "".join(j + p for j, p in zip(joints, parts[1:], strict=True))


@st.composite
def values(draw: st.DrawFn, shape: Shape, names: itertools.count[int], depth: int) -> str:
    kinds = ["bare", "string"] + (["array", "table"] if depth < 4 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "bare":
        bare = draw(st.sampled_from(BARE_VALUES))
        for token in bare.split(" "):
            shape.text(token)
        return bare
    if kind == "string":
        return draw(strings(shape))
    shape.depth = max(shape.depth, depth + 1)
    if kind == "array":
        items = [draw(values(shape, names, depth + 1)) for _ in range(draw(st.integers(0, 4)))]
        shape.array = max(shape.array, len(items))
        body = []
        for i, item in enumerate(items):
            if i or draw(st.booleans()):
                body.append(draw(st.sampled_from(["", " ", "\n  ", "# ], {\n"])))
            body.append(item)
            if i < len(items) - 1 or draw(st.booleans()):  # a trailing comma is allowed
                body.append(draw(st.sampled_from([",", " ,", ", # ], {\n"])))
        return "[" + "".join(body) + "]"
    shape.tables += 1
    pairs = []
    for _ in range(draw(st.integers(0, 3))):
        shape.keys += 1
        pairs.append(draw(keys(shape, names)) + " = " + draw(values(shape, names, depth + 1)))
    return "{" + ", ".join(pairs) + "}"


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, Shape, int]:
    """A valid TOML text, its shape as built, and where its first table header starts."""
    shape = Shape()
    names = itertools.count()
    out: list[str] = []

    def statements() -> None:
        for _ in range(draw(st.integers(0, 4))):
            shape.keys += 1
            comment = draw(st.sampled_from(["", "  # [x] = 1", "\t#\"'"]))
            key = draw(keys(shape, names))
            out.append(f"{key} = {draw(values(shape, names, 0))}{comment}\n")

    statements()
    first = -1
    for _ in range(draw(st.integers(0, 3))):
        out.append(draw(st.sampled_from(["", "\n", "# a comment [t]\n", "  "])))
        if first < 0:
            first = len("".join(out))
        shape.tables += 1
        path = draw(keys(shape, names))
        if draw(st.booleans()):
            out.append(f"[[{path}]]\n")
        else:
            out.append(draw(st.sampled_from([f"[{path}]\n", f"[ {path} ]  # x\n"])))
        statements()
    text = "".join(out)
    return text, shape, len(text) if first < 0 else first


LIMITS = {
    "parts": ("MAX_TOML_PARTS", "a key with more than"),
    "depth": ("MAX_TOML_DEPTH", "nested more than"),
    "array": ("MAX_TOML_ARRAY", "an array of more than"),
    "longest": ("MAX_TOML_STRING", "a string or key of more than"),
    "keys": ("MAX_TOML_KEYS", "more than"),
    "tables": ("MAX_TOML_TABLES", "more than"),
}


@pytest.mark.slow
@settings(max_examples=400, derandomize=True, deadline=None)
@given(documents())
def test_the_scan_counts_what_tomllib_reads(doc: tuple[str, Shape, int]) -> None:
    """Generated documents (every string form, dotted and quoted keys, comments holding
    brackets, inline tables and arrays over lines): tomllib reads each one, the scan passes
    it with each bound set to exactly its shape and refuses it with any bound one less."""
    text, shape, first_header = doc
    tomllib.loads(text)
    scan_toml(text)
    assert toml_head(text) == text[:first_header]
    exact = {constant: getattr(shape, field) for field, (constant, _) in LIMITS.items()}
    with mock.patch.multiple(toml_scan, **exact):
        scan_toml(text)
    for field, (constant, message) in LIMITS.items():
        measured = getattr(shape, field)
        if measured == 0:
            continue
        with mock.patch.multiple(toml_scan, **{**exact, constant: measured - 1}):
            with pytest.raises(TomlError) as err:
                scan_toml(text)
            assert str(err.value).startswith(f"{message} "), (field, str(err.value))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from([*TRICKY, "\n", '"""', "'''", "[[", "]]", "1", "\r", "\x00"])))
def test_the_scan_never_fails_but_on_a_bound(pieces: list[str]) -> None:
    text = "".join(pieces)
    scan_toml(text)
    head = toml_head(text)
    assert text.startswith(head)


# ------------------------------------------------------------------ user presets by name
@pytest.fixture
def user_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "moomtui" / "presets"
    folder.mkdir(parents=True)
    return folder


def test_a_lookup_by_name_reads_no_other_preset(user_presets: Path) -> None:
    """A hostile file among the user's presets costs nothing to a lookup of another."""
    (user_presets / "hostile.toml").write_text(DOTTED)
    (user_presets / "mine.toml").write_text('name = "mine"\n')
    read: list[str] = []
    real = toml_scan.scan_toml

    def spy(text: str) -> None:
        read.append(text[:40])
        real(text)

    with mock.patch.object(toml_scan, "scan_toml", spy):
        assert load_preset("mine").name == "mine"
        assert load_preset("classic-leak").key == "classic-leak"
    shipped = (ROOT / "presets" / "classic-leak.toml").read_text(encoding="utf-8")
    assert read == ['name = "mine"\n', shipped[:40]]
    with pytest.raises(PresetError, match=r"^nope: no such preset \(presets: .*hostile.*\)$"):
        load_preset("nope")


def test_a_refused_user_preset_is_listed_with_its_one_line_error(user_presets: Path) -> None:
    (user_presets / "hostile.toml").write_text(DOTTED)
    (user_presets / "deep.toml").write_text("x = " + "[" * 2000 + "]" * 2000 + "\n")
    (user_presets / "late.toml").write_text('name = "Late"\n[machine]\nram = ' + "[" * 50)
    listed = {p.key: p for p in list_presets()}
    assert listed["hostile"].name == "hostile"
    assert listed["hostile"].description == (
        "(cannot be read: a key with more than 16 dotted parts (at line 2, column 1))"
    )
    assert listed["deep"].description == (
        "(cannot be read: nested more than 16 levels deep (at line 1, column 21))"
    )
    assert listed["late"].name == "Late"  # a listing reads a preset's head only
    assert "leaky-apache" in listed
    with pytest.raises(PresetError, match=r"late\.toml: nested more than 16 levels deep"):
        load_preset("late")
