"""Every example in README.md and docs/*.md works as written.

A fenced block is read by its info string, and every block must have one of these:

- ``sh`` — shell lines. Each line that calls ``moomtui`` runs through ``/bin/sh`` exactly as
  written (redirections included), ``moomtui`` on the PATH being this checkout run by this
  Python, in a folder with copies of ``presets/`` and ``examples/``, with an empty home; it
  must exit 0, or N where the line ends with ``# exit N``. Where the doc says what a
  command shows, :data:`OUTCOMES` checks it. Install lines (``pip install …``) are not run:
  the project and extra they name must exist. The few lines that cannot run in a test as
  written are in :data:`NOT_RUN`, each with the reason and where else it is tested.
- ``toml`` — a preset (it has a ``name``: checked as ``moomtui check`` does), a fragment of
  one (merged into a minimal preset, its distributions drawn, and checked), a theme
  (``colors``: loaded as one), a sweep file (``presets``: loaded beside examples/sweeps/,
  every configuration tried), the user's ``config.toml`` (``keys``: read as the screen
  reads it), or a package's ``pyproject.toml`` fragment (its entry points must import).
- plain or ``console`` — console lines, run one after another on the default preset a
  minute in; each must exit 0. A block whose every line starts with a time is a script
  (``--script``): parsed, then run on the preset it names (``moomtui run PRESET``) or the
  default one, every command exiting 0.
- ``text`` — output and diagrams, not run; a synopsis line (``moomtui COMMAND [--opt]…``)
  names only options the command has, and :func:`test_the_documented_error_is_the_checkers`
  runs the one error docs/presets.md shows.
- ``python`` — compiles; the policy of docs/policies.md is examples/oom_kill_youngest.py.
- ``json``, ``c`` — excerpts (elided output, the seed's C), not run.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from moomtui.kernel.constants import HZ
from moomtui.modules.api import Policy
from moomtui.modules.plugins import ENTRY_POINT_GROUP
from moomtui.output import SCHEMA_VERSION
from moomtui.presets import DEFAULT_PRESET, PresetError, families, load_preset, parse_preset
from moomtui.presets.checker import Checker
from moomtui.presets.schema import SCHEMA_FILE
from moomtui.shell import parse_script
from moomtui.sim import CommandRun, Simulation

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
QUICK_START = ("README.md", "Quick start")  # tests/test_newcomer.py runs it in a fresh venv
LANGUAGES = {"sh", "toml", "", "console", "text", "python", "json", "c"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

NOT_RUN = {
    # The worked question of docs/lab.md: 360 runs, a minute or more. tests/lab/test_sweep.py
    # runs sweeps with --out and --report on a tiny spec; its spec is checked below (toml).
    "moomtui sweep examples/sweeps/parent-max.toml --out parent-max.jsonl "
    "--report parent-max.svg": "tests/lab",
    # A server that runs until Ctrl+C: tests/web/test_serve.py starts it on a free port and
    # stops it, tests/web/test_browser.py plays through it in a browser.
    "moomtui serve": "tests/web",
}


@dataclass(frozen=True)
class Block:
    doc: str  # README.md, docs/presets.md
    line: int  # of the opening fence
    lang: str
    body: str
    section: str  # the ## heading it is under

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    out: list[Block] = []
    section, lang, start, body = "", None, 0, []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if lang is None:
            if line.startswith("## "):
                section = line[3:].strip()
            fence = re.fullmatch(r"```(\S*)\s*", line)
            if fence:
                lang, start, body = fence[1], n, []
        elif line.strip() == "```":
            doc = str(path.relative_to(ROOT))
            out.append(Block(doc, start, lang, "".join(body), section))
            lang = None
        else:
            body.append(line + "\n")
    assert lang is None, f"{path}:{start}: a fence is never closed"
    return out


BLOCKS = [
    b for path in DOCS for b in blocks_of(path) if (b.doc, b.section) != QUICK_START
]  # fmt: skip


def of(*langs: str) -> list[Block]:
    return [b for b in BLOCKS if b.lang in langs]


def ids(blocks: list[Block]) -> list[str]:
    return [b.where for b in blocks]


def test_every_block_says_what_it_is() -> None:
    strays = [(b.where, b.lang) for b in BLOCKS if b.lang not in LANGUAGES]
    assert strays == [], f"an info string this test does not read: {strays}"
    assert len(of("sh")) >= 6 and len(of("toml")) >= 4


def test_the_quick_start_is_left_to_the_newcomers_test() -> None:
    readme = blocks_of(ROOT / "README.md")
    assert any(b.section == QUICK_START[1] for b in readme)
    assert not any(b.section == QUICK_START[1] for b in BLOCKS)


# --------------------------------------------------------------------------------- sh
def shell_lines() -> list[tuple[str, str]]:
    """Every command of the sh blocks, ``&&`` lists split: (where, command). A ``mkdir -p``
    stays with the command after it (the folder it makes is where that one writes)."""
    out = []
    for b in of("sh"):
        for n, raw in enumerate(b.body.splitlines(), start=b.line + 1):
            line = raw.strip()
            if line and not line.startswith("#"):
                parts: list[str] = []
                for part in line.split(" && "):
                    if parts and parts[-1].startswith("mkdir -p "):
                        parts[-1] += " && " + part.strip()
                    else:
                        parts.append(part.strip())
                out += [(f"{b.doc}:{n}", part) for part in parts]
    return out


def last_command(command: str) -> str:
    """What a line runs last: after its ``mkdir -p``, at the end of its pipe (``cat FILE |``,
    ``echo … |`` feed moomtui its stdin), after the variables it sets for it."""
    last = command.split(" && ")[-1].split(" | ")[-1]
    return re.sub(r"^([A-Z_]+=\S* )+", "", last)  # COLUMNS=200 moomtui …: its environment


SHELL = shell_lines()
RUN = [(w, c) for w, c in SHELL if last_command(c).startswith("moomtui ") and c not in NOT_RUN]


def test_every_shell_line_is_run_checked_or_excused() -> None:
    for where, command in SHELL:
        known = last_command(command).startswith(("moomtui ", "pip install "))
        assert known, f"{where}: {command!r}: neither a moomtui line nor an install"
    assert {c for _, c in SHELL} >= set(NOT_RUN), "an excuse for a line no doc has"


@pytest.mark.parametrize(
    ("where", "command"), [(w, c) for w, c in SHELL if c.startswith("pip ")], ids=lambda v: v
)
def test_install_lines_name_this_project_and_its_extras(where: str, command: str) -> None:
    """Not run (no package index in a test): ``pip install .`` or ``moomtui``, with extras
    that pyproject.toml declares."""
    argv = shlex.split(command, comments=True)
    assert argv[:2] == ["pip", "install"] and len(argv) == 3, (where, command)
    m = re.fullmatch(r"(\.|moomtui)(?:\[([\w,]+)\])?", argv[2])
    assert m is not None, (where, command)
    extras = set(m[2].split(",")) if m[2] else set()
    assert extras <= set(PYPROJECT["project"]["optional-dependencies"]), (where, command)


@pytest.mark.parametrize("command", list(NOT_RUN))
def test_lines_not_run_parse_as_commands(command: str) -> None:
    """What runs forever is at least a command line moomtui's parser takes."""
    from moomtui.arguments import build_sub_parser

    argv = shlex.split(command)[1:]
    build_sub_parser(argv[0]).parse_args(argv[1:])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like a clone's top (presets/, examples/), a home with nothing in it, and
    ``bin/moomtui``: this checkout, run by the Python running the tests."""
    top = tmp_path_factory.mktemp("docs")
    for folder in ("presets", "examples"):
        shutil.copytree(ROOT / folder, top / "work" / folder)
    (top / "home").mkdir()
    shim = top / "bin" / "moomtui"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m moomtui "$@"\n')
    shim.chmod(0o755)
    return top


def sh(workspace: Path, command: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    home = workspace / "home"
    env = {
        "PATH": f"{workspace / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PYTHONPATH": str(ROOT),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=cwd or workspace / "work",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def readme_says(pattern: str) -> re.Match[str]:
    m = re.search(pattern, (ROOT / "README.md").read_text())
    assert m is not None, f"README.md no longer says {pattern!r}"
    return m


def fork_bomb_trace(work: Path, out: str) -> None:
    """The README: forty seconds into the fork bomb the OOM killer has shot two tasks."""
    said = readme_says(r"the OOM killer has shot `(\w+)`, then `(\w+)`: two `oom_kill` events")
    trace = (work / "fork-bomb.trace.jsonl").read_text()
    header, *events = [json.loads(line) for line in trace.splitlines()]
    assert header["moomtui"] == "trace" and header["version"] == SCHEMA_VERSION
    kills = [e["comm"] for e in events if e["event"] == "oom_kill"]
    assert kills == [said[1], said[2]]


def schema_file(work: Path, out: str) -> None:
    """docs/presets.md: it prints the schema the package ships."""
    assert (work / "preset.schema.json").read_text() == SCHEMA_FILE.read_text()


def checked_ok(work: Path, out: str) -> None:
    assert out.endswith(": ok (No OOM at all)\n"), out


OUTCOMES: dict[str, Callable[[Path, str], None]] = {
    "moomtui run fork-bomb --for 40s --trace fork-bomb.trace.jsonl": fork_bomb_trace,
    "moomtui schema > preset.schema.json": schema_file,
    "moomtui check presets/no-oom.toml": checked_ok,
}


def test_every_outcome_checked_is_a_documented_line() -> None:
    assert set(OUTCOMES) <= {c for _, c in RUN}


@pytest.mark.slow
@pytest.mark.parametrize(("where", "command"), RUN, ids=[f"{w} {c}" for w, c in RUN])
def test_moomtui_lines_run_as_written(workspace: Path, where: str, command: str) -> None:
    status = re.search(r"#\s*exit (\d+)\s*$", command)
    proc = sh(workspace, command)
    assert proc.returncode == (int(status[1]) if status else 0), (where, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, (where, proc.stderr[-2000:])
    check = OUTCOMES.get(command)
    if check is not None:
        check(workspace / "work", proc.stdout)


@pytest.mark.slow
def test_the_documented_error_is_the_checkers(workspace: Path) -> None:
    """docs/presets.md's one-line error, from the preset it describes: a third task whose
    nice is ``"high"``."""
    (error,) = [
        b.body.strip()
        for b in of("text")
        if b.doc == "docs/presets.md" and b.body.startswith("moomtui: ") and ".nice:" in b.body
    ]
    m = re.fullmatch(r"moomtui: (\S+): tasks\[(\d+)\]\.nice: .*", error)
    assert m is not None, error
    tasks = "".join(f'[[tasks]]\ncomm = "t{i}"\n' for i in range(int(m[2]))) + "[[tasks]]\n"
    work = workspace / "work"
    (work / m[1]).write_text(f'name = "x"\n{tasks}comm = "bad"\nnice = "high"\n')
    try:
        proc = sh(workspace, f"moomtui check {m[1]}")
    finally:
        (work / m[1]).unlink()
    assert (proc.returncode, proc.stderr) == (2, error + "\n")


# ------------------------------------------------------------------------------- toml
def merged(base: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in fragment.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


@pytest.mark.parametrize("block", of("toml"), ids=ids(of("toml")))
def test_toml_blocks_load_as_what_they_are(block: Block, tmp_path: Path) -> None:
    data = tomllib.loads(block.body)
    if "project" in data:  # a package's pyproject.toml: its policies are found
        entry_points = data["project"]["entry-points"][ENTRY_POINT_GROUP]
        for name, target in entry_points.items():
            module, _, attr = target.partition(":")
            spec = importlib.util.spec_from_file_location(
                module, ROOT / "examples" / f"{module}.py"
            )
            assert spec is not None and spec.loader is not None, (block.where, target)
            loaded = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaded)
            cls = getattr(loaded, attr)
            assert issubclass(cls, Policy) and cls.name == name, (block.where, target)
    elif "keys" in data:  # the user's config.toml
        from moomtui.tui.config import user_config
        from moomtui.tui.themes import discover_themes

        path = tmp_path / "moomtui" / "config.toml"
        path.parent.mkdir()
        path.write_text(block.body)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_CONFIG_HOME", str(tmp_path))
            user_config(discover_themes(include_user=False)[0])
    elif "colors" in data:  # a theme
        from moomtui.tui.themes import load_theme_file

        path = tmp_path / "theme.toml"
        path.write_text(block.body)
        load_theme_file(path)
    elif "presets" in data:  # a sweep file (docs/lab.md), beside the examples' sweeps
        from moomtui.lab.spec import load_spec

        folder = tmp_path / "examples"
        shutil.copytree(ROOT / "examples", folder)
        spec = folder / "sweeps" / "doc.toml"
        spec.write_text(block.body)
        load_spec(str(spec))  # every preset under every configuration, loaded once
    elif "name" in data:  # a whole preset, as `moomtui check` reads one
        parse_preset(block.body, block.where)
    else:  # a fragment of a preset
        try:
            fragment = merged({"name": "fragment"}, data)
            families.draw(fragment, 0)  # a workload family's distributions, drawn
            Checker(block.where).scenario(fragment)
        except PresetError as err:
            pytest.fail(f"{block.where}: the fragment in a minimal preset: {err}")


# ---------------------------------------------------------------------------- console
def is_script(block: Block) -> bool:
    lines = [x for x in block.body.splitlines() if x.strip() and not x.startswith("#")]
    return bool(lines) and all(re.match(r"\d+(\.\d+)?(ms|s|m|h|j)\s", x) for x in lines)


CONSOLE = [b for b in of("", "console") if not is_script(b)]
SCRIPTS = [b for b in of("", "console") if is_script(b)]


def test_console_blocks_are_found() -> None:
    assert len(CONSOLE) >= 2 and len(SCRIPTS) >= 2


@pytest.mark.parametrize("block", CONSOLE, ids=ids(CONSOLE))
def test_console_lines_run_on_the_default_preset(
    block: Block, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace / "work")  # where a relative path is read from
    sim = Simulation(load_preset(DEFAULT_PRESET))
    sim.run_for(60 * HZ)
    for line in block.body.splitlines():
        result = sim.execute(line)
        assert result.status == 0, (block.where, line, result.output)


@pytest.mark.parametrize("block", SCRIPTS, ids=ids(SCRIPTS))
def test_scripts_parse_and_run(block: Block) -> None:
    named = re.search(r"moomtui run (\S+)", block.body)
    script = parse_script(block.body, block.where)
    ran: list[CommandRun] = []
    sim = Simulation(load_preset(named[1] if named else DEFAULT_PRESET), script=script)
    sim.on_command = ran.append
    sim.run_for(max(t for t, _ in script) + HZ)
    assert [r.line for r in ran] == [line for _, line in script]
    assert [(r.line, r.result.status) for r in ran] == [(r.line, 0) for r in ran]


# ------------------------------------------------------------------------------- text
SYNOPSES = [
    (b.where, line)
    for b in of("text")
    for line in b.body.splitlines()
    if re.match(r"moomtui (run|compare|check|postmortem|snapshot|serve|schema) ", line)
]


@pytest.mark.parametrize(("where", "line"), SYNOPSES, ids=[w for w, _ in SYNOPSES])
def test_a_synopsis_names_only_options_the_command_has(where: str, line: str) -> None:
    from moomtui.arguments import build_sub_parser

    command = line.split()[1]
    known = set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", build_sub_parser(command).format_help()))
    named = set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", line))
    assert named <= known, (where, named - known)


# ----------------------------------------------------------------------------- python
@pytest.mark.parametrize("block", of("python"), ids=ids(of("python")))
def test_python_blocks_compile(block: Block) -> None:
    compile(block.body, block.where, "exec")


def test_the_policy_in_the_docs_is_the_example_file() -> None:
    """docs/policies.md shows examples/oom_kill_youngest.py, which the tests load both ways
    (tests/modules/test_policy_api.py); comments and the module docstring aside."""
    (block,) = [b for b in of("python") if b.doc == "docs/policies.md"]
    example = ast.parse((ROOT / "examples" / "oom_kill_youngest.py").read_text())
    body = example.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    body = [s for s in body if not isinstance(s, ast.ImportFrom) or s.module != "__future__"]
    assert ast.dump(ast.Module(body, [])) == ast.dump(ast.parse(block.body))
