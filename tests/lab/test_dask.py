"""The Dask engine: a LocalCluster of two worker processes gives the local pool's results
file byte for byte, and a user's policy file read here runs there.

Collected only where the cluster extra is installed (tests/lab/conftest.py): ``pip install
'.[test,cluster]'``. CI runs it on every push — .ci/run's ``cluster`` check, which adds the
extra beside the newest Python's test install.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import distributed  # noqa: F401  (the cluster extra: this file needs it)
import pytest

from .test_sweep import ROOT, run


@pytest.mark.slow
def test_dask_with_two_workers_gives_the_local_bytes_and_runs_a_users_policy_file(
    tmp_path: Path,
) -> None:
    """A LocalCluster of two worker processes: the same results file, byte for byte, as the
    local pool's, and a policy file read here runs there (its text travels with the job).
    Twenty-four runs: the first four go one a task, the rest in batches as long as about
    a second of runs, shrinking as the sweep ends (moomtui.lab.engines.batch_size)."""
    shutil.copy(ROOT / "examples" / "oom_kill_youngest.py", tmp_path / "youngest.py")
    shutil.copy(ROOT / "presets" / "no-oom.toml", tmp_path / "no-oom.toml")
    spec = tmp_path / "s.toml"
    spec.write_text(
        'presets = ["no-oom.toml"]\npolicies = ["oom_kill", "./youngest.py"]\nseeds = 8\n'
        'length = "60s"\n[params."./youngest.py"]\nmin_rss = [0, 256]\n'
    )
    run(tmp_path / "local.csv", spec=spec, jobs=2)
    summary = run(tmp_path / "dask.csv", spec=spec, jobs=2, engine="dask")
    local = (tmp_path / "local.csv").read_bytes()
    assert (tmp_path / "dask.csv").read_bytes() == local
    rows = list(csv.DictReader((tmp_path / "dask.csv").open()))
    mine = [r for r in rows if r["policy"] == "./youngest.py"]
    assert len(rows) == 24 and len(mine) == 16
    assert {r["./youngest.py.min_rss"] for r in mine} == {"0", "256"}
    assert all(int(r["kills"]) >= 1 for r in mine)
    assert "./youngest.py min_rss=256" in summary
