"""explain: why this victim, at the console."""

from __future__ import annotations

from moomtui.kernel import TaskSpec

from ..fixtures import machine
from .helpers import fails, ok, shell, user_task


def _machine():  # type: ignore[no-untyped-def]
    return machine(
        user_task("big", 3000),
        user_task("niced", 1600, nice=5),
        TaskSpec("rootd", total_vm=4000, rss=1000),
        kconfig={"CONFIG_OOM_KILL": "y"},
    )


def test_explain_prints_the_seeds_badness_a_statement_at_a_time() -> None:
    out = ok(shell(_machine()), "explain 7")
    lines = out.splitlines()
    assert lines[0] == "oom_kill: badness() of the seed's mm/oom_kill.c"
    codes = [line.strip() for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert codes[:4] == [
        "if (!p->mm) return 0;",
        "if (p->flags & PF_MEMDIE) return 0;",
        "points = p->mm->total_vm;",
        "points /= int_sqrt(cpu_time);",
    ]
    assert "      virtual size 3000 pages (11.7M)  → 3000" in lines
    assert "  7 (big): 3000 points, 2nd of 4" in lines


def test_explain_ranks_the_candidates_and_names_the_next_victim() -> None:
    out = ok(shell(_machine()), "explain 7")
    assert "  next ►    8 niced              3200" in out.splitlines()
    assert "            7 big                3000  ← this task" in out.splitlines()
    assert "8 (niced) has the most points, 3200; next is 7 (big) with 3000" in out


def test_explain_without_a_pid_explains_the_next_victim() -> None:
    out = ok(shell(_machine()), "explain")
    assert "  8 (niced): 3200 points, the next victim" in out.splitlines()
    assert "      niced (5): doubled  → 3200" in out.splitlines()


def test_explain_says_when_the_classic_killer_will_act() -> None:
    out = ok(shell(_machine()), "explain 9")
    assert "it kills only when all of these hold at an out_of_memory() call:" in out
    assert "superuser (CAP_SYS_ADMIN, uid 0, euid 0): quartered  → 1000" in out
    assert "CAP_SYS_RAWIO (direct hardware access): quartered  → 250" in out
    assert "    ✗ 5 s since its last kill (now - lastkill = 0.0 s)" in out.splitlines()


def test_explain_a_kernel_thread() -> None:
    out = ok(shell(_machine()), "explain 4")
    assert "no address space (a kernel thread)" in out
    assert "4 (kswapd): not a candidate — 0 points" in out


def test_explain_errors_are_one_line() -> None:
    sh = shell(_machine())
    assert fails(sh, "explain 999") == "explain: 999: No such process"
    assert fails(sh, "explain -n 0 7") == "explain: -n 0: expected 1 to 100"
    assert fails(sh, "explain x", 2).splitlines()[-1].startswith("explain:")


def test_explain_n_shows_more_candidates() -> None:
    out = ok(shell(_machine()), "explain -n 2 7")
    assert "  the top 2 (of 4):" in out.splitlines()
