"""The campaign's last level, won by a policy file the player writes (a local player's only).

oom_panic is built in, the node may not reboot, and a frame job bursts at about 0:30. A module
loaded by name joins the chain after oom_panic, which panics on the first call: the seed's
``out_of_memory()`` is

    notifier_call_chain(&oom_notify_list, OUT_OF_MEMORY, 0);

and 2.4's ``notifier_call_chain`` calls the blocks in priority order, ending the walk at a
return with ``NOTIFY_STOP_MASK`` set (``if (ret & NOTIFY_STOP_MASK) break;``). The intended
solution is the starter ``mkpolicy`` writes, edited: a priority above oom_panic's, a return
that ends the walk, and renderd killed after its frame job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from moomtui.game import ScoreBook
from moomtui.game.campaign import LEVELS, load_levels, progress
from moomtui.game.play import Game, Report
from moomtui.kernel.constants import HZ
from moomtui.presets import load_shipped_preset
from moomtui.shell.profile import SCRIPT, SERVED
from moomtui.sim import Simulation

KEY = "lvl11-own-policy"


@dataclass
class Played:
    game: Game
    report: Report

    @property
    def won(self) -> bool:
        return self.game.tracker.won

    def lost(self) -> str:
        return " | ".join(g.detail for g in self.game.tracker.goals if g.state == "lost")

    def at_par(self) -> bool:
        score = self.game.tracker.score()
        return score is not None and score.at_par


def play(lines: list[tuple[float, str]], seed: int | None = None) -> Played:
    """The level to its end, each line typed at the console (the local profile) at its time."""
    sim = Simulation(load_shipped_preset(KEY), seed=seed)
    game = Game(sim)
    game.begin()
    done = 0
    for at, line in lines:
        game.run_for(round(at * HZ) - done)
        done = round(at * HZ)
        result = sim.execute(line)
        assert result.status == 0, (line, result.output)
    game.run_for(game.tracker.time_limit - done)
    return Played(game, game.report())


def starter(folder: Path, name: str = "oom_mine") -> Path:
    """The starter policy, written by ``mkpolicy`` as a player would have it written."""
    path = folder / f"{name}.py"
    result = Simulation(load_shipped_preset(KEY)).execute(f"mkpolicy {path}")
    assert result.status == 0 and str(path) in result.output, result.output
    return path


def solution(folder: Path) -> Path:
    """The starter edited as the hints say: first on the chain, every call ends the walk,
    and the parent of the frame job dies after it."""
    path = starter(folder)
    text = path.read_text()
    for old, new in (
        ("    priority = 0\n", "    priority = 1\n"),
        ("WAIT = NOTIFY_DONE\n", "WAIT = ENDS_THE_WALK\n"),
        ("DONE = NOTIFY_DONE\n", "DONE = ENDS_THE_WALK\n"),
        (
            "        self.oom_kill(victim)  # the task and its threads; "
            "victim.p_pptr is its parent\n",
            "        self.oom_kill(victim)\n"
            "        if victim.p_pptr is not None and victim.p_pptr.pid != 1:\n"
            "            self.oom_kill(victim.p_pptr)\n",
        ),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text)
    return path


def test_the_edited_starter_wins_at_par(tmp_path: Path) -> None:
    won = play([(5, f"insmod {solution(tmp_path)}")])
    assert won.won and won.at_par(), won.game.tracker.render_text()
    panic, mine = won.report.policies
    assert panic == (
        "oom_panic: never panicked: 1 out_of_memory() call, ended by oom_mine, "
        "ahead of it on the chain (NOTIFY_STOP_MASK)."
    )
    assert mine == "oom_mine: killed 2 tasks."
    frame, parent = won.report.kills  # the frame job, then renderd that forked it
    assert "renderd (pid 9) by oom_mine" in frame and "renderd (pid 400) by oom_mine" in parent
    assert won.report.card.culprits_killed == 2


def test_par_holds_for_a_sample_of_the_seeds(tmp_path: Path) -> None:
    from moomtui.game.campaign import level_seeds

    path = solution(tmp_path)
    seeds = level_seeds(load_shipped_preset(KEY))
    for seed in (seeds[1], seeds[-1]):
        played = play([(5, f"insmod {path}")], seed=seed)
        assert played.won and played.at_par(), (seed, played.game.tracker.render_text())


def test_doing_nothing_panics_at_the_first_burst() -> None:
    idle = play([])
    assert not idle.won and "panic at 28.6 s" in idle.lost()
    assert idle.report.policies == (
        "oom_panic: panicked 1 time: the first call panics, swap or not.",
    )


def test_the_starter_as_written_runs_after_oom_panic_and_the_report_says_so(
    tmp_path: Path,
) -> None:
    played = play([(5, f"insmod {starter(tmp_path)}")])
    assert not played.won and "panic at 28.6 s" in played.lost()
    assert played.report.policies[-1] == (
        "oom_mine: never reached: oom_panic, ahead of it on the chain, panicked first "
        "(equal priorities run in the order they were registered, higher ones first)."
    )


def test_first_on_the_chain_but_letting_the_walk_go_on_still_panics(tmp_path: Path) -> None:
    path = starter(tmp_path)
    path.write_text(path.read_text().replace("    priority = 0\n", "    priority = 1\n"))
    sim = Simulation(load_shipped_preset(KEY))
    assert sim.execute(f"insmod {path}").status == 0
    chain = sim.execute("lsmod").output.splitlines()[-1]
    assert chain == "OOM chain: out_of_memory() → oom_mine (priority 1) → oom_panic"
    played = play([(5, f"insmod {path}")])
    assert not played.won and "panic at 28.6 s" in played.lost()
    assert played.report.policies[0] == (
        "oom_panic: panicked 1 time: the first call that reaches it panics; oom_mine, ahead "
        "of it on the chain, let the walk go on (NOTIFY_DONE)."
    )


@pytest.mark.parametrize(
    "line",
    [
        "insmod oom_kill",
        "insmod oom_kill_parent oom_parent_max=0",
        "insmod oom_kill_allocating",
        "insmod oom_score_adj",
    ],
)
def test_a_shipped_killer_is_never_reached(line: str) -> None:
    """The tempting move: every shipped killer is a module at priority 0, after the
    built-in oom_panic."""
    played = play([(5, line)])
    name = line.split()[1]
    assert not played.won and "panic at 28.6 s" in played.lost()
    assert played.report.policies[-1].startswith(
        f"{name}: never reached: oom_panic, ahead of it on the chain, panicked first"
    )


def test_earlyoom_misses_the_burst_and_tuned_to_act_early_it_shoots_postgres() -> None:
    """The burst is one fault bigger than what is free: no 100 ms poll sees it coming. And
    renderd's package set its oom_score_adj to -1000, which its frame jobs inherit: earlyoom
    never picks them, so a limit above what is free picks postgres, whatever avoid says."""
    default = play([(5, "insmod earlyoom")])
    assert not default.won and "panic at 28.6 s" in default.lost()
    assert "earlyoom: signalled nobody; it acts at mem ≤ 10 %" in default.report.policies[-1]
    tuned = play([(5, "insmod earlyoom mem_term=46 prefer=^renderd$ avoid='^(postgres|sshd)$'")])
    assert not tuned.won and "postgres (pid 8) killed by earlyoom at 5.0 s" in tuned.lost()


def test_a_first_handler_that_spares_the_parent_kills_too_often(tmp_path: Path) -> None:
    """The second idea: renderd forks a new frame job for every one killed."""
    path = solution(tmp_path)
    text = path.read_text()
    spared = text.replace("            self.oom_kill(victim.p_pptr)\n", "            pass\n")
    assert spared != text
    path.write_text(spared)
    played = play([(5, f"insmod {path}")])
    assert not played.won and "kill 4 at" in played.lost(), played.lost()


def test_rebooting_into_a_kernel_without_oom_panic_loses() -> None:
    played = play([(5, "kconfig CONFIG_OOM_PANIC=m"), (5, "reboot"), (6, "insmod oom_kill_parent")])
    assert not played.won and "rebooted by hand at 5.0 s" in played.lost()


def test_no_reboot_is_lost_at_a_panics_reboot_too() -> None:
    """Level 5's move, with only the no_reboot goal: the panic's reboot loses it."""
    from moomtui.game import Tracked
    from moomtui.presets import load_preset

    scenario = load_preset(KEY, overrides=["goals={no_reboot = true}"])
    sim = Simulation(scenario)
    tracked = Tracked.start(sim)
    sim.execute("sysctl -w kernel.panic=3")
    tracked.run_for(tracked.tracker.time_limit)
    (goal,) = tracked.tracker.goals
    assert goal.state == "lost" and goal.detail.startswith("rebooted after a panic at 31.6 s")


def test_mkpolicy_never_writes_over_a_file(tmp_path: Path) -> None:
    sim = Simulation(load_shipped_preset(KEY))
    mine = tmp_path / "oom_mine.py"
    mine.write_text("# my work\n")
    result = sim.execute(f"mkpolicy {mine}")
    assert result.status == 1 and "File exists, not replaced" in result.output
    assert mine.read_text() == "# my work\n"
    bad = sim.execute(f"mkpolicy {tmp_path / 'my-policy.py'}")
    assert bad.status == 1 and "C identifier" in bad.output
    assert not (tmp_path / "my-policy.py").exists()


@pytest.mark.parametrize("profile", [SCRIPT, SERVED])
def test_mkpolicy_is_the_local_consoles_only(tmp_path: Path, profile: object) -> None:
    sim = Simulation(load_shipped_preset(KEY), profile=profile)  # type: ignore[arg-type]
    result = sim.execute(f"mkpolicy {tmp_path / 'oom_mine.py'}")
    assert result.status != 0 and "Operation not permitted" in result.output
    assert not (tmp_path / "oom_mine.py").exists()


def test_a_served_campaign_skips_the_level_and_says_why() -> None:
    scenarios = load_levels()
    local = progress(ScoreBook(None), scenarios)
    served = progress(ScoreBook(None), scenarios, run_code=False)
    own = [i for i, level in enumerate(LEVELS) if level.own_code]
    assert own == [len(LEVELS) - 1]  # last: it needs every idea before it
    assert not local[-1].skipped and local[-1].mark == "⊘"
    assert served[-1].skipped and not served[-1].open and served[-1].mark == "–"
    assert [s.open for s in served[:-1]] == [s.open for s in local[:-1]]
