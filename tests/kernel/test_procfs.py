"""/proc as 2.4.22's fs/proc prints it, read from the live machine."""

from __future__ import annotations

import re

import pytest

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.bootspec import boot_kernel_pages
from moomtui.kernel.constants import PF_MEMALLOC, PF_MEMDIE, SIGKILL
from moomtui.kernel.errno import EACCES, EINVAL, EIO, EISDIR, ENOENT, ENOTDIR, EROFS
from moomtui.kernel.proc_misc import meminfo
from moomtui.kernel.procfs import ProcError, list_proc, read_proc, write_proc
from moomtui.machine import boot
from moomtui.userland import PROGRAMS, Program

from ..fixtures import NO_OOM, machine


def db() -> TaskSpec:
    return TaskSpec(
        "postgres",
        pid=300,
        uid=26,
        total_vm=2048,
        rss=1024,
        nice=5,
        utime=4096,
        stime=1024,
        start_time=0,
        caps=0,
    )


class NoReap(Program):
    """A parent that never wait()s: its dead children stay zombies."""

    name = "noreap"

    def on_child_exit(self, k: Kernel, task: object, child: object) -> None:
        return None


# ---------------------------------------------------------------------- meminfo
def test_meminfo_numbers_add_up() -> None:
    k = machine(db(), swap_pages=4096, page_cache=1000)
    k.run_for(100)
    text = read_proc(k, "/proc/meminfo")
    lines = text.splitlines()
    assert lines[0] == "        total:    used:    free:  shared: buffers:  cached:"
    mem = [int(x) for x in lines[1].split()[1:]]
    swap = [int(x) for x in lines[2].split()[1:]]
    tagged = {line.split(":")[0]: int(line.split()[1]) for line in lines[3:]}
    assert list(tagged) == [
        "MemTotal",
        "MemFree",
        "MemShared",
        "Buffers",
        "Cached",
        "SwapCached",
        "Active",
        "Inactive",
        "HighTotal",
        "HighFree",
        "LowTotal",
        "LowFree",
        "SwapTotal",
        "SwapFree",
    ]
    assert all(line.endswith(" kB") for line in lines[3:])
    vm = k.vm
    # The byte table and the kB lines say the same.
    assert mem == [
        tagged["MemTotal"] * 1024,
        (tagged["MemTotal"] - tagged["MemFree"]) * 1024,
        tagged["MemFree"] * 1024,
        0,
        0,
        tagged["Cached"] * 1024,
    ]
    assert swap == [4096 * 4096, 0, 4096 * 4096]
    # MemTotal is RAM less the boot reservation; what is not free is anon + cache + tasks.
    reserved = boot_kernel_pages(vm.totalram)
    assert tagged["MemTotal"] == (vm.totalram - reserved) * 4
    assert tagged["MemTotal"] - tagged["MemFree"] == 4 * (
        vm.anon + vm.cache + vm.kernel_pages - reserved
    )
    assert tagged["Active"] + tagged["Inactive"] == 4 * (vm.anon + vm.cache)
    assert tagged["Cached"] == 4000
    assert tagged["LowFree"] == tagged["MemFree"] == vm.free * 4
    assert tagged["SwapFree"] == tagged["SwapTotal"] == 16384
    assert meminfo(k) == tagged


def test_meminfo_follows_swap_use() -> None:
    k = machine(TaskSpec("cold", total_vm=4000, rss=4000), swap_pages=8192, ram_pages=8192)
    k.spawn(PROGRAMS["hog"]({"rate": "4M/s"}), comm="hog")
    k.run_for(600)
    m = meminfo(k)
    assert k.vm.swap_used > 0
    assert m["SwapTotal"] - m["SwapFree"] == k.vm.swap_used * 4


