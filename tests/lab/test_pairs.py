"""``--pair A B`` and ``--all-pairs``: two configurations counted against each other seed by
seed — in the text, in ``--json`` and in the report — and a wrong pair told before any run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from moomtui import cli
from moomtui.lab.spec import SpecError

from .test_sweep import ROOT, TINY, run

LOW = "oom_kill_parent oom_parent_max=2"
HIGH = "oom_kill_parent oom_parent_max=10"


def spec(folder: Path) -> Path:
    """Three policies on no-oom whose cards differ: earlyoom loses less work than oom_kill
    on every seed, oom_score_adj the same but frees less memory a kill."""
    path = folder / "s.toml"
    path.write_text(
        f'presets = ["{ROOT / "presets" / "no-oom.toml"}"]\n'
        'policies = ["oom_kill", "earlyoom", "oom_score_adj"]\nseeds = 2\nlength = "60s"\n'
    )
    return path


@pytest.mark.slow
def test_a_pair_is_counted_seed_by_seed_in_the_text_the_json_and_the_report(
    tmp_path: Path,
) -> None:
    out, given = tmp_path / "r.csv", spec(tmp_path)
    pairs = [("earlyoom", "oom_kill"), ("oom_score_adj", "oom_kill")]
    options = {"spec": given, "pairs": pairs, "width": 120}
    text = run(out, jobs=1, report=str(tmp_path / "r.html"), **options)
    rows = list(csv.DictReader(out.open()))
    doc = json.loads(run(out, resume=True, as_json=True, **options))
    (part,) = doc["presets"].values()
    assert [(p["a"], p["b"]) for p in part["pairs"]] == pairs
    for pair in part["pairs"]:
        for key, sign in (("work_lost", 1), ("mem_per_kill", -1)):  # lower, higher is better
            a = {r["seed"]: sign * float(r[key]) for r in rows if r["config"] == pair["a"]}
            b = {r["seed"]: sign * float(r[key]) for r in rows if r["config"] == pair["b"]}
            assert sorted(a) == sorted(b) == ["3", "4"]
            assert pair["counts"][key] == {
                "win": sum(a[s] < b[s] for s in a),
                "loss": sum(a[s] > b[s] for s in a),
                "tie": sum(a[s] == b[s] for s in a),
            }
    first, second = (p["counts"] for p in part["pairs"])
    assert first["work_lost"] == {"win": 2, "loss": 0, "tie": 0}  # the figures differ
    assert second["mem_per_kill"] == {"win": 0, "loss": 2, "tie": 0}
    table = text[text.index("paired: the first against the second") :]
    assert "earlyoom" in table and "against oom_kill" in table
    assert "│     2/0/0 │" in table.splitlines()[4]  # earlyoom's work lost, in its row
    page = (tmp_path / "r.html").read_text()
    part_of_page = page[page.index("the first against the second") :]
    assert "<th>earlyoom</th><th>oom_kill</th><td>2/0/0</td>" in part_of_page
    plain = json.loads(run(out, resume=True, as_json=True, spec=given))
    assert [p["pairs"] for p in plain["presets"].values()] == [[]]


def test_all_pairs_gives_every_two_configurations_once(tmp_path: Path) -> None:
    doc = json.loads(run(tmp_path / "r.csv", jobs=1, as_json=True, all_pairs=True))
    pairs = doc["presets"]["../../presets/no-oom.toml"]["pairs"]
    assert [(p["a"], p["b"]) for p in pairs] == [
        ("oom_kill", LOW),
        ("oom_kill", HIGH),
        (LOW, HIGH),
    ]
    assert all(sum(p["counts"]["kills"].values()) == 2 for p in pairs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pair", "oom_kill", "oom_kil"],
            'moomtui: --pair: no configuration "oom_kil" in this sweep (its configurations: '
            f"oom_kill, {LOW}, {HIGH})\n",
        ),
        (["--pair", "oom_kill", "oom_kill"], 'moomtui: --pair: "oom_kill" against itself\n'),
        (
            ["--pair", "oom_kill", "x\x1b[2Jy"],
            'moomtui: --pair: no configuration "x\\x1b[2Jy" in this sweep (its configurations: '
            f"oom_kill, {LOW}, {HIGH})\n",
        ),
    ],
)
def test_a_wrong_pair_is_one_line_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "r.csv"
    assert cli.main(["sweep", str(TINY), "--out", str(out), *args]) == 2
    assert capsys.readouterr().err == message
    assert not out.exists()


def test_all_pairs_of_too_many_configurations_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        TINY.read_text()
        .replace("[2, 10]", str(list(range(2, 19))))
        .replace("../../presets/", str(ROOT / "presets") + "/")
    )
    with pytest.raises(SpecError, match=r"--all-pairs: 18 configurations, 16 at most"):
        run(tmp_path / "r.csv", spec=spec, all_pairs=True)
    assert not (tmp_path / "r.csv").exists()


def test_pair_and_all_pairs_together_are_refused_not_one_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.csv"
    args = ["--pair", "oom_kill", LOW, "--all-pairs"]
    with pytest.raises(SystemExit) as status:
        cli.main(["sweep", str(TINY), "--out", str(out), *args])
    assert status.value.code == 2
    err = capsys.readouterr().err
    assert err == "moomtui sweep: argument --all-pairs: not allowed with argument --pair\n"
    assert not out.exists()
