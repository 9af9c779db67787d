"""Users, the clock, presets, help and the record of what was typed."""

from __future__ import annotations

import math

from moomtui.kernel.clock import Driver
from moomtui.shell import Session, Shell

from ..fixtures import machine
from .helpers import fails, ok, shell


class FakeClock:
    def __init__(self) -> None:
        self.paused = False
        self.speed = 1.0
        self.stepped: list[int] = []

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def step(self, jiffies: int = 1) -> None:
        self.stepped.append(jiffies)

    def advance(self, jiffies: int) -> bool:
        self.step(jiffies)
        return True

    def set_speed(self, speed: float) -> None:
        self.speed = speed


# ---------------------------------------------------------------------- users
def test_su_whoami_id() -> None:
    sh = shell()
    assert ok(sh, "whoami") == "root"
    assert ok(sh, "id") == "uid=0(root) gid=0(root) groups=0(root)"
    ok(sh, "su www-data")
    assert (sh.session.user, sh.session.uid, sh.kernel.current_uid) == ("www-data", 33, 33)
    assert ok(sh, "id") == "uid=33(www-data) gid=33(www-data) groups=33(www-data)"
    ok(sh, "su - postgres")
    assert ok(sh, "whoami") == "postgres"
    ok(sh, "su")
    assert sh.kernel.current_uid == 0


def test_su_to_an_unknown_user_or_uid() -> None:
    sh = shell()
    assert fails(sh, "su mallory") == "su: user mallory does not exist"
    ok(sh, "su 500")
    assert ok(sh, "id") == "uid=500 gid=500 groups=500"
    assert fails(sh, "whoami") == "whoami: cannot find username for UID 500"
    assert fails(sh, "id mallory") == "id: mallory: No such user"


def test_a_replaced_kernel_gets_the_sessions_uid() -> None:
    sh = shell()
    ok(sh, "su user")
    sh.session.kernel = machine()
    assert fails(sh, "swapon 1M") == "swapon: /dev/hda2: Operation not permitted"
    assert sh.kernel.current_uid == 1000


# ---------------------------------------------------------------------- the clock
def test_headless_step_runs_the_kernel() -> None:
    sh = shell()
    ok(sh, "step")
    assert sh.kernel.ticks == 1
    ok(sh, "step 250")
    ok(sh, "step 1s")
    ok(sh, "step 500ms")
    assert sh.kernel.ticks == 401


def test_step_errors() -> None:
    sh = shell()
    assert fails(sh, "step 0") == "step: 0: must be more than 0 jiffies"
    assert fails(sh, "step soon").startswith("step: soon: expected a number of jiffies or ")
    assert fails(sh, "step 2d").startswith("step: 2d: expected")
    assert fails(sh, "step 25h") == "step: 25h: at most a day at a time"
    assert sh.kernel.ticks == 0


def test_headless_pause_resume_and_speed_say_the_script_drives() -> None:
    sh = shell()
    assert ok(sh, "pause") == "pause: the clock is driven by the script"
    assert ok(sh, "resume") == "resume: the clock is driven by the script"
    assert ok(sh, "speed 10") == "speed: the clock is driven by the script"


def test_the_clock_commands_drive_the_driver() -> None:
    clock = FakeClock()
    sh = shell(driver=clock)
    ok(sh, "pause")
    assert clock.paused
    ok(sh, "step 1s")
    assert clock.stepped == [100] and sh.kernel.ticks == 0
    ok(sh, "resume")
    assert not clock.paused
    assert ok(sh, "speed 10") == "10×"
    assert ok(sh, "speed") == "10×"
    assert ok(sh, "speed max") == "max" and math.isinf(clock.speed)
    assert fails(sh, "speed 5000") == "speed: 5000: speed must be from 0.25 to 1000, or max"
    assert fails(sh, "speed warp") == "speed: warp: expected a number or max"
    assert fails(sh, "speed faster") == "speed: faster: not supported by this clock"


def test_with_the_real_driver() -> None:
    k = machine()
    driver = Driver(k, paused=True)
    sh = Shell(Session(k, driver=driver))
    ok(sh, "step 3")
    assert k.ticks == 3
    ok(sh, "speed 2")
    assert ok(sh, "speed faster") == "5×"
    ok(sh, "resume")
    assert not driver.paused


# ---------------------------------------------------------------------- presets
def test_boot_lists_and_switches_presets() -> None:
    booted: list[str] = []

    def on_boot(name: str) -> None:
        if name not in ("oom-101", "swap-storm"):
            raise ValueError("no such preset")
        booted.append(name)
        session.kernel = machine()

    session = Session(machine(), presets=lambda: ["swap-storm", "oom-101"], on_boot=on_boot)
    sh = Shell(session)
    assert ok(sh, "boot") == "oom-101\nswap-storm"
    ok(sh, "boot oom-101")
    assert booted == ["oom-101"]
    assert fails(sh, "boot nope") == "boot: nope: no such preset (boot alone lists them)"
    assert fails(shell(), "boot x") == "boot: presets are not available in this session"


# ---------------------------------------------------------------------- help, history
def test_help_lists_commands_and_explains_one() -> None:
    sh = shell()
    listing = ok(sh, "help").splitlines()
    assert listing[0] == "Commands (help COMMAND for its options):"
    assert any(line.split()[0] == "insmod" for line in listing[1:])
    assert ok(sh, "help kill").startswith("usage: kill")
    assert fails(sh, "help frob") == "help: no help topics match 'frob'"


def test_recorded_keeps_ticks_and_lines_but_not_script_history_or_unknown() -> None:
    sh = shell()
    ok(sh, "sysctl kernel.panic")
    ok(sh, "step 150")
    fails(sh, "kill 999")
    fails(sh, "nosuch", 127)
    ok(sh, "history")
    ok(sh, "script show")
    sh.execute("echo quiet", record=False)
    assert sh.session.recorded == [(0, "sysctl kernel.panic"), (0, "step 150"), (150, "kill 999")]
    assert ok(sh, "history").splitlines() == [
        "    1      0.00s  sysctl kernel.panic",
        "    2      0.00s  step 150",
        "    3      1.50s  kill 999",
    ]
    assert ok(sh, "history 1") == "    3      1.50s  kill 999"


def test_recorded_times_come_from_the_sessions_clock_when_it_has_one() -> None:
    elapsed = [1000]
    sh = Shell(Session(machine(), clock=lambda: elapsed[0]))
    ok(sh, "uptime")
    elapsed[0] = 1250
    ok(sh, "reboot")
    ok(sh, "uptime")
    assert sh.session.recorded == [(1000, "uptime"), (1250, "reboot"), (1250, "uptime")]
