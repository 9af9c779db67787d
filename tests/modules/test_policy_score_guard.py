"""A policy's own ``score()`` runs under the oops guard, as its handlers do: the screen's OOM
column and ``explain`` call it, and a policy file's bug there is that module's oops — one
alert in the log, the kernel tainted, the module scoring nothing — never a crash of the
command or the screen."""

from __future__ import annotations

import textwrap
from pathlib import Path

from moomtui.kernel.printk import KERN_ALERT
from moomtui.modules import GuardedScore, policy_score
from moomtui.modules.classic import badness
from moomtui.modules.explain import explain
from moomtui.modules.plugins import insmod_file

from ..fixtures import machine
from .helpers import log_lines, user

RAISES = '''
    from moomtui.modules.api import Policy


    class BadScore(Policy):
        """Scores with a bug."""

        name = "badscore"

        def on_out_of_memory(self) -> None:
            pass

        def score(self, task, jiffies):
            return 1 // 0
'''

COUNTS = '''
    from moomtui.modules.api import Policy


    class Biggest(Policy):
        """Scores a task by its size."""

        name = "biggest"

        def on_out_of_memory(self) -> None:
            pass

        def score(self, task, jiffies):
            return task.mm.total_vm if task.mm is not None else 0
'''


def load(tmp_path: Path, name: str, source: str):  # type: ignore[no-untyped-def]
    k = machine(user("db", 1000, rss=1000), user("web", 500, rss=500), ram_pages=4096)
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    insmod_file(k.modules, str(path))
    return k


def test_a_score_that_raises_is_one_oops_and_then_scores_nothing(tmp_path: Path) -> None:
    k = load(tmp_path, "badscore", RAISES)
    db = next(t for t in k.for_each_task() if t.comm == "db")
    score = policy_score(k)
    assert isinstance(score, GuardedScore)
    assert [score(t, k.jiffies) for t in k.for_each_task()] == [0] * len(k.tasks)
    alerts = [
        text for level, text in log_lines(k) if level == KERN_ALERT and "module badscore" in text
    ]
    assert alerts == ["Unable to handle kernel request in module badscore: ZeroDivisionError: "
                      "integer division or modulo by zero"]  # fmt: skip
    assert "badscore" in k.modules.tainted
    (verdict,) = explain(k, db).verdicts
    assert verdict.why_not.startswith("its score() raised ZeroDivisionError")
    assert verdict.candidates == []


def test_the_guard_is_the_module_s_own_score_while_it_is_loaded(tmp_path: Path) -> None:
    k = load(tmp_path, "biggest", COUNTS)
    db = next(t for t in k.for_each_task() if t.comm == "db")
    first, again = policy_score(k), policy_score(k)
    assert first == again and first(db, k.jiffies) == 1000
    assert not k.modules.tainted
    k.modules.rmmod("biggest")
    assert policy_score(k) is badness
