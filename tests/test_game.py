"""Goals and the score card on small machines whose right answer is known.

Each scenario is a 16M machine built from TOML text; times are run time in jiffies
(HZ = 100) and memory in 4K pages.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.game import CRITERIA, LOST, MET, PENDING, SAMPLE, GoalTracker, ScoreCard, Tracked
from moomtui.headless import RunOptions, run
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.presets import Scenario, ScoreRule, parse_preset
from moomtui.sim import Simulation

from .fixtures import Recorder

ROOT = Path(__file__).resolve().parent.parent

QUIET = """
[[tasks]]
comm = "sshd"
uid = 0
total_vm = "2M"
rss = "1M"
role = "protected"
"""

# Fills its 15M reserve at 1M/s (so overcommit never says no): RAM runs out in about 12 s.
GROWER = """
[[tasks]]
comm = "grower"
uid = 1000
total_vm = "15M"
rss = "512K"
program = "hog"
args = { rate = "1M/s" }
role = "culprit"
"""

# Idle, but with the bigger total_vm: badness() picks it before the grower.
BIG = """
[[tasks]]
comm = "big"
uid = 1000
total_vm = "24M"
rss = "6M"
utime = 1000
stime = 500
role = "innocent"
"""


def scenario(
    tasks: str,
    *,
    goals: str = "",
    modules: str = '["oom_kill"]',
    length: str = "40s",
    sysctl: str = "",
    ram: str = "16M",
    swap: str = "0",
) -> Scenario:
    text = f"""
