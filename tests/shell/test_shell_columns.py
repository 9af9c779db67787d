"""``columns``: the task panel's columns, chosen at the console as F2 chooses them — the same
in a headless run, a script and a served session, which only keep the choice."""

from __future__ import annotations

from moomtui.shell.cmd_columns import COLUMN_KEYS
from moomtui.shell.profile import SERVED

from .helpers import fails, ok, shell


def test_columns_sets_shows_hides_and_resets_the_choice() -> None:
    sh = shell()
    told: list[tuple[str, ...] | None] = []
    sh.session.on_columns = lambda: told.append(sh.session.columns)
    assert ok(sh, "columns").splitlines() == [
        "shown:  PID USER NI S VIRT RSS SWAP CPU OOM FLAGS COMMAND  (every column; a narrow "
        "panel leaves out the least needed)",
        "hidden: -",
    ]
    assert ok(sh, "columns pid NI flags").startswith("shown:  PID NI FLAGS COMMAND  (as chosen")
    assert ok(sh, "columns show oom nice").splitlines()[-1] == "hidden: USER S VIRT RSS SWAP CPU"
    assert sh.session.columns == ("pid", "nice", "flags", "oom")
    ok(sh, "columns hide pid")
    assert sh.session.columns == ("nice", "flags", "oom")
    ok(sh, "columns reset")
    assert sh.session.columns is None
    assert told == [("pid", "nice", "flags"), ("pid", "nice", "flags", "oom"),
                    ("nice", "flags", "oom"), None]  # fmt: skip
    assert fails(sh, "columns pid bogus") == (
        "columns: bogus: no such column (columns: pid user nice state virt rss swap cpu oom flags)"
    )
    assert fails(sh, "columns nice NI") == "columns: NI: named twice"
    assert fails(sh, "columns hide") == "columns: hide: which column?"
    assert sh.session.columns is None  # a refused line changes nothing


def test_columns_runs_in_a_served_session_and_completes_its_names() -> None:
    sh = shell(profile=SERVED)
    ok(sh, "columns pid oom")
    assert sh.session.columns == ("pid", "oom")
    assert sh.complete("columns sh") == ["show"]
    assert sh.complete("columns show f") == ["flags"]
    assert sh.complete("columns pid ") == list(COLUMN_KEYS)
