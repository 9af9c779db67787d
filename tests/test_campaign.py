"""The campaign's levels, each proven headless: the intended solution wins at par, doing
nothing loses, the most tempting wrong move loses and the report says why, and no single
key at t=0 (insmod of the module panel's first row, rmmod of a policy) wins. Par holds for
a sample of the seeds a level draws from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from moomtui.game import ScoreBook, Tracked
from moomtui.game.campaign import (
    LEVELS,
    SEEDS,
    draw_seed,
    killers_line,
    level_seeds,
    load_levels,
    par_and_best,
    progress,
)
from moomtui.game.goals import GoalTracker
from moomtui.game.kills import KillLog
from moomtui.game.scores import ScoreResult, hint_cost
from moomtui.kernel.constants import HZ
from moomtui.presets import (
    PresetError,
    Scenario,
    checker,
    load_shipped_preset,
    preset_keys,
    shipped_game,
)
from moomtui.sim import Simulation

Script = list[tuple[float, str]]


@dataclass
class Played:
    tracker: GoalTracker
    kills: list[str]

    @property
    def won(self) -> bool:
        return self.tracker.won

    def lost_details(self) -> str:
        return " | ".join(g.detail for g in self.tracker.goals if g.state == "lost")

    def at_par(self) -> bool:
        score = self.tracker.score()
        return score is not None and score.at_par


def play(key: str, script: Script, seed: int | None = None) -> Played:
    """The level played headless to its end, with the player's lines at their times."""
    scenario = load_shipped_preset(key)
    sim = Simulation(scenario, seed=seed, script=[(round(t * HZ), line) for t, line in script])
    tracked = Tracked.start(sim)
    assert isinstance(tracked.tracker, GoalTracker)
    log = KillLog(lambda: sim.kernel, tracked.tracker.now)
    sim.kernel.bus.subscribe(log)
    tracked.run_for(tracked.tracker.time_limit)
    tracked.finish()
    return Played(tracked.tracker, log.lines())


@dataclass(frozen=True)
class Proof:
    key: str
    solution: Script
    wrong: Script  # the most tempting wrong move
    why: str  # what the report says of the wrong move's loss


PROOFS = {
    "lvl1-empty-chain": Proof(
        "lvl1-empty-chain",
        [(30, "insmod oom_kill")],
        [(30, "insmod oom_panic")],
        "panic at",
    ),
    "lvl2-parent-pays": Proof(
        "lvl2-parent-pays",
        [(20, "sysctl -w vm.oom.oom_parent_expire=300"), (20, "sysctl -w vm.oom.oom_parent_max=0")],
        [(20, "sysctl -w vm.oom.oom_parent_max=0")],  # the blacklist still forgets
        "kill 5 at",
    ),
    "lvl3-two-killers": Proof(
        "lvl3-two-killers",
        [(10, "rmmod oom_kill"), (10, "sysctl -w vm.oom.oom_parent_max=0")],
        [(10, "rmmod oom_kill")],  # oom_kill_parent alone, with its defaults
        "kill 5 at",
    ),
    "lvl4-built-in": Proof(
        "lvl4-built-in",
        [
            (10, "kconfig CONFIG_OOM_KILL=m CONFIG_OOM_KPPID=y"),
            (10, "reboot"),
            (11, "sysctl -w vm.oom.oom_parent_max=0"),
        ],
        [(10, "insmod oom_kill_parent oom_parent_max=0")],  # stacked on the built-in one
        "editor (pid 9) killed by oom_kill_parent",
    ),
    "lvl5-fail-fast": Proof(
        "lvl5-fail-fast",
        [(20, "sysctl -w kernel.panic=3")],
        [(20, "rmmod oom_panic"), (20, "insmod oom_kill")],  # limp: swap free, no kill
        "lasted over 12s",
    ),
    "lvl6-who-is-spared": Proof(
        "lvl6-who-is-spared",
        [(5, "renice 19 -p 10"), (5, "renice 0 -p 9")],
        [(5, "renice 19 -p 10")],  # seti's own nice still doubles its score
        "seti (pid 9) killed by oom_kill",
    ),
    "lvl7-swap-trap": Proof(
        "lvl7-swap-trap",
        [(5, "swapoff -a")],
        [(5, "rmmod oom_kill"), (5, "insmod oom_kill_parent")],  # the same swap test
        "lasted over 20s",
    ),
    "lvl8-score-adj": Proof(
        "lvl8-score-adj",
        [
            (10, "rmmod oom_kill"),
            (10, "insmod oom_score_adj"),
            (10, "echo -1000 > /proc/8/oom_score_adj"),
        ],
        [(10, "echo -1000 > /proc/8/oom_score_adj")],  # badness() never reads it
        "mysqld (pid 8) killed by oom_kill",
    ),
    "fork-bomb": Proof(
        "fork-bomb",
        [(5, "renice 19 -p 9")],
        [(5, "killall bomb")],
        "killall sent SIGTERM",
    ),
    "ha-failover": Proof(
        "ha-failover",
        [(5, "insmod earlyoom swap_term=100 swap_kill=100")],
        [(5, "rmmod oom_panic")],  # built in: it stays, and panics
        "panic at",
    ),
}