# ---------------------------------------------------------------------- small files
def test_loadavg_uptime_version() -> None:
    k = machine(TaskSpec("spin", program="hog", args={"rate": 0, "busy": 100}))
    k.run_for(60 * 100)
    one, five, fifteen, runq, last = read_proc(k, "/proc/loadavg").split()
    assert float(one) > float(five) > float(fifteen) > 0
    assert runq == f"1/{len(k.tasks)}" and last == str(k.last_pid)
    up, idle = read_proc(k, "/proc/uptime").split()
    assert up == "60.00"
    assert 0 <= float(idle) < 60
    assert read_proc(k, "/proc/version").startswith("Linux version 2.4.22")


def test_loadavg_format_is_the_kernels_fixed_point() -> None:
    k = machine()
    k.avenrun = [2048, 1024 + 512, 20]  # 1.00, 0.75, ~0.0098 (rounded up by FIXED_1/200)
    assert read_proc(k, "/proc/loadavg").split()[:3] == ["1.00", "0.75", "0.01"]


def test_modules_lists_loaded_modules_newest_first_without_builtins() -> None:
    from moomtui.kernel.module import KernelModule

    class A(KernelModule):
        name, description, author, size = "mod_a", "a", "me", 1000

    class B(KernelModule):
        name, description, author, size = "mod_b", "b", "me", 2345

    k = boot(BootSpec(kconfig=NO_OOM), registry={"mod_a": A, "mod_b": B})
    assert read_proc(k, "/proc/modules") == ""
    k.modules.insmod("mod_a")
    k.modules.insmod("mod_b")
    assert read_proc(k, "/proc/modules") == (
        "mod_b                   2345   0  (unused)\nmod_a                   1000   0  (unused)\n"
    )


def test_swaps() -> None:
    header = "Filename\t\t\tType\t\tSize\tUsed\tPriority\n"
    assert read_proc(machine(), "/proc/swaps") == header
    k = machine(swap_pages=256)
    assert read_proc(k, "/proc/swaps") == header + f"{'/dev/hda2':<39} partition\t1024\t0\t-1\n"


# ---------------------------------------------------------------------- /proc/PID
def test_status_of_a_known_task() -> None:
    k = machine(db())
    status = dict(line.split(":\t", 1) for line in read_proc(k, "/proc/300/status").splitlines())
    assert status["Name"] == "postgres"
    assert status["State"] == "S (sleeping)"
    assert status["Pid"] == status["Tgid"] == "300"
    assert status["PPid"] == "1"
    assert status["Uid"] == "26\t26\t26\t26"
    assert status["VmSize"] == "    8192 kB"
    assert status["VmRSS"] == "    4096 kB"
    assert status["SigPnd"] == "0000000000000000"
    assert status["CapEff"] == "0000000000000000"
    assert status["OomFlags"] == "-"


STATUS_2_4 = r"""
Linux 2.4.22, fs/proc/array.c:

    static inline char * task_state(struct task_struct *p, char *buffer)
    ...
        buffer += sprintf(buffer,
            "State:\t%s\n"
            "Tgid:\t%d\n"
            "Pid:\t%d\n"
            "PPid:\t%d\n"
            "TracerPid:\t%d\n"
            "Uid:\t%d\t%d\t%d\t%d\n"
            "Gid:\t%d\t%d\t%d\t%d\n",
        ...
        buffer += sprintf(buffer,
            "FDSize:\t%d\n"
            "Groups:\t",
            p->files ? p->files->max_fds : 0);
    ...
    static inline char * task_mem(struct mm_struct *mm, char *buffer)
    ...
        buffer += sprintf(buffer,
            "VmSize:\t%8lu kB\n"
            "VmLck:\t%8lu kB\n"
            "VmRSS:\t%8lu kB\n"
            "VmData:\t%8lu kB\n"
            "VmStk:\t%8lu kB\n"
            "VmExe:\t%8lu kB\n"
            "VmLib:\t%8lu kB\n",
    ...
    static inline char * task_sig(struct task_struct *p, char *buffer)
        buffer += sprintf(buffer, "SigPnd:\t"); ... "SigBlk:\t" ... "SigIgn:\t" ... "SigCgt:\t"
    static inline char *task_cap(struct task_struct *p, char *buffer)
        return buffer + sprintf(buffer, "CapInh:\t%016x\n"
                    "CapPrm:\t%016x\n"
                    "CapEff:\t%016x\n",
    ...
    int proc_pid_status(struct task_struct *task, char * buffer)
        buffer = task_name(task, buffer);
        buffer = task_state(task, buffer);
        ...
        if (mm) {
            buffer = task_mem(mm, buffer);
        ...
        buffer = task_sig(task, buffer);
        buffer = task_cap(task, buffer);
"""
STATUS_FIELDS = re.findall(r'"(\w+):\\t', STATUS_2_4)


