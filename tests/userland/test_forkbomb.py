"""The fork bomb, ``:(){ :|:& };:``: every copy forks another copy every ``interval``."""

from __future__ import annotations

import pytest

from moomtui.kernel import TaskSpec
from moomtui.kernel import events as ev
from moomtui.userland.programs import ForkBomb

from ..fixtures import Recorder, machine


def bomb(interval: str, rss: str = "0") -> TaskSpec:
    args = {"interval": interval, "rss": rss, "jitter": 0}
    return TaskSpec("bomb", pid=300, uid=1000, program="forkbomb", args=args)


def births(rec: Recorder) -> dict[int, int]:
    """pid → the jiffy it was forked at."""
    return {e.pid: e.jiffies for e in rec.of(ev.Fork)}


def test_a_copy_forks_at_the_interval_given_not_a_hundred_times_slower() -> None:
    """Each copy got the interval as a bare number, which a program reads as seconds: a
    copy of a bomb forking every 0.2 s forked every 20 s. Its first fork comes one interval
    after its birth, as the first bomb's does."""
    k = machine(bomb("200ms"), ram_pages=16384)
    rec = Recorder(k)
    k.run_for(65)
    forks = rec.of(ev.Fork)
    born = births(rec)
    first = next(e for e in forks if e.ppid == 300)
    assert first.jiffies == 20
    grandchild = next(e for e in forks if e.ppid == first.pid)
    assert grandchild.jiffies - born[first.pid] == 20
    assert len(forks) == 7  # 1, 2, 4 … copies forking at 20, 40 and 60


def test_a_copy_is_the_parent_s_interval_and_memory_with_default_arguments() -> None:
    parent = ForkBomb({"interval": "3s", "rss": "256K", "jitter": 0, "busy": 90})
    copy = parent.copy()
    assert (copy.args["interval"], copy.args["rss"]) == (300, 64)
    assert copy.args["jitter"] == 10 and copy.busy == ForkBomb.BUSY  # not inherited


def test_a_copy_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parsed values go to the copy as they are (no text to parse a second time)."""
    parent = ForkBomb({"interval": "7j", "rss": "3 pages"})
    parsed: list[object] = []
    real = ForkBomb.parse_args.__func__  # type: ignore[attr-defined]

    def spy(cls: type[ForkBomb], raw: dict[str, object]) -> dict[str, object]:
        parsed.append(raw)
        return real(cls, raw)

    monkeypatch.setattr(ForkBomb, "parse_args", classmethod(spy))
    copy = parent.copy()
    assert all(raw == {} for raw in parsed)  # the defaults only, and at most once per run
    assert (copy.args["interval"], copy.args["rss"]) == (7, 3)