name = "test"
length = "{length}"
[machine]
ram = "{ram}"
swap = "{swap}"
swap_speed = "1M/s"
[kernel]
config = {{ CONFIG_OOM_PANIC = "m", CONFIG_OOM_KILL = "m", CONFIG_OOM_KPPID = "m" }}
modules = {modules}
{sysctl}
{tasks}
[goals]
{goals}
"""
    return parse_preset(text, "test.toml")


class Game:
    """A scenario running under a tracker, with every event kept."""

    def __init__(self, sc: Scenario) -> None:
        self.sim = Simulation(sc)
        self.events: list[ev.Event] = []
        self.sim.kernel.bus.subscribe(self.events.append)
        self.tracked = Tracked.start(self.sim)
        assert isinstance(self.tracked.tracker, GoalTracker)
        self.tracker = self.tracked.tracker

    def run(self, seconds: float) -> Game:
        self.tracked.run_for(round(seconds * HZ))
        self.tracked.finish()
        return self

    def goal(self, name: str):
        return next(g for g in self.tracker.goals if g.goal == name)

    def card(self) -> ScoreCard:
        return self.tracker.card()

    def of(self, cls: type) -> list:
        return [e for e in self.events if isinstance(e, cls)]


def play(sc: Scenario, seconds: float | None = None) -> Game:
    return Game(sc).run(sc.length / HZ if seconds is None else seconds)


# ============================================================================ goals
def test_survive_is_met_at_its_time_when_the_machine_runs_and_is_not_livelocked() -> None:
    game = Game(scenario(QUIET, goals='survive = "10s"')).run(5)
    survive = game.goal("survive")
    assert survive.state == PENDING and survive.detail == "up 5.0 s of 10.0 s"
    assert not game.tracker.over
    game.run(7)
    survive = game.goal("survive")
    assert (survive.state, survive.at) == (MET, 10 * HZ)
    assert game.tracker.over and game.tracker.won


def test_survive_is_lost_when_the_machine_is_livelocked_at_that_moment() -> None:
    game = play(scenario(GROWER, goals='survive = "30s"', modules="[]"))
    survive = game.goal("survive")
    assert (survive.state, survive.at) == (LOST, 30 * HZ)
    assert survive.detail == "livelocked at 30.0 s"
    assert game.tracker.over and not game.tracker.won


def test_survive_and_no_panic_are_lost_at_the_first_panic() -> None:
    game = play(
        scenario(GROWER, goals='survive = "30s"\nno_panic = true', modules='["oom_panic"]'), 20
    )
    panic = game.of(ev.Panic)[0]
    for name in ("survive", "no_panic"):
        goal = game.goal(name)
        assert (goal.state, goal.at) == (LOST, panic.jiffies)
        assert goal.detail.startswith(f"panic at {panic.jiffies / HZ:.1f} s: Out-Of-Memory")
    assert game.tracker.over and not game.tracker.time_up


def test_no_panic_is_pending_until_time_is_up_then_met() -> None:
    game = Game(scenario(QUIET, goals="no_panic = true", length="20s")).run(10)
    assert game.goal("no_panic").state == PENDING
    game.run(10)
    assert (game.goal("no_panic").state, game.goal("no_panic").at) == (MET, 20 * HZ)
    assert game.tracker.won


def test_protect_is_lost_when_the_oom_killer_hits_a_protected_comm() -> None:
    game = play(scenario(BIG + GROWER, goals='protect = ["big", "sshd"]'), 20)
    kill = game.of(ev.OomKill)[0]
    goal = game.goal("protect")
    assert kill.comm == "big"
    assert (goal.state, goal.at) == (LOST, kill.jiffies)
    assert goal.detail == f"big (pid {kill.pid}) killed by oom_kill at {kill.jiffies / HZ:.1f} s"


def test_protect_is_lost_when_a_protected_task_dies_of_a_signal() -> None:
    events = '[[events]]\nat = "3s"\nrun = "killall sshd"\n'
    game = play(scenario(QUIET + events, goals='protect = ["sshd"]'), 5)
    goal = game.goal("protect")
    assert goal.state == LOST and goal.at == 3 * HZ + 1
    assert goal.detail.startswith("sshd (pid 7) died of SIGTERM at 3.0 s")


def test_protect_is_met_when_time_is_up_and_nothing_protected_died() -> None:
    game = play(scenario(QUIET + GROWER, goals='protect = ["sshd"]', length="20s"))
    assert [k.comm for k in game.of(ev.OomKill)] == ["grower"]
    assert game.goal("protect").state == MET and game.tracker.won


# Root's (badness / 4) workers run as uid 1000 and inherit its 12M of address space.
PREFORK = """
[[tasks]]
comm = "httpd"
uid = 0
total_vm = "12M"
rss = "512K"
program = "prefork"
args = { children = 2, uid = 1000, child = "hog", child_rate = "1M/s", respawn = "1s" }
role = "culprit"
"""


def test_max_kills_is_lost_at_kill_n_plus_one() -> None:
    game = play(scenario(PREFORK, goals="max_kills = 2", length="90s"))
    kills = game.of(ev.OomKill)
    assert len(kills) >= 3
    goal = game.goal("max_kills")
    assert (goal.state, goal.at) == (LOST, kills[2].jiffies)
    assert goal.detail.startswith(f"kill 3 at {kills[2].jiffies / HZ:.1f} s: httpd")


def test_max_kills_is_met_at_time_up_when_never_exceeded() -> None:
    game = play(scenario(PREFORK, goals="max_kills = 100", length="30s"))
    n = len(game.of(ev.OomKill))
    assert 0 < n <= 100
    goal = game.goal("max_kills")
    assert goal.state == MET and goal.detail == f"{n} of at most 100"


def test_recover_within_is_met_when_every_episode_ends_in_time() -> None:
    game = play(scenario(GROWER, goals='recover_within = "5s"', length="30s"))
    card = game.card()
    assert card.kills == 1 and card.episodes == 1
    assert card.longest_episode is not None and card.longest_episode < 2
    assert game.goal("recover_within").state == MET


def test_recover_within_is_lost_when_an_episode_outlasts_it() -> None:
    game = play(scenario(GROWER, goals='recover_within = "5s"', modules="[]", length="30s"))
    first = game.of(ev.OutOfMemory)[0].jiffies
    goal = game.goal("recover_within")
    assert goal.state == LOST
    assert goal.at is not None and first + 5 * HZ < goal.at <= first + 5 * HZ + 2 * SAMPLE
    assert goal.detail == f"an OOM episode from {first / HZ:.1f} s lasted over 5s"


def scripted(sc: Scenario, script: list[tuple[float, str]], seconds: float) -> Game:
    """``sc`` with the player's ``--script`` lines, run for ``seconds``."""
    game = Game.__new__(Game)
    game.sim = Simulation(sc, script=[(round(t * HZ), line) for t, line in script])
    game.events = []
    game.sim.kernel.bus.subscribe(game.events.append)
    game.tracked = Tracked.start(game.sim)
    assert isinstance(game.tracked.tracker, GoalTracker)
    game.tracker = game.tracked.tracker
    return game.run(seconds)


