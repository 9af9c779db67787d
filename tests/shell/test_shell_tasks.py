"""ps, pstree, kill, killall, renice and spawn."""

from __future__ import annotations

from moomtui.kernel import Kernel
from moomtui.kernel import events as ev
from moomtui.kernel.constants import SIGKILL, SIGTERM

from ..fixtures import Recorder, machine
from .helpers import fails, ok, shell, user_task


def sleeper_machine() -> Kernel:
    return machine(
        user_task("sleeper", 512, pid=100),
        user_task("other", 256, pid=200, uid=33),
    )


# ---------------------------------------------------------------------- ps
def test_ps_aux_columns() -> None:
    sh = shell(sleeper_machine())
    lines = ok(sh, "ps aux").splitlines()
    assert lines[0] == ("USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND")
    assert lines[1] == ("root         1  0.0  0.4    512   256 ?        S    00:00   0:00 init")
    kswapd = next(line for line in lines if line.endswith("[kswapd]"))
    assert kswapd.split()[7] == "SW"
    sleeper = next(line for line in lines if " 100 " in line)
    assert sleeper.split()[:6] == ["user", "100", "0.0", "1.6", "2048", "1024"]
    other = next(line for line in lines if " 200 " in line)
    assert other.split()[0] == "www-data"


def test_plain_ps_lists_the_users_processes() -> None:
    sh = shell(sleeper_machine())
    ok(sh, "su user")
    assert ok(sh, "ps").splitlines() == [
        "  PID TTY          TIME CMD",
        "  100 ?        00:00:00 sleeper",
    ]


def test_ps_ef_shows_parents_and_ps_p_selects() -> None:
    sh = shell(sleeper_machine())
    lines = ok(sh, "ps -ef").splitlines()
    assert lines[0] == "UID        PID  PPID  C STIME TTY          TIME CMD"
    assert lines[-1].split()[:3] == ["www-data", "200", "1"]
    assert [line.split()[0] for line in ok(sh, "ps -p 1,100").splitlines()[1:]] == ["1", "100"]


def test_ps_rejects_unknown_options_in_procps_words() -> None:
    assert fails(shell(), "ps auxq") == "ERROR: Unsupported option (BSD syntax)"
    assert fails(shell(), "ps -Z") == "ERROR: Unsupported SysV option."


def test_ps_shows_zombies_as_defunct() -> None:
    from moomtui.userland import Program

    class NoReap(Program):
        name = "noreap"

    k = machine()
    parent = k.spawn(NoReap(), comm="lazy")
    child = k.spawn(NoReap(), comm="kid", parent=parent)
    k.send_sig(child, SIGKILL)
    k.run_for(1)
    line = next(x for x in ok(shell(k), "ps aux").splitlines() if f" {child.pid} " in x)
    assert line.split()[7] == "Z"
    assert line.endswith("[kid] <defunct>")


# ---------------------------------------------------------------------- pstree
def test_pstree_compacts_identical_children_and_shows_threads_in_braces() -> None:
    k = machine(
        user_task("apache", 512, program="prefork", args={"children": 3, "child": "idle"}),
        user_task("mysqld", 1024, threads=3),
    )
    k.run_for(2)  # prefork forks its children on its first step
    assert ok(shell(k), "pstree").splitlines() == [
        "init-+-apache---3*[apache]",
        "     |-bdflush",
        "     |-keventd",
        "     |-ksoftirqd_CPU0",
        "     |-kswapd",
        "     |-kupdated",
        "     `-mysqld---2*[{mysqld}]",
    ]


def test_pstree_p_shows_pids_without_compaction() -> None:
    k = machine(user_task("mysqld", 1024, threads=3, pid=50))
    assert ok(shell(k), "pstree -p 50").splitlines() == [
        "mysqld(50)-+-{mysqld}(7)",
        "           `-{mysqld}(8)",
    ]
    assert fails(shell(k), "pstree 999") == "pstree: 999: No such process"


# ---------------------------------------------------------------------- kill
def test_kill_9_makes_a_sleeping_task_exit_on_the_next_jiffy() -> None:
    k = sleeper_machine()
    sh = shell(k)
    events = Recorder(k)
    assert k.tasks[100].state == "S"
    assert ok(sh, "kill -9 100") == ""
    ok(sh, "step 1")
    exits = events.of(ev.Exit)
    assert [(e.pid, e.comm, e.signal) for e in exits] == [(100, "sleeper", SIGKILL)]
    assert 100 not in k.tasks or k.tasks[100].dead
    ok(sh, "step 1")  # init has reaped it by now
    assert 100 not in k.tasks
    assert fails(sh, "kill -9 100") == "kill: (100) - No such process"


def test_kill_sends_term_by_default_and_takes_names() -> None:
    k = sleeper_machine()
    events = Recorder(k)
    sh = shell(k)
    ok(sh, "kill 100")
    ok(sh, "kill -s KILL 200")
    sigs = [(e.pid, e.sig) for e in events.of(ev.Signal)]
    assert sigs == [(100, SIGTERM), (200, SIGKILL)]


