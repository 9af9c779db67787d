"""Verdicts exact about themselves: a thread is its process, earlier victims are passed over
as the report's kernel passes them over, the printed score is held against the model's, and
the era is placed by everything the report shows."""

from __future__ import annotations

from moomtui.real.rebuild import rebuild_log
from moomtui.real.render import report_json, report_text
from moomtui.real.report import read_log
from moomtui.real.verdict import Judgement, judge

from .kformat import T, report


def judged(lines: list[str]) -> list[Judgement]:
    return [judge(m) for m in rebuild_log(read_log("\n".join(lines)), "r")]


def why(j: Judgement) -> str:
    return "\n".join(j.why)


# ------------------------------------------------------------------------- threads
JAVA = [T(2100, "sshd", 300, uid=0), T(2200, "java", 800_000), T(2300, "python", 100_000)]
MEMCG = [
    "Task in /app killed as a result of limit of /app",
    "memory: usage 4000000kB, limit 4000000kB, failcnt 120",
]


def test_a_3_10_memory_cgroup_that_chose_a_thread_chose_its_process() -> None:
    """3.10's mem_cgroup_out_of_memory() walks the cgroup's threads (``cgroup_iter_next``)
    and prints ``Kill process %d (%s) score %d or sacrifice child`` with the thread's pid;
    ``find_lock_task_mm(victim)`` then finds the leader, whose pid ``Killed process`` prints
    and whose row the table has."""
    lines = report("3.6", JAVA, JAVA[1], score=800, swap_kb=0)[:-2]
    lines[3:3] = MEMCG
    lines += [
        "Memory cgroup out of memory: Kill process 2345 (java) score 800 or sacrifice child",
        "Killed process 2200 (java) total-vm:3204000kB, anon-rss:3200000kB, file-rss:0kB",
    ]
    (j,) = judged(lines)
    assert j.machine.constraint == "memcg"
    assert j.chosen is not None and (j.chosen.how, j.chosen.row and j.chosen.row.pid) == (
        "thread",
        2200,
    )
    assert (j.model, j.matches) == ("3.6", True)
    assert "a thread of process 2200 (java)" in why(j)
    assert "child" not in why(j)
    assert "the kernel chose 2345 (java), a thread of process 2200 (java), score 800" in (
        report_text(j)
    )
    assert report_json(j)["chosen"] == {"pid": 2200, "comm": "java", "as": "thread"}


def test_a_5_x_summary_that_names_a_thread_is_its_process() -> None:
    """From 5.1 no child is killed in the chosen task's place: ``oom-kill:…,pid=`` naming a
    thread and ``Killed process`` naming its process are one choice, whatever the thread's
    own name."""
    tasks = JAVA[1:]
    lines = report("6.x", tasks, tasks[0])[:-2]
    lines += [
        "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
        "global_oom,task_memcg=/app,task=C2 CompilerThre,pid=2345,uid=1000",
        "Out of memory: Killed process 2200 (java) total-vm:3204000kB, anon-rss:3200000kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:0kB oom_score_adj:0",
    ]
    (j,) = judged(lines)
    assert j.chosen is not None and j.chosen.how == "thread"
    assert (j.model, j.matches) == ("5.9", True)
    assert "killed its child" not in why(j)


def test_a_child_killed_in_its_parents_place_is_still_said() -> None:
    """2.6.36–5.0: ``If any of p's children has a different mm and is eligible for kill,
    the one with the highest oom_badness() score is sacrificed for its parent``."""
    tasks = [T(300, "httpd", 500_000), T(301, "httpd-worker", 200_000)]
    lines = report("3.6", tasks, tasks[0], score=488)[:-2]
    lines += [
        "Out of memory: Kill process 300 (httpd) score 488 or sacrifice child",
        "Killed process 301 (httpd-worker) total-vm:804000kB, anon-rss:800000kB, file-rss:0kB",
    ]
    (j,) = judged(lines)
    assert j.chosen is not None and (j.chosen.how, j.chosen.killed and j.chosen.killed.pid) == (
        "pid",
        301,
    )
    assert j.matches is True
    assert "killed its child 301 (httpd-worker) in its place" in why(j)


