"""What would have saved it: the oom_score_adj (or 2.4's credentials) that spares a task in
each era, the memory that was missing, and whether earlyoom or memory.high acts first."""

from __future__ import annotations

import json
from pathlib import Path

from moomtui.real.advice import advise
from moomtui.real.rebuild import rebuild_log
from moomtui.real.report import read_log
from moomtui.real.verdict import judge

from .kformat import T, report
from .test_breakdown import postmortem

ROOT = Path(__file__).resolve().parents[2]
MYSQLD = T(1200, "mysqld", 600000)
JAVA = T(1500, "java", 500000)
SSHD = T(400, "sshd", 300, uid=0, adj=-1000)
# A zone's watermarks as show_free_areas() prints them (4.x on): min 15000 pages.
ZONE = "Node 0 Normal free:48000kB min:60000kB low:75000kB high:90000kB present:4194304kB"


def lines(
    tasks: list[T], victim: T, *, order: int = 0, swap: tuple[int, int] = (0, 0)
) -> list[str]:
    out = report("6.x", tasks, victim, swap_kb=swap[0])
    out[0] = out[0].replace("order=0", f"order={order}")
    out[out.index("Free swap  = 0kB")] = f"Free swap  = {swap[1]}kB"
    at = out.index("Node 0 DMA: 1*4kB 1*8kB 0*16kB = 12kB")
    out.insert(at, ZONE)
    return out


def advice_of(text: list[str], protect: str | None):  # type: ignore[no-untyped-def]
    (m,) = rebuild_log(read_log("\n".join(text) + "\n"), "t")
    return advise(judge(m), protect)


def test_each_era_gets_the_highest_oom_score_adj_that_spares_the_task() -> None:
    # totalpages = 1048576 RAM - 24576 reserved = 1024000; mm/oom_kill.c (3.6 on):
    #     adj *= totalpages / 1000;        /* 1024 */
    #     points += adj;
    # mysqld 600000 + adj·1024 must fall below java's 500000: adj −97 gives 500672, −98
    # gives 499648. In 1000ths (2.6.36–3.5): 600000·1000/1024000 = 585 against java's 488;
    # 585 + adj must be below 488 (the first of equals is kept): −98 again.
    a = advice_of(lines([SSHD, MYSQLD, JAVA], MYSQLD), "mysqld")
    assert a.protected == [1200]
    by_era = {s.key: s for s in a.spares}
    for key in ("2.6.36", "2.6.37", "3.6", "3.14", "4.17", "5.3", "5.9"):
        s = by_era[key]
        assert s.chosen and s.now == (1200, "mysqld"), key
        assert s.adj == -98, key
        assert s.instead == (1500, "java"), key
    eo = by_era["earlyoom"]
    assert eo.chosen and eo.adj is not None and eo.adj <= -98


def test_2_4_has_no_oom_score_adj_root_divides_by_four() -> None:
    # badness(): if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_ADMIN) ||
    #                p->uid == 0 || p->euid == 0)
    #                points /= 4;
    # mysqld's total_vm 1801000 / 4 = 450250, below java's 1501000.
    a = advice_of(lines([SSHD, MYSQLD, JAVA], MYSQLD), "mysqld")
    (s,) = [s for s in a.spares if s.key == "2.4"]
    assert s.chosen and s.adj is None
    assert s.words == "no oom_score_adj in 2.4: as root (/4) spared, then 1500 (java) dies"


def test_2_4_a_root_task_too_big_to_spare_gets_the_total_vm_that_would() -> None:
    # Root with every capability: /4, then
    #     if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_RAWIO))
    #         points /= 4;
    # total_vm / 16 must stay below java's 1501000 (the first of equals is kept, and mysqld
    # is first): at most 1500999 · 16 + 15 = 24015999 pages.
    big = T(1200, "mysqld", 600000, uid=0, total_vm=30_000_000)
    a = advice_of(lines([SSHD, big, JAVA], big), "mysqld")
    (s,) = [s for s in a.spares if s.key == "2.4"]
    assert s.words.endswith(
        "as root with CAP_SYS_RAWIO (/16) still chosen; spared with total_vm at most "
        "24015999 pages, then 1500 (java) dies"
    )


