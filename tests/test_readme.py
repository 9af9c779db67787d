"""What the README says of itself: the Quick start's commands, the keys of ``--json``. Its
examples run as written in tests/test_docs_examples.py, with every other doc's."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_quick_start_has_exactly_the_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [body.strip() for lang, body in re.findall(r"```(\w*)\n(.*?)```", section, re.S)]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/moomtui",
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/pytest",
    ]


def test_the_json_keys_the_readme_names_are_the_documents_own() -> None:
    """``--json``'s paragraph names keys in backquotes: each is a top-level key of the
    document (memory is under ``meminfo``, not ``memory``)."""
    import io
    import json

    from moomtui.headless import RunOptions, run

    paragraph = README.split("`--json` prints the final state as", 1)[1].split("`--trace", 1)[0]
    named = re.findall(r"`(\w+)`", paragraph)
    out = io.StringIO()
    run(RunOptions(preset="no-oom", duration=100, as_json=True), out)
    doc = json.loads(out.getvalue())
    assert named == ["meminfo", "modules", "dmesg", "tasks", "oom_score"]
    assert all(key in doc for key in named[:-1]) and "oom_score" in doc["tasks"][0]