def test_every_level_has_a_proof_and_the_campaign_has_eight() -> None:
    """A level won by a policy file the player writes is proven in test_campaign_own.py."""
    assert len(LEVELS) >= 8
    assert [level.number for level in LEVELS] == list(range(1, len(LEVELS) + 1))
    assert set(PROOFS) == {level.key for level in LEVELS if not level.own_code}
    assert [level.key for level in LEVELS if level.own_code] == ["lvl11-own-policy"]


SLOW = {"fork-bomb", "lvl7-swap-trap"}
"""The levels whose three games take a second or more (a fork bomb's thousands of tasks,
a machine paging to swap)."""


@pytest.mark.parametrize(
    "key", [pytest.param(key, marks=[pytest.mark.slow] * (key in SLOW)) for key in PROOFS]
)
def test_a_level_is_won_by_its_solution_and_lost_idle_and_by_the_tempting_move(key: str) -> None:
    proof = PROOFS[key]
    won = play(key, proof.solution)
    assert won.won and won.at_par(), (key, won.tracker.render_text())
    idle = play(key, [])
    assert not idle.won, key
    wrong = play(key, proof.wrong)
    assert not wrong.won, key
    assert proof.why in wrong.lost_details(), (key, wrong.lost_details())


def single_keys(scenario: Scenario) -> Script:
    """What one key does at t=0: ``i`` loads the module panel's first row, ``u`` unloads a
    loaded policy (any row the cursor could be on)."""
    keys: Script = [(0, "insmod oom_panic")]
    keys += [(0, f"rmmod {line.split()[0]}") for line in scenario.spec.modules]
    return keys


@pytest.mark.parametrize("key", [level.key for level in LEVELS])
def test_no_level_is_won_by_a_single_key_at_the_start(key: str) -> None:
    for move in single_keys(load_shipped_preset(key)):
        assert not play(key, [move]).won, (key, move)


@pytest.mark.parametrize("key", [level.key for level in LEVELS[:8]])
def test_par_holds_for_a_sample_of_the_seeds_a_level_draws(key: str) -> None:
    scenario = load_shipped_preset(key)
    seeds = level_seeds(scenario)
    assert len(seeds) == SEEDS
    for seed in (seeds[1], seeds[-1]):
        played = play(key, PROOFS[key].solution, seed=seed)
        assert played.won and played.at_par(), (key, seed, played.tracker.render_text())


def test_the_workload_varies_with_the_seed() -> None:
    first = play("lvl2-parent-pays", [], seed=21)
    other = play("lvl2-parent-pays", [], seed=22)
    assert first.kills != other.kills  # the same victims, at other times
    assert play("lvl2-parent-pays", [], seed=21).kills == first.kills


def test_a_new_attempt_draws_one_of_the_levels_seeds() -> None:
    import random

    scenario = load_shipped_preset("lvl1-empty-chain")
    drawn = {draw_seed(scenario, random.Random(n)) for n in range(40)}
    assert drawn <= set(level_seeds(scenario)) and len(drawn) > 1


