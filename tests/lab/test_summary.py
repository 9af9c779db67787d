"""The shared summary of compare and sweep: intervals, the ★ only beyond them, never for a
configuration that livelocked or panicked where the criterion hides it, paired counts."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from moomtui.compare import CompareOptions, compare
from moomtui.game import CRITERIA
from moomtui.kernel.constants import HZ
from moomtui.lab.summary import FIELDS, bootstrap, eligible, leaders, paired, summarize


def card(**values: float) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(FIELDS, 0)
    base.update(mem_per_kill=None, least_surprise=None, longest_episode=None)
    base.update(values)
    return base


def test_a_livelocked_or_panicked_configuration_gets_no_star_where_the_criterion_hides_it() -> None:
    """The issue's case: no policy livelocks for 248 s and oom_panic is down for 254 s, and
    both lose no work — which is no merit."""
    figures = summarize(
        {
            "none": [card(livelock=248.0 + i) for i in range(4)],
            "oom_panic": [card(down=254.0 + i, panics=1) for i in range(4)],
            "oom_kill": [card(work_lost=30.0 + i, kills=8) for i in range(4)],
            "oom_kill_parent": [card(work_lost=10.0 + i, kills=3) for i in range(4)],
        }
    )
    best = leaders(figures)
    assert best["work_lost"] == ["oom_kill_parent"]
    assert best["kills"] == ["oom_kill_parent"]
    assert not eligible(figures["none"], "work_lost")
    assert not eligible(figures["oom_panic"], "kills")
    assert eligible(figures["none"], "livelock") and eligible(figures["oom_panic"], "down")
    assert not eligible(figures["none"], "down") and not eligible(figures["oom_panic"], "livelock")
    # on the criteria that show the failure, the failed configuration is ranked, and loses
    assert best["livelock"] == [] and best["down"] == []  # the two that did not fail tie


def test_the_star_goes_only_beyond_the_intervals() -> None:
    spread = summarize(
        {
            "a": [card(work_lost=v) for v in (10.0, 20.0, 30.0, 40.0)],
            "b": [card(work_lost=v) for v in (12.0, 22.0, 32.0, 42.0)],
        }
    )
    assert spread["a"]["work_lost"]["median"] < spread["b"]["work_lost"]["median"]
    assert leaders(spread)["work_lost"] == []
    apart = summarize(
        {
            "a": [card(work_lost=v) for v in (10.0, 11.0, 12.0, 13.0)],
            "b": [card(work_lost=v) for v in (30.0, 31.0, 32.0, 33.0)],
        }
    )
    assert leaders(apart)["work_lost"] == ["a"]
    assert leaders(apart)["kills"] == []  # all the same: no winner


def test_the_bootstrap_interval_holds_the_median_and_is_the_same_every_time() -> None:
    values = [float(v * v % 17) for v in range(40)]
    low, high = bootstrap(values, "x")
    assert low <= sorted(values)[20] <= high and low < high
    assert bootstrap(values, "x") == (low, high)
    assert bootstrap([3.0], "x") == (3.0, 3.0)


def test_paired_counts_wins_losses_and_ties_on_the_shared_seeds() -> None:
    a = {1: card(work_lost=5.0), 2: card(work_lost=9.0), 3: card(work_lost=7.0), 4: card()}
    b = {1: card(work_lost=6.0), 2: card(work_lost=8.0), 3: card(work_lost=7.0)}
    counts = paired(a, b)
    assert counts is not None
    assert counts["work_lost"] == {"win": 1, "loss": 1, "tie": 1}
    assert set(counts) == {c.key for c in CRITERIA}
    assert paired(a, {9: card()}) is None


@pytest.mark.slow
def test_compare_stars_neither_no_policy_nor_oom_panic_for_the_work_they_did_not_lose() -> None:
    out = io.StringIO()
    opts = CompareOptions(
        "leaky-apache",
        "none,oom_panic,oom_kill_allocating,oom_score_adj",
        seeds=2,
        duration=120 * HZ,
        as_json=True,
    )
    assert compare(opts, out, io.StringIO()) == 0
    doc = json.loads(out.getvalue())
    assert doc["results"]["none"]["livelock"]["median"] > 0
    assert doc["results"]["oom_panic"]["down"]["median"] > 0
    assert doc["results"]["none"]["work_lost"]["median"] == 0
    assert doc["winners"]["work_lost"] == "oom_kill_allocating"
    assert doc["winners"]["kills"] == "oom_score_adj"
    text = io.StringIO()
    opts.as_json, opts.width = False, 200
    assert compare(opts, text, io.StringIO()) == 0
    table = text.getvalue()
    assert "† 0.0s" in table and "livelocked or panicked" in table