def test_status_has_the_lines_of_2_4_and_no_others() -> None:
    """Issue 24, item 9: ``Threads:`` (2.6) and ``VmSwap:`` (2.6.34) are not a 2.4 status
    file's; its lines are ``proc_pid_status``'s, in its order (quoted above), with
    ``Name:`` first (``task_name``) and the simulator's own ``OomFlags:`` last."""
    assert STATUS_FIELDS[:2] == ["State", "Tgid"] and STATUS_FIELDS[-1] == "CapEff"
    k = machine(db())
    user = [line.split(":\t", 1)[0] for line in read_proc(k, "/proc/300/status").splitlines()]
    assert user == ["Name", *STATUS_FIELDS, "OomFlags"]
    no_mm = [f for f in STATUS_FIELDS if not f.startswith("Vm")]
    kthread = [line.split(":\t", 1)[0] for line in read_proc(k, "/proc/4/status").splitlines()]
    assert kthread == ["Name", *no_mm, "OomFlags"]
    status = read_proc(k, "/proc/300/status")
    assert "Threads" not in status and "VmSwap" not in status
    assert "FDSize:\t32\nGroups:\t\nVmSize:" in status


def test_status_shows_pending_signals_and_the_oom_flags() -> None:
    k = machine(db())
    task = k.tasks[300]
    task.flags |= PF_MEMALLOC | PF_MEMDIE
    task.sigpending.add(SIGKILL)
    status = read_proc(k, "/proc/300/status")
    assert "SigPnd:\t0000000000000100\n" in status
    assert "OomFlags:\tPF_MEMALLOC PF_MEMDIE\n" in status


def test_kernel_threads_have_no_memory_lines_and_block_every_signal() -> None:
    status = read_proc(machine(), "/proc/4/status")
    assert "Name:\tkswapd\n" in status and "VmSize" not in status
    assert "SigBlk:\tffffffffffffffff\n" in status
    assert "CapEff:\t000000001fffffff\n" in status


def test_stat_of_a_known_task_in_2_4_field_order() -> None:
    k = machine(db())
    fields = read_proc(k, "/proc/300/stat").split()
    assert len(fields) == 39
    assert fields[:4] == ["300", "(postgres)", "S", "1"]
    task = k.tasks[300]
    assert fields[13:15] == [str(task.utime), str(task.stime)]
    assert fields[17:19] == ["20", "5"]  # priority from counter 0, nice
    assert fields[21] == "0"  # start_time
    assert fields[22:24] == [str(2048 * 4096), "1024"]  # vsize in bytes, rss in pages
    assert fields[37] == "17"  # exit_signal: SIGCHLD


def test_cmdline_and_kernel_threads() -> None:
    k = machine(db())
    assert read_proc(k, "/proc/300/cmdline") == "postgres\0"
    assert read_proc(k, "/proc/2/cmdline") == ""


def test_oom_score_equals_classic_badness() -> None:
    from moomtui.modules.classic import badness  # the classic policy must exist by now

    k = machine(db(), TaskSpec("young", total_vm=1000, rss=100))
    k.run_for(500)
    for pid, task in k.tasks.items():
        assert read_proc(k, f"/proc/{pid}/oom_score") == f"{badness(task, k.jiffies)}\n"
    assert read_proc(k, "/proc/4/oom_score") == "0\n"  # kswapd: no mm