# ------------------------------------------------------------------------- earlier victims
A, B = T(10, "a", 100_000), T(11, "b", 90_000)


def test_an_earlier_victim_is_passed_over_by_thread_group_from_4_7() -> None:
    """4.9 on, ``oom_evaluate_task()``: ``if (!is_sysrq_oom(oc) && tsk_is_oom_victim(task))
    { if (test_bit(MMF_OOM_SKIP, &task->signal->oom_mm->flags)) goto next; goto abort; }``.
    The second table lists the first victim by another thread (its leader has exited): the
    row's pid is 15, its tgid 10."""
    first = report("6.x", [A, B], A)
    again = T(15, "a", 100_000)
    second = report("6.x", [again, B], B)
    row = "[     15]  1000    15"
    at = next(i for i, line in enumerate(second) if line.startswith(row))
    second[at] = second[at].replace(row, "[     15]  1000    10")
    _, j = judged([*first, *second])
    assert (j.model, j.matches) == ("5.9", True)
    assert j.passed_over == [f"15 (a, killed at line {len(first)})"]
    assert "passed over, as the kernel does (MMF_OOM_SKIP): 15 (a" in why(j)
    # Eras before 4.7 would still choose it; every era from 4.17 passes it over.
    assert j.verdicts["3.6"].pid == 15
    assert j.verdicts["4.17"].pid == j.verdicts["5.3"].pid == 11


def test_a_reaped_task_is_passed_over_where_the_version_does_not_say() -> None:
    """A 4.0–4.14 table without a version may be older than 4.7's ``MMF_OOM_REAPED``; the
    OOM reaper's ``oom_reaper: reaped process %d (%s), now anon-rss:%lukB, …`` says the
    kernel had it (4.6's reaper set the task's oom_score_adj to -1000 instead)."""
    first = report("4.0", [A, B], A, score=97, kernel=None)
    second = report("4.0", [A, B], B, score=87, kernel=None)
    _, waited = judged([*first, *second])
    assert (waited.model, waited.matches) == ("3.14", False)
    assert "10 (a) was already killed earlier in this log" in why(waited)
    reaper = "oom_reaper: reaped process 10 (a), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"
    _, j = judged([*first, reaper, *second])
    assert (j.model, j.matches) == ("3.14", True)
    assert j.passed_over == [f"10 (a, reaped at line {len(first) + 1})"]


def test_a_victim_chosen_again_is_not_passed_over_but_noted() -> None:
    """A kernel that passes victims over cannot choose one again: the same pid chosen twice
    is a new process (pids are reused)."""
    first = report("6.x", [A, B], A)
    second = report("6.x", [A, B], A)
    _, j = judged([*first, *second])
    assert j.matches is True and j.passed_over == []
    assert "chose it again: a new process that got the same pid?" in why(j)


# ------------------------------------------------------------------------- printed score
def test_a_3_2_tables_missing_swap_explains_a_higher_printed_score() -> None:
    """2.6.37–3.5's ``points = get_mm_rss(p->mm) + p->mm->nr_ptes; points +=
    get_mm_counter(p->mm, MM_SWAPENTS); points *= 1000; points /= totalpages;`` counts
    what the 2.6.36 table (``cpu oom_adj oom_score_adj``) never prints."""
    small = T(11, "b", 50_000)
    (j,) = judged(report("2.6.36", [A, small], A, score=99))
    assert j.matches is True
    assert j.score_check is not None
    assert (j.score_check.printed, j.score_check.model, j.score_check.status) == (
        99,
        97,
        "explained",
    )
    assert "shows no swap entries or page tables" in j.score_check.why
    assert "about 1025–3072 pages" in j.score_check.why
    assert j.score_check.why in j.why


def test_root_without_cap_sys_admin_explains_a_score_without_the_bonus() -> None:
    """3.6–3.13: ``if (has_capability_noaudit(p, CAP_SYS_ADMIN)) adj -= 30;`` — a root
    task in a container has dropped the capability, and scores as a user's."""
    root = T(10, "a", 100_000, uid=0)
    (j,) = judged(report("3.6", [root, T(11, "b", 50_000)], root, score=97))
    assert j.matches is True
    assert j.score_check is not None and j.score_check.status == "explained"
    assert "10 (a) did not hold it" in j.score_check.why
    assert j.score_check.model == 67  # (100000 − 30·1024)·1000 / 1024000