def test_hands_off_is_lost_when_the_player_kills_by_hand() -> None:
    """The player's ``kill`` sends a Signal: the rule is broken then, whoever it hits."""
    game = scripted(scenario(QUIET + GROWER, goals="hands_off = true"), [(2, "kill -9 8")], 5)
    goal = game.goal("hands_off")
    assert goal.state == LOST and goal.at == 2 * HZ
    assert goal.detail == "kill sent SIGKILL to grower (pid 8) at 2.0 s"
    assert game.tracker.over and not game.tracker.won


def test_hands_off_is_kept_by_a_signal_nobody_acts_on() -> None:
    """``kill -CONT`` (no job control: nothing happens) and ``kill -9 1`` (init gets no
    signals it doesn't want) send Signal events marked ``ignored``: nobody was killed."""
    sc = scenario(QUIET + GROWER, goals="hands_off = true")
    game = scripted(sc, [(1, "kill -CONT 8"), (2, "kill -9 1")], 4)
    assert [e.ignored for e in game.of(ev.Signal)] == [True, True]
    assert game.goal("hands_off").state == PENDING


def test_hands_off_is_lost_by_killall_and_by_a_reboot_typed_by_the_player() -> None:
    killall = scripted(scenario(QUIET, goals="hands_off = true"), [(1, "killall sshd")], 3)
    assert killall.goal("hands_off").detail.startswith("killall sent SIGTERM to sshd (pid 7)")
    reboot = scripted(scenario(QUIET, goals="hands_off = true"), [(1, "reboot")], 3)
    assert reboot.goal("hands_off").detail == (
        "rebooted by hand into the kernel already running (kconfig unchanged) at 1.0 s"
    )


def test_hands_off_is_kept_when_the_policy_kills_and_when_the_preset_kills() -> None:
    """The OOM killer's signals (sender 0, as a root console user's would be) and a preset's
    own ``[[events]]`` are not the player's hands; neither is stopping earlyoom's daemon."""
    events = '[[events]]\nat = "3s"\nrun = "killall sshd"\n'
    sc = scenario(QUIET + BIG + GROWER + events, goals="hands_off = true")
    game = scripted(sc, [(1, "insmod earlyoom"), (2, "rmmod earlyoom")], 20)
    assert game.of(ev.OomKill) and any(e.comm == "sshd" for e in game.of(ev.Signal))
    assert any(e.comm == "earlyoom" for e in game.of(ev.Signal))
    assert game.goal("hands_off").state == PENDING
    game.run(20)
    assert game.goal("hands_off").state == MET


def test_the_score_is_the_presets_criterion_against_its_par() -> None:
    """Two kills (big, then the grower): 28 s of work lost. Par 30 s is beaten, par 20 s is
    not; par is met at equal."""
    sc = scenario(BIG + GROWER, goals='protect = ["sshd"]')
    sc.score = ScoreRule("work_lost", 30.0)
    game = play(sc, 40)
    score = game.tracker.score()
    assert score is not None and game.tracker.won
    assert score.value == game.card().work_lost == 28.0
    assert score.at_par and score.line() == (
        "work lost 28.0s (lower is better) — par 30.0s: at par or better"
    )
    for par, at_par in ((20.0, False), (28.0, True)):
        sc.score = ScoreRule("work_lost", par)
        assert play(sc, 40).tracker.score().at_par is at_par  # type: ignore[union-attr]
    sc.score = ScoreRule("mem_per_kill", 2553.0)  # higher is better
    assert play(sc, 40).tracker.score().at_par  # type: ignore[union-attr]
    sc.score = ScoreRule("mem_per_kill", 2554.0)
    assert not play(sc, 40).tracker.score().at_par  # type: ignore[union-attr]


# ============================================================================ the shipped games
FIRST_SHORTAGE = 30 * HZ
"""A newcomer reads the briefing and looks around: no shortage before this, whatever the
seed."""


