"""Linux habits at the console: vmstat 1 3, free -h, ps -o/-u/auxf/--sort, top, renice -n,
uname -a, clear, exit — as the 2003 tools (and the later ones people type) answer."""

from __future__ import annotations

from moomtui.kernel import TaskSpec
from moomtui.kernel.constants import HZ

from ..fixtures import machine
from .helpers import fails, ok, shell, user_task


def _spinner(comm: str, busy: int = 100, **fields: object) -> TaskSpec:
    return TaskSpec(comm, program="hog", args={"rate": 0, "busy": busy}, **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- vmstat
def test_vmstat_delay_count_prints_a_line_per_interval_while_the_machine_runs() -> None:
    """procps: the first line is the average since boot, each next one covers DELAY
    seconds; the real tool takes (COUNT-1) × DELAY seconds, and so does the machine."""
    k = machine(_spinner("spin"))
    sh = shell(k)
    k.run_for(20 * HZ)
    start = k.ticks
    lines = ok(sh, "vmstat 1 3").splitlines()
    assert len(lines) == 5 and lines[1].split()[:2] == ["r", "b"]
    assert k.ticks == start + 2 * HZ
    for line in lines[3:]:
        assert line.split()[0] == "1"  # the spinner, running
        assert int(line.split()[-3]) >= 90  # us: one CPU busy for the whole second


def test_vmstat_refuses_a_delay_without_count_and_long_runs() -> None:
    sh = shell()
    assert "without a COUNT it would never end here" in fails(sh, "vmstat 1")
    assert "at most 10 s of lines at once" in fails(sh, "vmstat 5 4")
    assert fails(sh, "vmstat 0 3") == "usage: vmstat [-V] [-n] [delay [count]]"
    assert len(ok(sh, "vmstat 2 6").splitlines()) == 8


# ---------------------------------------------------------------------- free
def test_free_h_g_and_o() -> None:
    k = machine(swap_pages=1024, ram_pages=16384)
    human = ok(shell(k), "free -h").splitlines()
    assert human[1].split()[:2] == ["Mem:", "62M"] and human[3].split()[:2] == ["Swap:", "4.0M"]
    assert ok(shell(k), "free -g").splitlines()[1].split()[1] == "0"
    old = ok(shell(k), "free -o").splitlines()
    assert len(old) == 3 and not any(line.startswith("-/+") for line in old)


# ---------------------------------------------------------------------- ps
def _family():  # type: ignore[no-untyped-def]
    return machine(
        TaskSpec("httpd", pid=300, total_vm=512, rss=128),
        user_task("worker", pid=301, ppid=300, total_vm=2048, rss=1024),
        user_task("worker", pid=302, ppid=301, total_vm=256, rss=64),
        TaskSpec("db", pid=400, total_vm=4096, rss=512, uid=26, euid=26),
    )


def test_ps_o_prints_the_fields_asked_for() -> None:
    lines = ok(shell(_family()), "ps -eo pid,ppid,user,rss,comm").splitlines()
    assert lines[0].split() == ["PID", "PPID", "USER", "RSS", "COMMAND"]
    assert "  301   300 user      4096 worker" in lines
    renamed = ok(shell(_family()), "ps -p 400 -o pid,comm=NAME").splitlines()
    assert renamed == ["  PID NAME", "  400 db"]


def test_ps_u_selects_by_user() -> None:
    out = ok(shell(_family()), "ps -u postgres -o pid,user")
    assert out.splitlines() == ["  PID USER", "  400 postgres"]
    assert fails(shell(_family()), "ps -u nosuch") == "ERROR: User name does not exist."


def test_ps_sort_orders_by_the_keys() -> None:
    pids = [
        line.split()[1] for line in ok(shell(_family()), "ps aux --sort=-rss").splitlines()[1:4]
    ]
    assert pids == ["301", "400", "300"]
    pids = [line.split()[0] for line in ok(shell(_family()), "ps ax k pid").splitlines()[1:3]]
    assert pids == ["1", "2"]
    assert fails(shell(_family()), "ps --sort=bogus") == "ERROR: Unknown sort specifier."


def test_ps_auxf_draws_the_forest_as_procps_does() -> None:
    lines = ok(shell(_family()), "ps axf").splitlines()
    commands = [line[27:] for line in lines[1:]]
    assert commands[commands.index("httpd") + 1 :][:2] == [" \\_ worker", "     \\_ worker"]
    assert "[keventd]" in commands  # init's children at the top, as procps draws them


def test_ps_errors_are_procps_words() -> None:
    sh = shell()
    assert fails(sh, "ps -o bogus") == 'ERROR: Unknown user-defined format specifier "bogus".'
    assert fails(sh, "ps -p") == "ERROR: List of process IDs must follow -p."
    assert fails(sh, "ps --frobnicate") == "ERROR: Unknown gnu long option."


# ---------------------------------------------------------------------- top
def test_top_shows_the_summary_and_the_busiest_task_first() -> None:
    k = machine(user_task("idle"), _spinner("spin"), _spinner("half", 50))
    k.run_for(10 * HZ)
    lines = ok(shell(k), "top -b -n 1").splitlines()
    assert "load average:" in lines[0]
    assert lines[1].startswith(f"{len(k.tasks)} processes: ")
    assert lines[2].startswith("CPU states:")
    assert lines[3].startswith("Mem:") and lines[4].startswith("Swap:")
    assert lines[6].split() == [
        "PID", "USER", "PRI", "NI", "SIZE", "RSS", "SHARE", "STAT", "%CPU", "%MEM", "TIME",
        "COMMAND",
    ]  # fmt: skip
    first, second = lines[7].split(), lines[8].split()
    assert first[-1] == "spin" and second[-1] == "half"
    assert float(first[8]) > float(second[8]) > 0


def test_top_takes_one_frame_only() -> None:
    assert "one frame only" in fails(shell(), "top -n 2")


# ---------------------------------------------------------------------- renice, uname
def test_renice_takes_n_as_util_linux_213_spells_it() -> None:
    k = machine(user_task("sleeper", pid=100))
    assert ok(shell(k), "renice -n 5 -p 100") == "100: old priority 0, new priority 5"
    assert k.tasks[100].nice == 5


def test_uname() -> None:
    sh = shell()
    assert ok(sh, "uname") == "Linux"
    assert (
        ok(sh, "uname -a")
        == "Linux moom 2.4.22-moom #1 Thu Oct 9 03:11:45 CEST 2003 i686 GNU/Linux"
    )
    assert ok(sh, "uname -r") == "2.4.22-moom"
    assert ok(sh, "uname -sm") == "Linux i686"


# ---------------------------------------------------------------------- clear, exit
def test_exit_leaves_su_and_then_the_console() -> None:
    sh = shell()
    left: list[bool] = []
    sh.session.on_exit = lambda: left.append(True)
    ok(sh, "su nobody")
    ok(sh, "su guest")
    assert ok(sh, "exit") == "exit" and ok(sh, "whoami") == "nobody"
    assert ok(sh, "exit") == "exit" and ok(sh, "whoami") == "root"
    assert "left the console" in ok(sh, "exit") and left == [True]


def test_clear_asks_the_screen_to_clear() -> None:
    sh = shell()
    cleared: list[bool] = []
    assert ok(sh, "clear") == ""  # headless: nothing to clear
    sh.session.on_clear = lambda: cleared.append(True)
    ok(sh, "clear")
    assert cleared == [True]
