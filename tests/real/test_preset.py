"""A real machine as a preset: what the format now holds, and what is changed to fit."""

from __future__ import annotations

import pytest

from moomtui.kernel.bootspec import boot_kernel_pages
from moomtui.machine import boot
from moomtui.presets import PresetError, parse_preset
from moomtui.real.preset import machine_preset, sim_ram_for
from moomtui.real.records import Decision, Machine, TaskRecord

BASE = 'name = "x"\n[machine]\nram = "{ram}"\nswap = "{swap}"\n'


def preset(ram: str = "64M", swap: str = "16M", task: str = "") -> str:
    return BASE.format(ram=ram, swap=swap) + task


def test_a_task_may_start_with_pages_in_swap() -> None:
    scenario = parse_preset(
        preset(task='[[tasks]]\ncomm = "db"\nrss = "4M"\nswap = "2M"\n'), "t.toml"
    )
    (spec,) = scenario.spec.tasks
    assert (spec.rss, spec.swap, spec.total_vm) == (1024, 512, 1536)
    k = boot(scenario.spec)
    db = next(t for t in k.tasks.values() if t.comm == "db")
    assert db.mm is not None and (db.mm.rss, db.mm.swap) == (1024, 512)
    assert k.vm.swap_used == 512
    assert k.vm.check(list(k.iter_mms())) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            preset(task='[[tasks]]\ncomm = "db"\nswap = "9M"\ncount = 2\n'),
            "tasks[0].swap: the tasks' swapped pages (4608) do not fit in machine.swap (4096",
        ),
        (
            preset(task='[[tasks]]\ncomm = "db"\nrss = "1M"\nswap = "1M"\ntotal_vm = "1M"\n'),
            "tasks[0].swap: expected rss + swap at most total_vm (256 pages)",
        ),
        (preset(ram="65G"), "machine.ram: expected a size from 4M to 64G"),
        (preset(swap="65G"), "machine.swap: expected a size up to 64G"),
        (
            preset(task='[[tasks]]\ncomm = "a"\ntotal_vm = "9000G"\n'),
            "tasks[0].total_vm: expected at most 8192G",
        ),
    ],
)
def test_the_new_limits_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(PresetError) as info:
        parse_preset(text, "t.toml")
    assert message in str(info.value)


def test_64g_of_ram_and_a_64_bit_address_space_are_accepted() -> None:
    text = preset(ram="64G", swap="64G", task='[[tasks]]\ncomm = "java"\ntotal_vm = "1024G"\n')
    scenario = parse_preset(text, "t.toml")
    assert scenario.spec.ram_pages == 1 << 24
    assert scenario.spec.tasks[0].total_vm == 1 << 28


@pytest.mark.parametrize("managed", [1, 1000, 65_536, 4_091_783, 16_000_000])
def test_the_simulated_memtotal_is_the_real_one(managed: int) -> None:
    ram = sim_ram_for(managed)
    assert ram - boot_kernel_pages(ram) == managed
    assert ram - 1 - boot_kernel_pages(ram - 1) < managed


def machine(**kw: object) -> Machine:
    tasks = kw.pop("tasks")
    m = Machine(source="test", kernel="6.1.0", era="5.9", era_source="version", **kw)  # type: ignore[arg-type]
    m.tasks = tasks  # type: ignore[assignment]
    m.totalpages = (m.totalram or 0) + (m.swap_total or 0)
    return m


def test_a_machine_above_64g_is_scaled_alike() -> None:
    big = TaskRecord(pid=100, comm="java", uid=1000, total_vm=40_000_000, rss=30_000_000)
    small = TaskRecord(pid=4_000_000, comm="sidecar-with-a-long-name", uid=100_000, rss=1000)
    m = machine(totalram=64_000_000, swap_total=0, tasks=[big, small])
    m.decision = Decision(pid=4_000_000, comm="sidecar")
    out = machine_preset(m, "test")
    assert any("scaled 1:4" in n for n in out.notes)
    spec = parse_preset(out.text, "t.toml").spec
    by_pid = {t.pid: t for t in spec.tasks}
    assert by_pid[100].rss == 30_000_000 // 4
    sim = out.pids[4_000_000]
    assert sim == 32767 and out.victim == sim
    assert (by_pid[sim].comm, by_pid[sim].uid) == ("sidecar-with-a-", 65534)


def test_resident_pages_that_overflow_ram_are_scaled_and_said() -> None:
    shared = [TaskRecord(pid=200 + i, comm="postgres", uid=26, rss=60_000) for i in range(10)]
    m = machine(totalram=262_144, swap_total=0, tasks=shared)
    out = machine_preset(m, "test")
    assert any("resident memory scaled by" in n for n in out.notes)
    spec = parse_preset(out.text, "t.toml").spec
    assert len({t.rss for t in spec.tasks}) == 1 and spec.tasks[0].rss < 60_000