@pytest.mark.parametrize("key", ["fork-bomb", "ha-failover"])
def test_a_game_preset_runs_short_of_memory_only_after_thirty_seconds(key: str) -> None:
    """The first shortage — the first time memory is scarce (``pressure``) or reclaim fails
    (``out_of_memory()``) — comes 30 s or more into the game, for the preset's seed and the
    next three (a replay uses the same seed; ``compare`` the next ones)."""
    from moomtui.presets import load_preset

    base = load_preset(key)
    for seed in range(base.spec.seed, base.spec.seed + 4):
        sim = Simulation(base, seed=seed)
        calls = Recorder(sim.kernel)
        while sim.elapsed < FIRST_SHORTAGE and sim.kernel.oom_state() in ("ok", "reclaim"):
            sim.run_for(SAMPLE)
        assert sim.elapsed >= FIRST_SHORTAGE, (key, seed, sim.kernel.oom_state())
        assert not calls.of(ev.OutOfMemory)


def test_fork_bomb_killall_at_once_breaks_the_rule_renice_wins_at_par() -> None:
    from moomtui.presets import load_preset

    sc = load_preset("fork-bomb")
    killall = scripted(sc, [(0, "killall bomb")], 120)
    assert killall.goal("hands_off").state == LOST and not killall.tracker.won
    nothing = scripted(sc, [], 120)
    assert nothing.goal("protect").detail.startswith("mysqld (pid 8) killed by oom_kill at 38.")
    renice = scripted(sc, [(0, "renice 19 9")], 120)
    assert renice.tracker.won
    score = renice.tracker.score()
    assert score is not None and score.at_par


def test_ha_failover_is_won_by_a_killer_that_acts_before_the_kernel_runs_out() -> None:
    from moomtui.presets import load_preset

    sc = load_preset("ha-failover")
    nothing = scripted(sc, [], 120)
    assert nothing.goal("no_panic").state == LOST
    early = scripted(sc, [(0, "insmod earlyoom swap_term=100 swap_kill=100")], 120)
    assert early.tracker.won and [e.comm for e in early.of(ev.OomKill)] == ["java"]
    score = early.tracker.score()
    assert score is not None and score.at_par
    hasty = scripted(sc, [(0, "insmod earlyoom swap_term=100 swap_kill=100 mem_term=50")], 120)
    assert hasty.tracker.won and not hasty.tracker.score().at_par  # type: ignore[union-attr]


def test_a_preset_without_goals_is_over_at_its_length_and_never_won() -> None:
    game = play(scenario(QUIET, length="10s"))
    assert game.tracker.goals == [] and game.tracker.over and not game.tracker.won


# ============================================================================ the score card
def test_work_lost_memory_roles_and_surprise_of_one_wrong_kill() -> None:
    """badness() prefers the big idle task to the grower: 15 CPU seconds of work lost
    (utime 1000 + stime 500 jiffies), its 6M back, an innocent killed, and not the
    victim anyone expected."""
    card = play(scenario(BIG + GROWER), 12).card()
    assert card.kills == 1
    assert card.work_lost == 15.0
    assert card.mem_recovered == 1536 and card.mem_per_kill == 1536
    assert (card.innocent_killed, card.protected_killed, card.culprits_killed) == (1, 0, 0)
    assert (card.judged_kills, card.expected_kills, card.least_surprise) == (1, 0, 0.0)


def test_killing_the_grower_is_expected_and_costs_its_cpu_time() -> None:
    game = play(scenario(QUIET + GROWER), 20)
    card = game.card()
    (exit_,) = [e for e in game.of(ev.Exit) if e.comm == "grower"]
    assert card.kills == 1 and card.culprits_killed == 1
    assert card.work_lost == round(exit_.cpu / HZ, 2) > 0
    assert card.mem_recovered == exit_.rss + exit_.swap
    assert card.least_surprise == 1.0


THREADED = """
[[tasks]]
comm = "jserver"
uid = 1000
total_vm = "16M"
rss = "2M"
program = "threaded"
args = { threads = 2, rate = "1M/s" }
role = "culprit"
"""


