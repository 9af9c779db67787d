"""``moomtui postmortem`` and ``moomtui snapshot`` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from moomtui.presets import load_preset
from moomtui.real.eras import VERDICT_KEYS

from .kformat import T, report

ROOT = Path(__file__).resolve().parents[2]
JAVA = ROOT / "examples" / "reports" / "java-5.15.txt"
MONGOD = ROOT / "examples" / "reports" / "mongod-3.10.txt"


def moomtui(
    *args: str, stdin: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moomtui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
    )


def test_json_has_the_documented_shape() -> None:
    proc = moomtui("postmortem", str(MONGOD), "--json")
    assert proc.returncode == 0, proc.stderr
    (r,) = json.loads(proc.stdout)["reports"]
    assert r["kernel"] == "3.10.0-1160.el7.x86_64"
    assert r["constraint"] == "global"
    assert r["totalpages"] == 2047152 + 262143
    assert r["tasks"] == 8
    assert r["victim"]["pid"] == 2211 and r["victim"]["comm"] == "java"
    assert set(r["verdicts"]) == set(VERDICT_KEYS)
    for v in r["verdicts"].values():
        assert {"pid", "comm", "score"} <= set(v)
    assert r["verdicts"]["3.14"]["pid"] == 1180
    assert (r["model"], r["matches"]) == ("3.6", True)
    assert r["assumptions"]


def test_several_reports_and_stdin(tmp_path: Path) -> None:
    tasks = [T(10, "a", 100_000), T(11, "b", 90_000)]
    text = "\n".join([*report("6.x", tasks, tasks[0]), *report("4.19", tasks, tasks[1])])
    proc = moomtui("postmortem", "-", "--json", stdin=text)
    assert proc.returncode == 0, proc.stderr
    reports = json.loads(proc.stdout)["reports"]
    assert [r["victim"]["pid"] for r in reports] == [10, 11]
    # 5.4 passes over the first report's victim (MMF_OOM_SKIP): b is its choice.
    assert [r["matches"] for r in reports] == [True, True]
    assert reports[1]["passed_over"] == ["10 (a, killed at line 21)"]


def test_print_shows_every_era_and_the_verdict() -> None:
    proc = moomtui("postmortem", str(MONGOD), "--print")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for label in ("2.4 badness()", "2.6.36", "3.6–3.13", "3.14–4.16", "5.9–6.x", "earlyoom"):
        assert label in out
    assert "the 3.6–3.13 rule picks 2211 (java): as the kernel did." in out
    assert "assumed:" in out


def test_the_preset_is_accepted_by_check_and_keeps_the_tasks(tmp_path: Path) -> None:
    out = tmp_path / "java.toml"
    proc = moomtui("postmortem", str(JAVA), "--preset", str(out))
    assert proc.returncode == 0, proc.stderr
    assert moomtui("check", str(out)).returncode == 0
    scenario = load_preset(out)
    spec = scenario.spec
    by_pid = {t.pid: t for t in spec.tasks}
    java = by_pid[1640]
    assert (java.rss, java.swap, java.total_vm) == (3120547, 381020, 9023318)
    assert by_pid[944].oom_score_adj == -1000
    assert by_pid[2417].program == "hog"  # it invoked the OOM killer
    assert spec.ram_pages - (384 + spec.ram_pages // 64) == 4194173 - 102390  # MemTotal
    assert spec.swap_pages == 524287
    assert spec.modules == ["oom_score_adj"]


def test_a_preset_is_never_written_over(tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("precious\n")
    proc = moomtui("postmortem", str(JAVA), "--preset", str(out))
    assert proc.returncode == 2
    assert "exists already" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_text() == "precious\n"


def test_a_resumed_postmortem_machine_runs_out_of_memory_again(tmp_path: Path) -> None:
    """Paused at the moment of the OOM: the task that invoked the killer allocates again,
    and the loaded policy (2.6.36's, for a 5.15 report) chooses — java, as the kernel did."""
    out = tmp_path / "java.toml"
    assert moomtui("postmortem", str(JAVA), "--preset", str(out)).returncode == 0
    proc = moomtui("run", str(out), "--for", "20s", "--json")
    assert proc.returncode == 0, proc.stderr
    dmesg = "\n".join(line["text"] for line in json.loads(proc.stdout)["dmesg"])
    assert "Killed process 1640 (java)" in dmesg


def test_snapshot_json_scores_every_task_like_the_kernel() -> None:
    proc = moomtui("snapshot", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["machine"]["totalpages"] > 0
    assert set(doc["verdicts"]) == set(VERDICT_KEYS)
    tasks = {t["pid"]: t for t in doc["tasks"]}
    assert 1 in tasks and tasks[1]["kernel_oom_score"] == 0
    for t in tasks.values():
        assert set(t["scores"]) == set(VERDICT_KEYS)
        if t["kthread"]:
            assert t["kernel_oom_score"] == 0


def test_snapshot_preset_boots(tmp_path: Path) -> None:
    out = tmp_path / "here.toml"
    proc = moomtui("snapshot", "--preset", str(out))
    assert proc.returncode == 0, proc.stderr
    assert moomtui("check", str(out)).returncode == 0
    assert moomtui("run", str(out), "--for", "2s").returncode == 0


def test_snapshot_print_says_who_each_policy_would_kill() -> None:
    proc = moomtui("snapshot", "--print")
    assert proc.returncode == 0, proc.stderr
    assert "who would each policy kill right now?" in proc.stdout


def test_every_shipped_example_report_matches_its_kernel() -> None:
    for path in sorted((ROOT / "examples" / "reports").glob("*.txt")):
        proc = moomtui("postmortem", str(path), "--json")
        assert proc.returncode == 0, (path, proc.stderr)
        for r in json.loads(proc.stdout)["reports"]:
            assert r["matches"] is True, (path.name, r["why"])


def test_postmortem_in_process_gives_its_frozen_heap_back(capsys: object) -> None:
    """The log read is frozen out of the collector's full collections while the reports are
    judged and printed (a 10,000-report log's objects are walked once, not at every
    collection) — and given back when the command is done, a caller in the process going on
    (the screen, a test run) with nothing left frozen."""
    import gc

    from moomtui.cli import main

    frozen = gc.get_freeze_count()
    assert main(["postmortem", "--print", str(JAVA)]) == 0
    assert main(["postmortem", "--json", str(JAVA)]) == 0
    assert gc.get_freeze_count() == frozen
