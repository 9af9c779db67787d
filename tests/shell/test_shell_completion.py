"""Tab completion for the console."""

from __future__ import annotations

from ..fixtures import machine
from .helpers import REGISTRY, ok, shell, user_task


def test_completes_command_names() -> None:
    sh = shell()
    assert sh.complete("ins") == ["insmod"]
    assert sh.complete("sw") == ["swapoff", "swapon"]
    assert sh.complete("") == sh.commands()


def test_completes_module_names_and_their_parameters() -> None:
    sh = shell(machine(registry=REGISTRY))
    assert sh.complete("insmod oom_") == ["oom_knob", "oom_other"]
    assert sh.complete("insmod oom_knob oom_parent_m") == ["oom_parent_max="]
    ok(sh, "insmod oom_other")
    assert sh.complete("rmmod ") == ["oom_other"]


def test_completes_sysctl_keys_and_proc_paths() -> None:
    sh = shell()
    assert sh.complete("sysctl kernel.p") == ["kernel.panic", "kernel.printk"]
    assert sh.complete("cat /proc/me") == ["/proc/meminfo"]
    assert sh.complete("cat /proc/sys/") == ["/proc/sys/kernel/", "/proc/sys/vm/"]
    assert sh.complete("cat 1/st") == ["1/stat", "1/status"]
    assert sh.complete("echo 5 > /proc/sys/kernel/pa") == ["/proc/sys/kernel/panic"]


def test_completes_pids_signals_programs_and_users() -> None:
    sh = shell(machine(user_task("sleeper", pid=42)))
    assert sh.complete("kill 4") == ["4", "42"]
    assert sh.complete("kill -K") == ["-KILL"]
    assert sh.complete("kill -s TE") == ["TERM"]
    assert sh.complete("kill -s TT") == ["TTIN", "TTOU"]
    assert sh.complete("spawn ho") == ["hog"]
    assert sh.complete("spawn hog ra") == ["rate="]
    assert sh.complete("spawn hog --user ro") == ["root"]
    assert sh.complete("su www") == ["www-data"]
    assert sh.complete("killall sl") == ["sleeper"]


def test_completes_presets_when_the_session_offers_them() -> None:
    sh = shell(presets=lambda: ["oom-101", "swap-storm"])
    assert sh.complete("boot s") == ["swap-storm"]
    assert shell().complete("boot ") == []


def test_completion_never_raises() -> None:
    sh = shell()
    for line in ("cat '/proc/me", "frob ", "kill -s", "spawn --user", "echo >", "\x00 \udcff"):
        assert isinstance(sh.complete(line), list)