def test_zombies_stay_in_proc_until_reaped() -> None:
    k = machine()
    parent = k.spawn(NoReap(), comm="lazy")
    child = k.spawn(PROGRAMS["idle"]({"rss": "64K"}), comm="kid", parent=parent)
    assert parent is not None and child is not None
    pid = child.pid
    k.send_sig(child, SIGKILL)
    k.run_for(5)
    assert str(pid) in list_proc(k, "/proc")
    assert read_proc(k, f"/proc/{pid}/status").splitlines()[:2] == [
        "Name:\tkid",
        "State:\tZ (zombie)",
    ]
    assert "VmSize" not in read_proc(k, f"/proc/{pid}/status")
    assert read_proc(k, f"/proc/{pid}/stat").split()[2] == "Z"
    assert read_proc(k, f"/proc/{pid}/cmdline") == ""
    k.reap_later(child)
    k.run_for(1)
    assert str(pid) not in list_proc(k, "/proc")
    with pytest.raises(ProcError) as err:
        read_proc(k, f"/proc/{pid}/status")
    assert err.value.errno == ENOENT


# ---------------------------------------------------------------------- errors, directories
def test_missing_pid_is_enoent_with_path_and_strerror() -> None:
    with pytest.raises(ProcError) as err:
        read_proc(machine(), "/proc/999/status")
    assert (err.value.errno, err.value.path) == (ENOENT, "/proc/999/status")
    assert err.value.strerror == "No such file or directory"
    assert str(err.value) == "/proc/999/status: No such file or directory"


@pytest.mark.parametrize(
    ("path", "errno"),
    [
        ("/proc", EISDIR),
        ("/proc/1", EISDIR),
        ("/proc/sys/vm", EISDIR),
        ("/proc/1/nope", ENOENT),
        ("/proc/meminfo/x", ENOENT),
        ("/proc/sys/vm/nope", ENOENT),
        ("/etc/passwd", ENOENT),
        ("/proc/x1", ENOENT),
    ],
)
def test_read_errors(path: str, errno: int) -> None:
    with pytest.raises(ProcError) as err:
        read_proc(machine(), path)
    assert err.value.errno == errno


def test_directories_are_listable() -> None:
    k = machine(db())
    names = list_proc(k, "/proc")
    assert names[:7] == ["1", "2", "3", "4", "5", "6", "300"]
    assert names[7:] == ["loadavg", "meminfo", "modules", "swaps", "sys", "uptime", "version"]
    assert list_proc(k, "/proc/300/") == ["cmdline", "oom_score", "oom_score_adj", "stat", "status"]
    assert list_proc(k, "/proc/sys") == ["kernel", "vm"]
    assert list_proc(k, "/proc//sys/./kernel") == ["panic", "printk"]
    with pytest.raises(ProcError) as err:
        list_proc(k, "/proc/meminfo")
    assert err.value.errno == ENOTDIR


def test_sys_files_read_and_write_through_sysctl() -> None:
    k = machine()
    events: list[ev.Event] = []
    k.bus.subscribe(events.append)
    assert read_proc(k, "/proc/sys/kernel/printk") == "7\t4\t1\t7\n"
    write_proc(k, "/proc/sys/kernel/panic", "10\n")
    assert k.panic_timeout.value == 10
    assert [(e.key, e.value) for e in events if isinstance(e, ev.SysctlWrite)] == [
        ("kernel.panic", "10")
    ]


@pytest.mark.parametrize(
    ("path", "text", "uid", "errno"),
    [
        ("/proc/sys/kernel/panic", "x\n", 0, EINVAL),
        ("/proc/sys/kernel/panic", "1\n", 1000, EACCES),
        ("/proc/sys/kernel", "1\n", 0, EISDIR),
        ("/proc/sys/kernel/nope", "1\n", 0, ENOENT),
        ("/proc/meminfo", "1\n", 0, EIO),
        ("/tmp/x", "1\n", 0, EROFS),
    ],
)
def test_write_errors(path: str, text: str, uid: int, errno: int) -> None:
    k = machine()
    k.current_uid = uid
    with pytest.raises(ProcError) as err:
        write_proc(k, path, text)
    assert err.value.errno == errno
    assert k.panic_timeout.value == 0