def test_threads_count_as_kills_but_their_shared_memory_is_recovered_once() -> None:
    overcommit = 'sysctl = { "vm.overcommit_memory" = 1 }'  # its brk must not fail first
    game = play(scenario(THREADED, sysctl=overcommit), 20)
    card = game.card()
    kills = game.of(ev.OomKill)
    exits = [e for e in game.of(ev.Exit) if e.comm == "jserver"]
    assert card.kills == len(kills) == 3
    assert card.judged_kills == 1  # the thread kills follow the victim
    assert card.mem_recovered == max(e.rss + e.swap for e in exits)
    assert card.mem_per_kill == pytest.approx(card.mem_recovered / 3, abs=0.1)


def test_a_task_without_a_role_is_a_culprit_if_it_grew_by_a_quarter_of_ram() -> None:
    tasks = (BIG + GROWER).replace('role = "innocent"\n', "").replace('role = "culprit"\n', "")
    game = play(scenario(tasks, modules='["oom_kill"]'), 40)
    assert [k.comm for k in game.of(ev.OomKill)][:2] == ["big", "grower"]
    card = game.card()
    assert card.innocent_killed == 1  # big held its 6M from the start: it never grew
    assert card.culprits_killed == 1  # the grower took far more than 4M
    assert card.least_surprise == 0.5


def test_livelock_time_is_counted_from_five_seconds_of_stall_with_oom_calls() -> None:
    game = play(scenario(GROWER, modules="[]", length="30s"))
    card = game.card()
    first = game.of(ev.OutOfMemory)[0].jiffies / HZ
    assert card.kills == 0 and card.oom_calls > 100
    assert card.livelock == pytest.approx(30 - first - 5, abs=0.5)
    assert card.episodes == 1 and card.longest_episode == pytest.approx(30 - first, abs=0.2)


def test_a_quiet_machine_scores_nothing() -> None:
    card = play(scenario(QUIET), 10).card()
    assert card == ScoreCard(
        duration=10.0,
        kills=0,
        work_lost=0.0,
        mem_recovered=0,
        mem_per_kill=None,
        innocent_killed=0,
        protected_killed=0,
        culprits_killed=0,
        judged_kills=0,
        expected_kills=0,
        least_surprise=None,
        livelock=0.0,
        thrashing=0.0,
        down=0.0,
        oom_calls=0,
        episodes=0,
        longest_episode=None,
        panics=0,
        reboots=0,
    )


DATABASE = """
[[tasks]]
comm = "oracle"
uid = 500
total_vm = "2M"
rss = "1M"
program = "database"
args = { size = "24M", rate = "4M/s" }
role = "innocent"
"""


def test_thrashing_counts_the_time_tasks_wait_for_swap_in() -> None:
    card = play(scenario(DATABASE, swap="64M", length="30s")).card()
    assert card.kills == 0
    assert 5 < card.thrashing <= 30


def test_panics_reboots_and_down_time() -> None:
    """kernel.panic = 5: each panic is followed by 5 s down, then a reboot and a new boot
    whose jiffies start again from machine.jiffies (0 here)."""
    sysctl = 'sysctl = { "kernel.panic" = 5 }'
    game = play(scenario(GROWER, modules='["oom_panic"]', sysctl=sysctl, length="40s"))
    card = game.card()
    panics, reboots = game.of(ev.Panic), game.of(ev.Reboot)
    assert card.panics == len(panics) >= 2 and card.reboots == len(reboots) >= 1
    boot_start = [0]
    for reboot in reboots:
        boot_start.append(boot_start[-1] + reboot.jiffies)
    down = sum(min(boot_start[p.boot] + p.jiffies + 5 * HZ, 40 * HZ) for p in panics)
    down -= sum(boot_start[p.boot] + p.jiffies for p in panics)
    assert card.down == pytest.approx(down / HZ, abs=0.1 * len(panics))
    assert card.livelock == 0


def test_the_card_does_not_depend_on_how_the_caller_slices_time() -> None:
    sc = scenario(PREFORK, length="60s")
    whole = play(sc).card()
    game = Game(sc)
    for step in (7, 13, 1, 250, 99) * 100:
        if game.sim.elapsed + step > 60 * HZ:
            break
        game.tracked.run_for(step)
    game.tracked.run_for(60 * HZ - game.sim.elapsed)
    game.tracked.finish()
    assert game.card() == whole


