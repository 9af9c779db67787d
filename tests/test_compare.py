"""``moomtui compare``: the right policy depends on the workload, and the table shows it.

Assertions are on the JSON output; 2 seeds and short runs keep this quick.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

from moomtui import cli
from moomtui.compare import (
    CompareError,
    CompareOptions,
    compare,
    configure,
    default_configs,
    parse_configs,
    run_one,
)
from moomtui.game import CRITERIA
from moomtui.kernel.constants import HZ
from moomtui.kernel.kconfig import KCONFIG_OPTIONS
from moomtui.lab import engines
from moomtui.lab.spec import Config, Sweep, SweepPreset
from moomtui.presets import list_presets, load_preset, read_preset


def compare_json(preset: str, seconds: int | None = None, policies: str | None = None) -> Any:
    out = io.StringIO()
    opts = CompareOptions(
        preset=preset,
        policies=policies,
        seeds=2,
        duration=None if seconds is None else seconds * HZ,
        as_json=True,
    )
    assert compare(opts, out, io.StringIO()) == 0
    return json.loads(out.getvalue())


def median(doc: Any, config: str, criterion: str) -> Any:
    return doc["results"][config][criterion]["median"]


SHORTER = {"fork-bomb": 10}
"""Seconds a preset is compared for when 30 would be dear: the fork bomb kills a thousand
times a simulated second under oom_score_adj from its eighth second on."""


@pytest.mark.slow
@pytest.mark.parametrize("key", [p.key for p in list_presets() if p.key != "bench"])
def test_compare_finishes_on_every_shipped_preset(key: str) -> None:
    seconds = SHORTER.get(key, 30)
    doc = compare_json(key, seconds)
    seed = load_preset(key).spec.seed
    assert doc["preset"] == key and doc["seeds"] == [seed, seed + 1]
    assert doc["duration"] == seconds
    assert list(doc["results"]) == default_configs()
    for figures in doc["results"].values():
        for crit in CRITERIA:
            s = figures[crit.key]
            assert set(s) == {"median", "min", "max", "ci_low", "ci_high", "n"}
            if s["median"] is not None:
                assert s["min"] <= s["ci_low"] <= s["median"] <= s["ci_high"] <= s["max"]
    assert set(doc["winners"]) == {c.key for c in CRITERIA}
    assert set(doc["winners"].values()) <= {*doc["results"], None}


def test_leaky_apache_kill_parent_ends_the_leak_with_fewer_kills_than_classic() -> None:
    doc = compare_json("leaky-apache", policies="oom_kill,oom_kill_parent")
    assert 0 < median(doc, "oom_kill_parent", "kills") < median(doc, "oom_kill", "kills")
    assert doc["winners"]["kills"] == "oom_kill_parent"


@pytest.mark.parametrize(("key", "seconds"), [("no-oom", 60), ("leaky-apache", 120)])
def test_with_no_policy_the_machine_livelocks(key: str, seconds: int) -> None:
    doc = compare_json(key, seconds, policies="none,oom_kill")
    assert median(doc, "none", "kills") == 0
    assert median(doc, "none", "livelock") > 0
    assert median(doc, "oom_kill", "livelock") == 0
    assert doc["winners"]["livelock"] == "oom_kill"


def test_on_ha_failover_oom_panic_panics_and_reboots() -> None:
    doc = compare_json("ha-failover", 60, policies="none,oom_panic")
    assert median(doc, "oom_panic", "panics") >= 1
    assert median(doc, "oom_panic", "reboots") >= 1
    assert median(doc, "oom_panic", "down") > 0
    assert median(doc, "none", "panics") == 0
    assert median(doc, "none", "thrashing") > 0  # limping instead: what an HA node avoids


def test_results_are_the_same_whatever_order_the_jobs_finish_in() -> None:
    source = read_preset("classic-leak")
    base = source.load()
    preset = SweepPreset("classic-leak", source, base, [], [1, 2, 3])
    sweep = Sweep("t", [preset], [Config("oom_kill", ("oom_kill",))], 30 * HZ)
    jobs = list(sweep.jobs())
    got: dict[str, dict[int, Any]] = {"forward": {}, "backward": {}}
    for name, order in (("forward", jobs), ("backward", jobs[::-1])):
        engines.run_local(
            order,
            len(order),
            lambda job, result, _, name=name: got[name].__setitem__(job.seed, result["card"]),
        )
    assert got["forward"] == got["backward"]
    scenario = configure("classic-leak", "oom_kill", base)
    assert got["forward"][2] == run_one(scenario, 2, 30 * HZ)


def test_one_worker_gives_the_same_results_as_one_per_core() -> None:
    out = {}
    for jobs in (1, None):
        buf = io.StringIO()
        opts = CompareOptions(
            "no-oom", "none,oom_kill", seeds=2, duration=20 * HZ, as_csv=True, jobs=jobs
        )
        assert compare(opts, buf, io.StringIO()) == 0
        out[jobs] = buf.getvalue()
    assert out[1] == out[None] and out[1].count("\n") == 5


def test_csv_has_one_line_per_configuration_and_seed() -> None:
    out = io.StringIO()
    opts = CompareOptions("no-oom", "none,oom_kill", seeds=3, duration=20 * HZ, as_csv=True)
    assert compare(opts, out, io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("config,seed,work_lost,")
    assert [line.split(",")[:2] for line in lines[1:]] == [
        [config, str(seed)] for config in ("none", "oom_kill") for seed in (3, 4, 5)
    ]


def test_the_table_names_every_configuration_and_marks_winners() -> None:
    out = io.StringIO()
    opts = CompareOptions("no-oom", "none,oom_panic,oom_kill", seeds=1, duration=60 * HZ)
    assert compare(opts, out, io.StringIO()) == 0
    text = out.getvalue()
    for config in ("none", "oom_panic", "oom_kill"):
        assert f"│ {config} " in text
    assert "★" in text and "work lost" in text


def test_a_configuration_loads_exactly_its_modules_with_the_presets_parameters(
    tmp_path: Path,
) -> None:
    preset = tmp_path / "p.toml"
    preset.write_text(
        'name = "p"\n[kernel]\nconfig = { CONFIG_OOM_KILL = "y", CONFIG_OOM_KPPID = "m" }\n'
        'modules = ["oom_kill_parent oom_parent_max=5"]\n'
    )
    base = load_preset(preset)
    both = configure(str(preset), "oom_kill+oom_kill_parent", base)
    assert both.spec.kconfig == dict.fromkeys(KCONFIG_OPTIONS, "m")
    assert both.spec.modules == ["oom_kill", "oom_kill_parent oom_parent_max=5"]
    assert configure(str(preset), "none", base).spec.modules == []


def test_policies_are_parsed_and_checked() -> None:
    assert parse_configs(" none, oom_kill+oom_kill_parent,none") == [
        "none",
        "oom_kill+oom_kill_parent",
    ]
    assert parse_configs(None)[:5] == [
        "none",
        "oom_panic",
        "oom_kill",
        "oom_kill_parent",
        "oom_kill+oom_kill_parent",
    ]
    for bad in ("oom_foo", "oom_kill+", "oom_kill,,none", "oom_kill+oom_kill"):
        with pytest.raises(CompareError):
            parse_configs(bad)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--policies", "oom_kill,oom_foo"], "oom_foo: no such policy"),
        (["--seeds", "0"], "--seeds"),
        (["--jobs", "0"], "--jobs"),
        (["--for", "soon"], "--for"),
        (["--json", "--csv"], "not allowed with"),
    ],
)
def test_bad_arguments_are_one_line_errors_with_status_2(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = cli.main(["compare", "no-oom", *args])
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert err.startswith("moomtui")


def test_the_table_is_readable_at_80_columns(snapshot) -> None:  # type: ignore[no-untyped-def]
    """Every criterion of every configuration, none cut short: at 80 columns the table
    stacks in three, each beside the policy names, and a range shows its unit once
    (``29.6–30.3s``). The text is kept as a snapshot (``--snapshot-update`` after a
    deliberate change)."""
    out = io.StringIO()
    opts = CompareOptions("leaky-apache", seeds=2, duration=120 * HZ, width=80)
    assert compare(opts, out, io.StringIO()) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in "".join(lines[1:])
    assert text.count("┃ policy ") == 3
    for crit in CRITERIA:
        arrow = "↓" if crit.better == "low" else "↑"
        assert f"{crit.title} {arrow}" in text
    for config in default_configs():
        assert text.count(f"│ {config} ") == 3
    assert "29.6–30.3s" in text and "3632.7–3632.9s" in text
    assert text == snapshot


def test_workers_are_not_forked_beside_other_threads() -> None:
    """A child forked while another thread holds a lock keeps that lock held for ever:
    with a second thread alive, the workers never start by ``fork`` (a fork server
    instead, where fork is the platform's default); alone, the platform's default."""
    from moomtui.lab.engines import context as _context
    from moomtui.lab.engines import threads as _threads

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _context().get_start_method() != "fork"
    finally:
        stop.set()
        other.join()
    if _threads() == 1:
        assert _context().get_start_method() == multiprocessing.get_start_method()
