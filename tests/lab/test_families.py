"""Workload families: distributions in a preset, drawn from the run's seed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from moomtui import cli
from moomtui.presets import PresetError, load_preset

FAMILY = Path(__file__).resolve().parents[2] / "examples" / "sweeps" / "prefork-leaks.toml"
PATHS = ["children", "child_rate", "child_ws", "respawn"]


def drawn(seed: int) -> dict[str, object]:
    return load_preset(FAMILY, draw=seed).drawn


@pytest.mark.slow
def test_the_draws_are_the_seeds_and_only_the_seeds() -> None:
    first = drawn(5)
    assert list(first) == [f"tasks[2].args.{name}" for name in PATHS]
    assert drawn(5) == first
    assert len({str(drawn(seed)) for seed in range(8)}) == 8
    for seed in range(30):
        d = drawn(seed)
        assert d["tasks[2].args.children"] in (4, 8, 16)
        rate = str(d["tasks[2].args.child_rate"])
        assert rate.endswith("K/s") and 32 <= float(rate[:-3]) <= 256
        ws = str(d["tasks[2].args.child_ws"])
        assert 128 <= float(ws[:-1]) <= 2048
    # what a run's machine is: the drawn values reach the task
    scenario = load_preset(FAMILY, draw=5)
    httpd = scenario.spec.tasks[2]
    assert httpd.args["children"] == first["tasks[2].args.children"]


@pytest.mark.slow
def test_a_draw_is_the_same_in_another_process() -> None:
    import subprocess
    import sys

    code = (
        f"from moomtui.presets import load_preset;print(load_preset({str(FAMILY)!r}, draw=5).drawn)"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == str(drawn(5))


def test_run_shows_the_values_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(FAMILY), "--seed", "5", "--for", "1s"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("workload drawn: tasks[2].args.children = ")
    for path, value in drawn(5).items():
        assert f"{path} = {value}" in first


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        ('{ uniform = ["1s"] }', "respawn.uniform: expected a list of two values"),
        ('{ uniform = ["1s", "5M"] }', "both ends need the same unit"),
        ('{ uniform = ["5s", "1s"] }', "the low end is above the high end"),
        ('{ lognormal = ["1s", 0.5] }', "needs within = [LOW, HIGH]"),
        ('{ lognormal = ["1s", 50], within = ["1s", "2s"] }', "sigma must be"),
        ("{ choice = [] }", "expected a list of 1 to 256 values"),
        # well formed, but its high end is no duration the preset takes: check tries it
        ('{ uniform = ["1s", "100000h"] }', "respawn"),
        # one choice in the middle is wrong: check tries every choice
        ('{ choice = ["1s", "soon", "2s"] }', "respawn"),
    ],
)
def test_check_refuses_a_bad_family_in_one_line(
    tmp_path: Path, family: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = FAMILY.read_text()
    start = text.index("respawn = {")
    end = text.index("} }", start) + 1
    bad = tmp_path / "bad.toml"
    bad.write_text(text[:start] + f"respawn = {family}" + text[end:])
    assert cli.main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert err.startswith(f"moomtui: {bad}: tasks[2].args.respawn")


def test_check_passes_a_good_family() -> None:
    out = io.StringIO()
    from moomtui.headless import check

    assert check([str(FAMILY)], out, io.StringIO()) == 0
    assert out.getvalue().endswith("prefork-leaks.toml: ok (Prefork leaks)\n")


def test_the_seed_is_never_drawn(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('name = "x"\nseed = { choice = [1, 2] }\n')
    with pytest.raises(PresetError, match="seed: a family's seed is the run's"):
        load_preset(bad)


def test_compare_draws_a_familys_machine_per_seed() -> None:
    from moomtui.compare import compare_sweep
    from moomtui.kernel.constants import HZ
    from moomtui.lab.runner import run_payload
    from moomtui.presets import read_preset

    source = read_preset(FAMILY)
    sweep = compare_sweep(source, source.load(), ["oom_kill"], [1, 2, 3], 1 * HZ)
    jobs = list(sweep.jobs())
    assert all(job.payload.family for job in jobs)
    draws = [run_payload(job.payload)["drawn"] for job in jobs]
    assert draws == [drawn(seed) for seed in (1, 2, 3)] and draws[0] != draws[1]