def test_to_dict_is_plain_data_and_the_text_shows_every_criterion() -> None:
    card = play(scenario(BIG + GROWER), 12).card()
    data = card.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert {c.key for c in CRITERIA} <= set(data)
    text = card.render_text()
    assert "1 work lost" in text and "15.0 CPU s" in text and "5 least surprise" in text


def test_game_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, moomtui.game, moomtui.game.play; "
        "print('textual' in sys.modules, 'rich' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.split() == ["False", "False"]


# ============================================================================ moomtui run
def test_run_prints_goals_and_score_card_and_json_has_them() -> None:
    text = io.StringIO()
    run(RunOptions(preset="ha-failover", duration=50 * HZ), text)
    summary = text.getvalue().split("\n--- ", 1)[1]
    assert "goals (lost):" in summary and "no panic: panic at" in summary
    assert "score: mem/kill - (higher is better) — par 24M: short of par (counts only" in summary
    assert "score card (50.0 s" in summary
    doc = io.StringIO()
    run(RunOptions(preset="ha-failover", duration=50 * HZ, as_json=True), doc)
    data = json.loads(doc.getvalue())
    assert data["score"]["panics"] == 1 and data["score"]["reboots"] == 1
    assert data["goals"]["list"][0]["goal"] == "no_panic"
    assert data["goals"]["list"][0]["state"] == "lost"
    assert data["goals"]["score"] == {
        "by": "mem_per_kill",
        "value": None,
        "par": 6144,
        "at_par": False,
    }
    again = io.StringIO()
    run(RunOptions(preset="ha-failover", duration=50 * HZ, as_json=True), again)
    assert again.getvalue() == doc.getvalue()


# ============================================================================ why each victim
def explained(sc: Scenario, seconds: float, script: list[tuple[float, str]] = ()) -> list[str]:
    from moomtui.game.kills import KillLog

    game = scripted(sc, [], 0)
    log = KillLog(lambda: game.sim.kernel, game.tracked.tracker.now)
    game.sim.kernel.bus.subscribe(log)
    for t, line in script:
        game.run(t - game.tracker.now() / HZ)
        game.sim.execute(line)
    game.run(seconds - game.tracker.now() / HZ)
    return log.lines()


def test_a_classic_kill_is_explained_by_badness_against_the_runner_up() -> None:
    """``big`` has the most points: badness() is its total_vm, 6144 pages (15 s of CPU and
    8 s of run time divide by 1); the grower is next, its total_vm 15M = 3840."""
    lines = explained(scenario(BIG + GROWER), 20)
    first = lines[0]
    assert "big (pid 7) by oom_kill: badness 6144 (total_vm 24M, CPU 15.0 s," in first
    assert "running 8.3 s), the highest; next: grower (pid 8) 3840" in first


def test_the_allocating_policy_and_a_thread_kill_are_explained_by_their_rule() -> None:
    threads = """
[[tasks]]
comm = "server"
uid = 1000
total_vm = "1M"
rss = "512K"
program = "threaded"
args = { threads = 2, rate = "1M/s" }
"""
    lines = explained(scenario(threads, sysctl='sysctl = { "vm.overcommit_memory" = 1 }'), 25)
    victim, *threads = lines
    assert "server (pid 7) by oom_kill: badness 3712" in victim
    assert "the highest; next: init (pid 1) " in victim  # not its own threads: they die too
    assert len(threads) == 2 and all(
        "by oom_kill: shares the address space of its victim server (pid 7)" in line
        for line in threads
    )
    allocating = scenario(GROWER, modules='["oom_kill_allocating"]')
    (line,) = explained(allocating, 20)
    assert "grower (pid 7) by oom_kill_allocating: its allocation found no memory" in line


def test_only_the_first_kills_are_explained_one_by_one_the_rest_counted() -> None:
    from moomtui.game.kills import MAX_EXPLAINED
    from moomtui.presets import load_preset

    sc = load_preset(
        "fork-bomb",
        overrides=['kernel.config={CONFIG_OOM_KILL="m"}', 'kernel.modules=["oom_score_adj"]'],
    )
    lines = explained(sc, 45)
    assert len(lines) == MAX_EXPLAINED + 1
    assert "by oom_score_adj: oom_score " in lines[1] and "rss+swap" in lines[1]
    assert lines[-1].startswith("   … and ") and "more victims: bomb by oom_score_adj" in lines[-1]