def test_a_task_the_era_does_not_choose_is_spared_already() -> None:
    a = advice_of(lines([SSHD, MYSQLD, JAVA], MYSQLD), "java")
    assert all(not s.chosen and s.now == (1200, "mysqld") for s in a.spares)


def test_the_memory_missing_comes_from_the_watermarks_and_the_order() -> None:
    # An order-2 allocation needs 4 pages above the min watermarks (60000 kB: 15000 pages)
    # with 12000 free: 3004 pages short at that moment; the kill gave back mysqld's 600000.
    a = advice_of(lines([SSHD, MYSQLD, JAVA], MYSQLD, order=2), None)
    assert a.figures["short"] == 3004
    assert a.figures["freed"] == 600000
    ram = dict(a.lines)["ram"]
    assert ram.startswith("more RAM: at least 11.7M at that moment (an order-2 allocation")
    assert "killing 1200 (mysqld) gave back 2.3G" in ram
    assert dict(a.lines)["swap"].startswith("swap: none; 2.3G of swap")


def test_earlyoom_acts_first_only_when_swap_is_short_too() -> None:
    # si_mem_available(): 12000 free - 18750 low + 22 file pages less half: nothing left;
    # no swap counts as none free. With half of 4G of swap free, earlyoom (-s 10) waits.
    short = advice_of(lines([SSHD, MYSQLD, JAVA], MYSQLD), None)
    assert short.figures["available"] == 0
    assert dict(short.lines)["earlyoom"].startswith("earlyoom (defaults -m 10 -s 10) would have")
    swapping = advice_of(lines([SSHD, MYSQLD, JAVA], MYSQLD, swap=(4194304, 2097152)), None)
    text = dict(swapping.lines)["earlyoom"]
    assert text.startswith("earlyoom (defaults -m 10 -s 10) would not have acted")
    assert "swap free 50%" in text
    assert dict(swapping.lines)["swap"].startswith("swap: 2.0G still free")


def test_a_memory_cgroup_gets_its_limit_and_memory_high() -> None:
    text = (ROOT / "examples" / "reports" / "k8s-memcg-6.8.txt").read_text()
    (m,) = rebuild_log(read_log(text), "k8s")
    a = advise(judge(m), None)
    said = dict(a.lines)
    assert said["limit"].startswith("more cgroup limit: at least 4K")
    assert said["earlyoom"].startswith("earlyoom watches the whole machine")
    assert m.memcg is not None and m.memcg.limit is not None
    assert a.figures["memory_high"] == m.memcg.limit * 90 // 100


def test_the_command_line_prints_and_writes_the_advice(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("\n".join(lines([SSHD, MYSQLD, JAVA], MYSQLD)) + "\n")
    text = postmortem("--print", "--protect", "mysqld", str(path))
    assert "    to spare mysqld (1200):" in text
    assert "      5.9–6.x: oom_score_adj -98 or lower spares it, then 1500 (java) dies" in text
    assert "what would have saved it" not in postmortem("--print", str(path))
    assert "to spare" not in postmortem("--print", "--advice", str(path))
    missing = postmortem("--print", "--protect", "nosuch", str(path))
    assert "--protect nosuch: no task of that name in the table" in missing
    (rep,) = json.loads(postmortem("--json", "--protect", "1200", str(path)))["reports"]
    assert rep["advice"]["protected"] == [1200]
    assert rep["advice"]["spares"]["5.9"] == {
        "chooses": {"pid": 1200, "comm": "mysqld"},
        "chosen": True,
        "oom_score_adj": -98,
        "instead": {"pid": 1500, "comm": "java"},
    }
    (rep,) = json.loads(postmortem("--json", str(path)))["reports"]
    assert "advice" not in rep