def test_kill_as_a_user_only_reaches_own_tasks() -> None:
    k = sleeper_machine()
    sh = shell(k)
    events = Recorder(k)
    ok(sh, "su user")
    assert fails(sh, "kill 1") == "kill: (1) - Operation not permitted"
    assert fails(sh, "kill -9 200 100") == "kill: (200) - Operation not permitted"
    assert [e.pid for e in events.of(ev.Signal)] == [100]


def test_a_signal_from_the_console_names_its_user_as_the_sender() -> None:
    """``info.si_uid = current->uid`` (kernel/signal.c kill_proc_info): the console has no
    task, so the Signal event's sender is the uid of the user who typed ``kill``."""
    k = sleeper_machine()
    sh = shell(k)
    events = Recorder(k)
    ok(sh, "kill -s USR1 200")
    ok(sh, "su user")
    ok(sh, "kill 100")
    ok(sh, "killall -s USR1 sleeper")
    assert [(e.pid, e.sender) for e in events.of(ev.Signal)] == [(200, 0), (100, 1000), (100, 1000)]


def test_kill_errors_like_the_tools() -> None:
    sh = shell(sleeper_machine())
    assert fails(sh, "kill -FOO 100") == "kill: FOO: invalid signal specification"
    assert fails(sh, "kill abc") == "kill: abc: arguments must be process or job IDs"
    assert fails(sh, "kill", 2).startswith("kill: usage: kill [-s sigspec")


def test_kill_l_lists_the_2_4_i386_signal_table_as_bash_does() -> None:
    """include/asm-i386/signal.h: ``#define SIGHUP 1`` … ``#define SIGSYS 31``,
    ``#define SIGRTMIN 32``, ``#define SIGRTMAX (_NSIG-1)`` with ``_NSIG 64``; bash prints
    them four to a line, ``%2d) %s`` separated by tabs."""
    table = ok(shell(), "kill -l").splitlines()
    assert table[0] == " 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL"
    assert table[3] == "13) SIGPIPE\t14) SIGALRM\t15) SIGTERM\t16) SIGSTKFLT"
    assert table[7] == "29) SIGIO\t30) SIGPWR\t31) SIGSYS\t32) SIGRTMIN"
    assert table[11] == "45) SIGRTMIN+13\t46) SIGRTMIN+14\t47) SIGRTMIN+15\t48) SIGRTMAX-15"
    assert table[-1] == "61) SIGRTMAX-2\t62) SIGRTMAX-1\t63) SIGRTMAX"
    assert sum(len(line.split("\t")) for line in table) == 63


def test_kill_l_translates_names_numbers_and_exit_statuses() -> None:
    sh = shell()
    assert ok(sh, "kill -l 9 TERM") == "KILL\n15"
    assert ok(sh, "kill -l 137 RTMIN+2 IOT") == "KILL\n34\n6"
    assert fails(sh, "kill -l 64") == "kill: 64: invalid signal specification"


def test_killall_l_lists_psmiscs_names() -> None:
    out = ok(shell(), "killall -l")
    assert out.split() == [*out.split()[:31], "UNUSED"]
    assert out.split()[:4] == ["HUP", "INT", "QUIT", "ILL"]
    assert all(len(line) < 80 for line in out.splitlines())


def test_every_signal_is_sent_with_its_2_4_default_action() -> None:
    """``case SIGCONT: case SIGCHLD: case SIGWINCH: case SIGURG: continue;`` — the rest
    terminate (the stop signals are accepted and ignored: no job control)."""
    for sig, dies in ((1, True), (10, True), (40, True), (28, False), (23, False), (20, False)):
        k = sleeper_machine()
        events = Recorder(k)
        ok(shell(k), f"kill -{sig} 100")
        k.run_for(2)
        assert (100 not in k.tasks) is dies, sig
        assert [e.ignored for e in events.of(ev.Signal)] == [not dies]


def test_kill_0_checks_without_signalling() -> None:
    k = sleeper_machine()
    events = Recorder(k)
    assert ok(shell(k), "kill -0 100") == ""
    assert events.of(ev.Signal) == []


def test_killall_signals_every_task_of_that_name() -> None:
    k = machine(user_task("worker", pid=10), user_task("worker", pid=11), user_task("x"))
    events = Recorder(k)
    sh = shell(k)
    assert ok(sh, "killall -v -9 worker").splitlines() == [
        "Killed worker(10) with signal 9",
        "Killed worker(11) with signal 9",
    ]
    assert sorted(e.pid for e in events.of(ev.Signal)) == [10, 11]
    assert fails(sh, "killall nothing") == "nothing: no process killed"


def test_killall_as_a_user_reports_the_tasks_it_may_not_signal() -> None:
    k = machine(user_task("worker", pid=10), user_task("worker", pid=11, uid=33))
    sh = shell(k)
    ok(sh, "su user")
    assert fails(sh, "killall worker") == "worker(11): Operation not permitted"


