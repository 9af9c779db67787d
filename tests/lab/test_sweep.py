"""``moomtui sweep``: the results file, the same bytes whatever runs it, resumed after an
interruption, a user's policy file on the workers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from moomtui import cli
from moomtui.lab import command
from moomtui.lab.command import SweepOptions, sweep
from moomtui.lab.spec import SpecError
from moomtui.lab.summary import FIELDS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TINY = HERE / "tiny.toml"


def run(out: Path, **options: Any) -> str:
    opts = SweepOptions(spec=str(options.pop("spec", TINY)), out=str(out), **options)
    text = io.StringIO()
    assert sweep(opts, text, io.StringIO()) == 0
    return text.getvalue()


def test_each_run_is_a_row_with_its_coordinates_and_card(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    summary = run(out, jobs=2)
    rows = list(csv.DictReader(out.open()))
    assert [int(r["run"]) for r in rows] == list(range(6))
    assert [(r["config"], r["seed"]) for r in rows[:3]] == [
        ("oom_kill", "3"),
        ("oom_kill", "4"),
        ("oom_kill_parent oom_parent_max=2", "3"),
    ]
    assert rows[0]["oom_kill_parent.oom_parent_max"] == ""
    assert rows[4]["oom_kill_parent.oom_parent_max"] == "10"
    assert all(r["length"] == "60" and r["version"] for r in rows)
    assert set(FIELDS) <= set(rows[0]) and int(rows[0]["kills"]) >= 1
    assert "paired against oom_kill" in summary and "6 runs in" in summary


@pytest.mark.slow
def test_one_worker_two_workers_and_json_lines_agree(tmp_path: Path) -> None:
    run(tmp_path / "one.csv", jobs=1)
    run(tmp_path / "two.csv", jobs=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    run(tmp_path / "r.jsonl", jobs=2)
    lines = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    rows = list(csv.DictReader((tmp_path / "one.csv").open()))
    assert [str(line["kills"]) for line in lines] == [r["kills"] for r in rows]
    assert list(lines[0]) == list(rows[0])


@pytest.mark.slow
def test_an_interrupted_sweep_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = tmp_path / "whole.csv"
    run(whole, jobs=1)
    out = tmp_path / "r.csv"
    kept = command.ResultsFile.append
    seen: list[int] = []

    def append_then_stop(self: Any, row: dict[str, Any]) -> None:
        if len(seen) == 3:
            raise KeyboardInterrupt
        seen.append(row["run"])
        kept(self, row)

    monkeypatch.setattr(command.ResultsFile, "append", append_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run(out, jobs=2)
    monkeypatch.setattr(command.ResultsFile, "append", kept)
    assert len(out.read_text().splitlines()) == 1 + 3
    with out.open("a") as f:
        f.write("5,no-oom,oom_kil")  # a line cut short by the interruption
    with pytest.raises(SpecError, match="already there: --resume continues"):
        run(out, jobs=2)
    ran: list[int] = []
    monkeypatch.setattr(
        command,
        "row_of",
        lambda spec, job, result, v, real=command.row_of: (
            ran.append(job.index) or real(spec, job, result, v)
        ),
    )
    run(out, jobs=2, resume=True)
    assert sorted(ran) == sorted(set(range(6)) - set(seen))
    assert out.read_bytes() == whole.read_bytes()


def test_resume_refuses_another_sweeps_file(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    out.write_text("run,preset,policy\n0,x,y\n")
    with pytest.raises(SpecError, match="not this sweep's results"):
        run(out, resume=True)


def test_a_results_file_name_says_its_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sweep", str(TINY), "--out", "r.xlsx"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "moomtui: r.xlsx: the results file's name ends in .csv, .jsonl, .ndjson or .parquet\n"
    )


@pytest.mark.slow
def test_the_chart_draws_a_criterions_medians(tmp_path: Path) -> None:
    text = run(tmp_path / "r.csv", chart="kills", width=100)
    chart = text[text.index("kills (lower is better)") :]
    assert "\x1b" not in chart  # not a terminal: no colours
    for label in ("oom_kill", "oom_kill_parent oom_parent_max=2", "oom_parent_max=10"):
        assert label in chart
    with pytest.raises(SpecError, match="--chart: kils: no such criterion"):
        run(tmp_path / "other.csv", chart="kils")
    assert not (tmp_path / "other.csv").exists()  # told before any run


@pytest.mark.slow
def test_the_report_is_one_page_with_a_chart_per_criterion(tmp_path: Path) -> None:
    run(tmp_path / "r.csv", report=str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text()
    assert (
        page.startswith("<!DOCTYPE html>")
        and "<script" not in page
        and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert page.count("<svg") == 5 and "paired against oom_kill" in page
    run(tmp_path / "r.csv", report=str(tmp_path / "r.svg"), resume=True)  # nothing left to run
    assert (tmp_path / "r.svg").read_text().startswith("<svg")


def test_a_dask_task_holds_about_a_second_of_runs() -> None:
    """The scheduler's round trip costs milliseconds a task: runs of 30 ms go 33 to a task,
    runs of two seconds one each; never more than MAX_BATCH, never none."""
    from moomtui.lab.engines import MAX_BATCH, batch_size

    assert batch_size(0.03) == 33
    assert batch_size(2.0) == 1
    assert batch_size(0.0001) == MAX_BATCH == batch_size(0)


def test_a_dask_sweeps_last_tasks_shrink_to_a_share_of_what_is_left() -> None:
    """Towards the end no task holds more than half of a worker's share of the runs left,
    so no worker runs a long last task alone: 33 runs a task while many are left, 5 of 20
    left on two workers, 1 of the last."""
    from moomtui.lab.engines import batch_size

    assert batch_size(0.03, left=1000, workers=2) == 33
    assert batch_size(0.03, left=20, workers=2) == 5
    assert batch_size(0.03, left=21, workers=2) == 6
    assert batch_size(0.03, left=3, workers=2) == 1
    assert batch_size(0.03, left=0, workers=2) == 1
