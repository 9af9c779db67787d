"""free, vmstat, uptime, dmesg, swapon/swapoff and reboot."""

from __future__ import annotations

from moomtui.kernel import events as ev
from moomtui.kernel.proc_misc import meminfo

from ..fixtures import Recorder, machine
from .helpers import fails, ok, shell, user_task


def test_free_is_procps_layout_and_adds_up() -> None:
    k = machine(user_task("big", 4096, rss=2048), swap_pages=1024, page_cache=512)
    out = ok(shell(k), "free")
    lines = out.splitlines()
    assert lines[0] == "             total       used       free     shared    buffers     cached"
    m = meminfo(k)
    total, free = m["MemTotal"], m["MemFree"]
    assert lines[1] == (
        f"Mem:    {total:10d} {total - free:10d} {free:10d} {0:10d} {0:10d} {m['Cached']:10d}"
    )
    used_no_cache = total - free - m["Cached"]
    assert lines[2] == f"-/+ buffers/cache: {used_no_cache:10d} {free + m['Cached']:10d}"
    assert lines[3].split() == ["Swap:", "4096", "0", "4096"]


def test_free_m_and_t() -> None:
    k = machine(swap_pages=2048)
    lines = ok(shell(k), "free -m -t").splitlines()
    assert lines[1].split()[1] == str(meminfo(k)["MemTotal"] >> 10)
    assert lines[3].split() == ["Swap:", "8", "0", "8"]
    assert lines[4].startswith("Total:")
    fails(shell(k), "free -m -b")


def test_vmstat_prints_one_line_under_its_header() -> None:
    k = machine(user_task("big", 1024), swap_pages=256)
    lines = ok(shell(k), "vmstat").splitlines()
    assert len(lines) == 3
    assert lines[1] == (
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in    cs us sy id"
    )
    values = [int(v) for v in lines[2].split()]
    assert values[3] == meminfo(k)["MemFree"]
    assert values[2] == 0
    assert values[12] + values[13] + values[14] == 100


def test_uptime_reads_the_clock_since_a_midnight_boot() -> None:
    k = machine()
    sh = shell(k)
    ok(sh, "step 2m")
    ok(sh, "step 5s")
    assert ok(sh, "uptime") == " 00:02:05 up 2 min,  1 user,  load average: 0.00, 0.00, 0.00"
    k.run_for(3600 * 100)
    assert ok(sh, "uptime").startswith(" 01:02:05 up  1:02,  1 user,  load average: ")


def test_dmesg_prints_the_log_with_timestamps() -> None:
    sh = shell()
    lines = ok(sh, "dmesg").splitlines()
    assert lines[0].startswith("[   0.000] Linux version 2.4.22")
    assert ok(sh, "dmesg -r").splitlines()[0].startswith("<5>[   0.000] Linux version")


def test_dmesg_c_clears_and_needs_root() -> None:
    sh = shell()
    ok(sh, "su user")
    assert fails(sh, "dmesg -c") == "klogctl: Operation not permitted"
    assert ok(sh, "dmesg") != ""
    ok(sh, "su")
    assert ok(sh, "dmesg -c") != ""
    assert ok(sh, "dmesg") == ""


def test_dmesg_n_sets_the_console_loglevel() -> None:
    k = machine()
    sh = shell(k)
    ok(sh, "dmesg -n 3")
    assert k.log.console_loglevel == 3
    assert ok(sh, "sysctl kernel.printk") == "kernel.printk = 3\t4\t1\t7"
    assert fails(sh, "dmesg -n 9") == "klogctl: Invalid argument"
    ok(sh, "su nobody")
    assert fails(sh, "dmesg -n 5") == "klogctl: Operation not permitted"
    assert k.log.console_loglevel == 3


def test_swapon_adds_swap_and_swapon_s_shows_it() -> None:
    k = machine()
    sh = shell(k)
    events = Recorder(k)
    assert ok(sh, "swapon -s") == "Filename\t\t\tType\t\tSize\tUsed\tPriority"
    ok(sh, "swapon 64M")
    assert k.vm.swap_total == 16384
    assert ok(sh, "swapon -s").splitlines()[1] == f"{'/dev/hda2':<39} partition\t65536\t0\t-1"
    assert [(e.total, e.on) for e in events.of(ev.Swap)] == [(16384, True)]
    assert fails(sh, "swapon 12 parsecs", 2).startswith("usage: swapon")
    assert fails(sh, "swapon lots").startswith('swapon: lots: expected a size like "64M"')


def test_swapoff_a_and_its_errors() -> None:
    k = machine(swap_pages=1024)
    sh = shell(k)
    ok(sh, "swapoff -a")
    assert k.vm.swap_total == 0
    assert fails(sh, "swapoff -a") == "swapoff: no swap is on"
    fails(sh, "swapoff", 2)


def test_swap_commands_need_root() -> None:
    k = machine(swap_pages=1024)
    sh = shell(k)
    ok(sh, "su user")
    assert fails(sh, "swapon 1M") == "swapon: /dev/hda2: Operation not permitted"
    assert fails(sh, "swapoff -a") == "swapoff: /dev/hda2: Operation not permitted"
    assert k.vm.swap_total == 1024


def test_reboot_starts_a_new_boot() -> None:
    k = machine()
    sh = shell(k)
    events = Recorder(k)
    ok(sh, "step 5s")
    assert ok(sh, "reboot") == "Restarting system."
    assert k.boot == 1 and k.ticks == 0
    assert [e.new_boot for e in events.of(ev.Reboot)] == [1]


def test_reboot_needs_root_and_can_be_handled_by_the_screen() -> None:
    calls: list[str] = []
    sh = shell(machine(), on_reboot=lambda: calls.append("reboot"))
    ok(sh, "reboot")
    assert calls == ["reboot"] and sh.kernel.boot == 0
    ok(sh, "su user")
    assert fails(sh, "reboot") == "reboot: must be superuser."
    assert calls == ["reboot"]