# ---------------------------------------------------------------------- renice
def test_renice_prints_old_and_new_priority() -> None:
    k = sleeper_machine()
    sh = shell(k)
    assert ok(sh, "renice 5 100") == "100: old priority 0, new priority 5"
    assert k.tasks[100].nice == 5
    assert ok(sh, "renice -30 100") == "100: old priority 5, new priority -20"
    assert fails(sh, "renice 5 999") == "renice: 999: getpriority: No such process"


def test_renice_as_a_user_only_raises_own_tasks() -> None:
    k = sleeper_machine()
    sh = shell(k)
    ok(sh, "su user")
    assert ok(sh, "renice 10 100") == "100: old priority 0, new priority 10"
    assert fails(sh, "renice 5 100") == "renice: 100: setpriority: Permission denied"
    assert fails(sh, "renice 15 200") == "renice: 200: setpriority: Operation not permitted"
    assert k.tasks[100].nice == 10
    assert k.tasks[200].nice == 0


def test_renice_u_changes_every_task_of_the_user() -> None:
    k = machine(user_task("a", pid=10), user_task("b", pid=11), user_task("c", uid=33))
    out = ok(shell(k), "renice 4 -u user")
    assert out.splitlines() == [
        "10: old priority 0, new priority 4",
        "11: old priority 0, new priority 4",
    ]


# ---------------------------------------------------------------------- spawn
def test_spawn_hog_creates_a_task_running_hog() -> None:
    k = machine()
    events = Recorder(k)
    sh = shell(k)
    out = ok(sh, "spawn hog rate=1M/s")
    pid = int(out.split()[2])
    assert out == f"started pid {pid} (hog)"
    task = k.tasks[pid]
    assert task.program is not None and task.program.name == "hog"
    assert task.program.args["rate"] == 256  # pages per second
    assert task.p_pptr is k.init_task and task.uid == 0
    assert [(e.pid, e.program) for e in events.of(ev.Exec)] == [(pid, "hog")]
    ok(sh, "step 2s")
    assert task.mm is not None and task.mm.rss > 0


def test_spawn_options_set_comm_parent_nice_and_user() -> None:
    k = sleeper_machine()
    sh = shell(k)
    out = ok(sh, "spawn leak rate=64K/s --comm leaky --ppid 100 --nice 5 --user user")
    task = k.tasks[int(out.split()[2])]
    assert (task.comm, task.ppid, task.nice, task.uid) == ("leaky", 100, 5, 1000)
    line = next(x for x in ok(sh, "ps aux").splitlines() if f" {task.pid} " in x)
    assert line.endswith("leaky rate=64K/s")


def test_spawn_parameter_errors_name_the_key() -> None:
    sh = shell()
    assert fails(sh, "spawn hog rate=1M") == (
        'spawn: rate: expected a rate like "256K/s" or "10 pages/s", got \'1M\''
    )
    assert fails(sh, "spawn hog limit=-5").startswith("spawn: limit: expected a size like")
    assert fails(sh, "spawn hog colour=red").startswith(
        "spawn: colour: unknown argument of hog (known: "
    )
    assert fails(sh, "spawn hog rate").startswith("spawn: rate: expected key=value")
    assert fails(sh, "spawn nosuch").startswith("spawn: nosuch: no such program (known: ")
    assert fails(sh, "spawn hog --nice 25") == "spawn: --nice 25: expected a value from -20 to 19"
    assert fails(sh, "spawn hog --user nosuch") == "spawn: --user: no such user 'nosuch'"
    assert fails(sh, "spawn hog --ppid 999") == "spawn: --ppid 999: No such process"


def test_spawn_reads_values_as_toml_literals() -> None:
    k = machine()
    sh = shell(k)
    pid = int(ok(sh, "spawn prefork children=2 child=idle").split()[2])
    assert k.tasks[pid].program.args["children"] == 2
    assert fails(sh, "spawn prefork children=two") == (
        "spawn: children: expected an integer from 1 to 1000, got 'two'"
    )


def test_spawn_as_a_user() -> None:
    k = sleeper_machine()
    sh = shell(k)
    ok(sh, "su user")
    pid = int(ok(sh, "spawn idle").split()[2])
    assert k.tasks[pid].uid == 1000 and k.tasks[pid].cap_effective == 0
    assert fails(sh, "spawn idle --user root") == "spawn: --user root: Operation not permitted"
    assert fails(sh, "spawn idle --nice -5") == "spawn: --nice -5: Permission denied"
    assert fails(sh, "spawn idle --ppid 200") == "spawn: --ppid 200: Operation not permitted"


def test_kill_minus_one_reaches_every_task_the_user_may_signal() -> None:
    k = sleeper_machine()
    events = Recorder(k)
    sh = shell(k)
    ok(sh, "su user")
    ok(sh, "kill -9 -1")
    assert [e.pid for e in events.of(ev.Signal)] == [100]
    ok(sh, "su")
    ok(sh, "kill -- -1")
    signalled = {e.pid for e in events.of(ev.Signal)[1:]}
    assert signalled == set(k.tasks) - {1}  # init is spared, kernel threads ignore it