def test_levels_open_one_after_another_as_they_are_won() -> None:
    scenarios = load_levels()
    book = ScoreBook(None)
    states = progress(book, scenarios)
    assert [s.open for s in states[:2]] == [True, False] and not any(s.won for s in states)
    rule = scenarios["lvl1-empty-chain"].score
    assert rule is not None
    book.record("lvl1-empty-chain", ScoreResult(rule.by, 0.0, rule.par))
    states = progress(book, scenarios)
    assert states[0].won and states[0].best == "0.0s" and states[0].par == "livelock 3.0s"
    assert states[1].open and not states[2].open
    lvl1, lvl2 = (shipped_game(key) for key in ("lvl1-empty-chain", "lvl2-parent-pays"))
    assert par_and_best(book, "lvl1-empty-chain", lvl1) == "game · par livelock 3.0s · best 0.0s"
    assert "no best yet" in par_and_best(book, "lvl2-parent-pays", lvl2)


def test_a_listings_game_is_the_loaded_presets_without_a_trial_boot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Listing the presets (``moomtui presets``, the picker, the palette) loaded each one
    whole, trial boot and all, for its par and best: a third of a second for nineteen."""
    loaded = {key: load_shipped_preset(key) for key in preset_keys(include_user=False)}

    def no_boot(*args: object) -> None:
        raise AssertionError("a listing boots no machine")

    monkeypatch.setattr(checker, "trial_boot", no_boot)
    for key, scenario in loaded.items():
        assert shipped_game(key) == (scenario.goals, scenario.score), key
    assert sum(1 for s in loaded.values() if s.goals) >= 11  # the levels at least
    with pytest.raises(PresetError, match="nope: no such preset"):
        shipped_game("nope")


def test_the_briefing_says_which_killers_are_built_in() -> None:
    built_in = killers_line(load_shipped_preset("lvl4-built-in").spec)
    assert built_in.startswith("Built in (y): oom_kill. Modules (m): oom_panic, oom_kill_parent.")
    empty = killers_line(load_shipped_preset("lvl1-empty-chain").spec)
    assert "Built in (y): none." in empty and empty.endswith("Modules loaded at boot: none.")
    # the module panel offers the later policies too: the briefing names them
    assert "Later policies, modules too: oom_kill_allocating, oom_score_adj, earlyoom." in empty


def report_of(key: str, script: Script) -> tuple[str, ...]:
    """The policies' lines of the game's report, the level played to its end."""
    from moomtui.game.play import Game

    sim = Simulation(load_shipped_preset(key), script=[(round(t * HZ), line) for t, line in script])
    game = Game(sim)
    game.begin()
    game.run_for(game.tracker.time_limit)
    return game.report().policies


def test_the_report_says_why_each_policy_did_or_did_not_act() -> None:
    (empty,) = report_of("lvl1-empty-chain", [])
    assert empty.startswith("The OOM chain is empty: ") and "nobody answered" in empty
    (limp,) = report_of("lvl5-fail-fast", [(20, "rmmod oom_panic"), (20, "insmod oom_kill")])
    assert limp.startswith("oom_kill: killed nobody in ") and "swap was free" in limp
    (forgot,) = report_of("lvl2-parent-pays", [(20, "sysctl -w vm.oom.oom_parent_max=0")])
    assert "no parent killed" in forgot and "forgotten 15s after" in forgot
    assert "blacklist: 300 (cgi-serv) 0/0" in forgot
    panic, early = report_of("ha-failover", [(5, "insmod earlyoom")])
    assert panic == "oom_panic: panicked 1 time: the first call panics, swap or not."
    assert early.startswith("earlyoom: signalled nobody; it acts at mem ≤ 10 % and swap ≤ 10 %")


def test_a_hint_costs_a_quarter_of_the_par_at_least_one_unit_and_the_tiers_come_in_order() -> None:
    scenario = load_shipped_preset("lvl2-parent-pays")
    sim = Simulation(scenario)
    tracked = Tracked.start(sim)
    tracker = tracked.tracker
    assert isinstance(tracker, GoalTracker)
    before = tracker.score()
    assert tracker.take_hint() == scenario.hint
    assert tracker.take_hint() == scenario.hint_command
    assert tracker.take_hint() is None and tracker.hints == 2
    after = tracker.score()
    assert before is not None and after is not None and before.value is not None
    # A quarter of par 3 kills is 0.75: a hint costs at least one of the unit.
    assert after.value == before.value + 2 * 1.0
    assert "2 hints included: +2)" in after.line()
    assert hint_cost(20.0) == 5.0  # a quarter of a larger par


def test_a_hint_costs_what_the_score_shows_so_that_costs_add_up() -> None:
    """A par of 5.0s (level 5's) is 1.25s a quarter, shown 1.2s: two hints shown as 2.5s
    then read as a sum that does not add up. The cost is rounded up to the tenth a score
    is shown in."""
    assert hint_cost(5.0) == 1.3
    result = ScoreResult("down", 3.0 + 2 * hint_cost(5.0), 5.0, hints=2)
    assert "2 hints included: +2.6s)" in result.line()
    assert result.show(hint_cost(5.0)) == "1.3s"
    assert hint_cost(7.0) == 1.8 and hint_cost(0.4) == 1.0 and hint_cost(24.0) == 6.0


def test_moomtui_presets_marks_the_games_with_their_par_and_best(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from moomtui.headless import presets

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    book = ScoreBook(tmp_path / "data" / "moomtui" / "scores.json")
    book.record("lvl2-parent-pays", ScoreResult("kills", 3.0, 3))
    out = io.StringIO()
    presets(out, width=400)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()}
    assert (
        "[game · par livelock 3.0s · no best yet] The patch's first idea"
        in lines["lvl1-empty-chain"]
    )
    assert "[game · par kills 3 · best 3] " in lines["lvl2-parent-pays"]
    assert "[" not in lines["classic-leak"]  # a sandbox


def test_a_kill_names_every_factor_badness_applied() -> None:
    """Level 6's lesson is in its kill line: the nice doubling, root's and CAP_SYS_RAWIO's
    quarters."""
    (kill,) = play("lvl6-who-is-spared", PROOFS["lvl6-who-is-spared"].solution).kills
    assert "backup (pid 10) by oom_kill" in kill
    assert "niced 19: ×2, root: ÷4, CAP_SYS_RAWIO: ÷4), the highest" in kill


def test_the_briefing_says_what_a_hint_costs_in_the_scores_unit_and_no_reboot_wins() -> None:
    """Level 11 forbids every reboot in its goals: its hands-off rule may not offer a
    reboot into another kernel as the other levels' does. A hint's cost is said in the
    score's own terms (a kill, not "1 of score")."""
    from moomtui.game.briefing import briefing

    own = briefing(load_shipped_preset("lvl11-own-policy"), 120 * HZ, None)
    assert any(r.startswith("Hands off: a kill or killall") for r in own.rules)
    assert not any("reboot into another kernel" in r for r in own.rules)
    assert own.hint.endswith("each adds 1 to your kills.")
    built = briefing(load_shipped_preset("lvl4-built-in"), 120 * HZ, None)
    assert any("reboot into another kernel (kconfig first) is yours" in r for r in built.rules)
    swap = briefing(load_shipped_preset("lvl7-swap-trap"), 120 * HZ, None)
    assert swap.hint.endswith("each adds 1.3s to your thrashing.")


def test_the_report_names_a_policy_its_oops_took_off_the_chain() -> None:
    """A player's policy that raises in its handler is unregistered (``Oops: moomtui policy
    oom_mine raised …``): the report's policy lines listed the loaded policies only, and so
    never said what became of it."""
    from moomtui.game.nonevents import PolicyWatch
    from moomtui.kernel import events as ev

    sim = Simulation(load_shipped_preset("lvl11-own-policy"))
    watch = PolicyWatch()
    for event in (
        ev.OutOfMemory(pid=9, nr_swap_pages=0, free_pages=0, handlers=("oom_mine",)),
        ev.OutOfMemory(pid=9, nr_swap_pages=0, free_pages=0, handlers=("oom_mine",)),
        ev.ModuleUnload(name="oom_mine", reason="oops"),
        ev.ModuleUnload(name="oom_other", reason="rmmod"),
    ):
        watch(event)
    lines = watch.lines(sim.kernel)
    assert lines[-1] == (
        "oom_mine: oopsed in out_of_memory() call 2 and was taken off the chain (the Oops "
        "and its line, EIP, are in dmesg): the handlers after it went on without it."
    )
    assert not any(line.startswith("oom_other") for line in lines)  # rmmod: not an oops