def test_an_unexplained_score_is_flagged() -> None:
    (j,) = judged(report("3.6", [A, T(11, "b", 50_000)], A, score=90))
    assert j.matches is True
    assert j.score_check is not None and j.score_check.status == "unexplained"
    assert "the kernel printed score 90 for 10 (a); the 3.6–3.13 rule gives 97" in why(j)


def test_an_estimated_totalpages_is_said_and_never_printed_as_a_limit_of_none() -> None:
    lines = [
        line
        for line in report("3.6", [A, T(11, "b", 50_000)], A, score=500)
        if "pages" not in line or "pagecache" in line
    ]
    lines[3:3] = MEMCG[:1]
    lines[-2] = lines[-2].replace("Out of memory", "Memory cgroup out of memory")
    (j,) = judged(lines)
    assert j.machine.constraint == "memcg" and j.machine.totalpages_estimated
    assert j.score_check is not None and j.score_check.status == "explained"
    assert "puts the kernel's at about 200000" in j.score_check.why
    text = report_text(j)
    assert "totalpages 150000 (estimated: the cgroup's limit is not in the report)" in text
    assert "None" not in text


def test_a_printed_oom_score_adj_is_held_against_the_table() -> None:
    """5.x prints ``oom_score_adj:%hd`` in ``Killed process``; ``dump_header()`` prints the
    invoking task's in ``invoked oom-killer: …, oom_score_adj=%hd``."""
    invoker = T(12, "bash", 10, adj=50)
    lines = report("6.x", [A, B, invoker], T(10, "a", 100_000, adj=200))
    (j,) = judged(lines)
    assert j.matches is True
    assert "printed oom_score_adj:200 for the task it killed, 10 (a); its row shows 0" in why(j)
    assert "the invoking task 12 printed oom_score_adj=0; its row in the table shows 50" in (why(j))


# ------------------------------------------------------------------------- the era
ROOT = T(10, "a", 100_000, uid=0)


def test_the_printed_score_places_an_era_the_layout_leaves_open() -> None:
    """``nr_ptes swapents`` is printed by 3.6–3.19: 3.6–3.13 take root's bonus as ``adj -=
    30`` (``points *= totalpages/1000``), 3.14 as ``points -= points * 3 / 100``. The
    kernel printed 94: 97000·1000/1024000, 3.14's — not 3.6's 67."""
    (j,) = judged(report("3.6", [ROOT, B], ROOT, score=94, kernel=None))
    m = j.machine
    assert (m.era, m.era_source, j.matches) == ("3.14", "score", True)
    assert any(
        "printed score 94, which 3.14–4.16 gives (the layout alone pointed to 3.6–3.13, "
        "which gives 67)" in e
        for e in m.era_evidence
    )
    assert "(the 3.14–4.16 rule, by its printed score)" in report_text(j)
    doc = report_json(j)
    assert doc["era_source"] == "score" and doc["era_evidence"] == m.era_evidence
    assert doc["model"] == "3.14"


def test_a_version_whose_rule_the_score_contradicts_is_flagged_not_overruled() -> None:
    (j,) = judged(report("3.6", [ROOT, B], ROOT, score=94))
    m = j.machine
    assert (m.era, m.era_source) == ("3.6", "version")
    assert "printed score 94, this rule gives 67; 3.14–4.16 gives it" in m.era_evidence
    assert j.score_check is not None and j.score_check.status == "unexplained"
    assert "era: version 3.10.0-1160.el7.x86_64 (3.6–3.13); its table's layout" in (report_text(j))


def test_the_score_agrees_and_says_which_eras_it_tells_apart() -> None:
    (j,) = judged(report("3.6", [ROOT, T(11, "b", 10_000)], ROOT, score=67))
    assert (j.machine.era, j.matches) == ("3.6", True)
    assert "printed score 67, as this rule gives (3.14–4.16 would print 94)" in (
        j.machine.era_evidence
    )
