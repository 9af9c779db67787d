"""A sweep file and what it expands to; every mistake in one is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from moomtui import cli
from moomtui.lab.spec import MAX_RUNS, SpecError, load_spec

PRESETS = Path(__file__).resolve().parents[2] / "presets"


def spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'presets = ["{PRESETS}/leaky-apache.toml", "no-oom"]\n{text}')
    return path


def test_a_spec_expands_to_presets_times_configurations_times_seeds(tmp_path: Path) -> None:
    sweep = load_spec(
        str(
            spec(
                tmp_path,
                'policies = ["none", "oom_kill", "oom_kill_parent", "oom_kill+oom_kill_parent"]\n'
                'seeds = 3\nlength = "30s"\n'
                "[params.oom_kill_parent]\noom_parent_max = [2, 5, 10, 20]\n"
                "oom_parent_expire = [10, 60]\n"
                '[sysctl]\n"kernel.panic" = [0, 10]\n',
            )
        )
    )
    labels = [c.label for c in sweep.configs]
    # the grid multiplies only the policies that load the module: 1 + 1 + 8 + 8, × 2 panics
    assert len(labels) == (1 + 1 + 8 + 8) * 2
    assert labels[:3] == ["none kernel.panic=0", "none kernel.panic=10", "oom_kill kernel.panic=0"]
    assert "oom_kill_parent oom_parent_max=5 oom_parent_expire=60 kernel.panic=10" in labels
    assert sweep.count() == 2 * len(labels) * 3
    jobs = list(sweep.jobs())
    assert [j.index for j in jobs] == list(range(sweep.count()))
    assert [(j.preset, j.config) for j in jobs[:4]] == [(0, 0), (0, 0), (0, 0), (0, 1)]
    assert [j.seed for j in jobs[:3]] == [42, 43, 44]  # leaky-apache's seed, +1, +2
    assert all(j.payload.duration == 3000 for j in jobs)
    kp = next(
        j
        for j in jobs
        if sweep.configs[j.config].label.startswith(
            "oom_kill_parent oom_parent_max=20 oom_parent_expire=10 kernel.panic=10"
        )
    )
    overrides = kp.payload.overrides
    assert 'kernel.modules=["oom_kill_parent oom_parent_max=20 oom_parent_expire=10"]' in overrides
    assert "kernel.sysctl.kernel.panic=10" in overrides
    assert sweep.param_columns == [
        "oom_kill_parent.oom_parent_max",
        "oom_kill_parent.oom_parent_expire",
    ]
    assert sweep.sysctl_columns == ["sysctl.kernel.panic"]


def test_seeds_as_a_count_a_list_or_a_range(tmp_path: Path) -> None:
    for text, seeds in (
        ("seeds = [7, 3]", [7, 3]),
        ("seeds = { from = 100, count = 3 }", [100, 101, 102]),
    ):
        sweep = load_spec(str(spec(tmp_path, f'policies = ["oom_kill"]\n{text}\n')))
        assert [p.seeds for p in sweep.presets] == [seeds, seeds]
    sweep = load_spec(str(spec(tmp_path, 'policies = ["oom_kill"]\n')), seeds=2)
    assert [p.seeds for p in sweep.presets] == [[42, 43], [3, 4]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour = 1", "colour: unknown key"),
        ('policies = ["oom_foo"]', "policies[0]: oom_foo: no such policy"),
        (
            'policies = ["oom_kill"]\n[params.oom_kill_parent]\noom_parent_max = 2',
            "params.oom_kill_parent: no policy of the sweep loads it",
        ),
        (
            'policies = ["oom_kill_parent"]\n[params.oom_kill_parent]\nmax = [1]',
            "params.oom_kill_parent.max: no such parameter",
        ),
        ('policies = ["oom_kill"]\nseeds = 0', "seeds: expected an integer from 1 to 100000"),
        ('policies = ["oom_kill"]\nlength = "soon"', "length: expected"),
        ('policies = ["oom_kill"]\n[sysctl]\n"kernel.panic" = [0, 0]', "a value is given twice"),
        ('policies = ["oom_kill"]\n[sysctl]\n"kernel.nosuch" = [1]', "kernel.nosuch"),
        (
            'policies = ["oom_kill"]\nseeds = 100000\n'
            '[sysctl]\n"kernel.panic" = [0, 1, 2, 3, 4, 5]',
            f"at most {MAX_RUNS:,}",
        ),
        ('policies = ["./nowhere.py"]', "nowhere.py"),
        ('policies = ["oom_kill"]\nbaseline = "oom_panic"', "baseline: oom_panic: not one of"),
    ],
)
def test_a_bad_spec_is_one_line_naming_the_file_and_key(
    tmp_path: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = spec(tmp_path, text + "\n")
    with pytest.raises(SpecError, match=r"s\.toml"):
        load_spec(str(path))
    assert cli.main(["sweep", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert err.startswith(f"moomtui: {path}: ")


def test_a_policy_files_parameters_are_checked_before_any_run(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "y.py").write_bytes((root / "examples" / "oom_kill_youngest.py").read_bytes())
    path = spec(tmp_path, 'policies = ["./y.py"]\n[params."./y.py"]\nmin_rss = [0, "lots"]\n')
    with pytest.raises(SpecError, match=r"s\.toml: \./y\.py min_rss=lots: insmod: .*min_rss"):
        load_spec(str(path))
    path = spec(tmp_path, 'policies = ["./y.py"]\n[params."./y.py"]\nmin_rss = [0, 256]\n')
    sweep = load_spec(str(path))
    assert [c.label for c in sweep.configs] == ["./y.py min_rss=0", "./y.py min_rss=256"]
    assert sweep.configs[1].files[0][1] == ("min_rss=256",)


def test_a_family_that_fails_at_an_end_is_refused_before_any_run(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "examples" / "sweeps" / "prefork-leaks.toml").read_text()
    bad = text.replace(
        'respawn = { uniform = ["0.2s", "3s"] }', 'respawn = { uniform = ["0.2s", "100000h"] }'
    )
    assert bad != text
    (tmp_path / "f.toml").write_text(bad)
    path = tmp_path / "s.toml"
    path.write_text('presets = ["f.toml"]\npolicies = ["oom_kill"]\n')
    with pytest.raises(SpecError, match=r"presets\[0\]: .*f\.toml: tasks\[2\]\.args\.respawn"):
        load_spec(str(path))
