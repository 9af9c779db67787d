"""insmod, rmmod, lsmod, modinfo, modprobe and sysctl, answered like modutils and procps."""

from __future__ import annotations

from moomtui.kernel import events as ev
from moomtui.kernel.module import MODULE_DIR
from moomtui.shell import Shell

from ..fixtures import Recorder, machine
from .helpers import REGISTRY, fails, ok, shell


def knob_shell() -> Shell:
    """A shell on a machine whose registry holds the test modules."""
    return shell(machine(registry=REGISTRY))


# ---------------------------------------------------------------------- insmod / rmmod
def test_insmod_loads_silently_and_lsmod_lists_it() -> None:
    sh = knob_shell()
    assert ok(sh, "insmod oom_knob oom_parent_max=5") == ""
    assert sh.kernel.modules.get("oom_knob").oom_parent_max == 5
    assert ok(sh, "lsmod").splitlines() == [
        "Module                  Size  Used by    Not tainted",
        "oom_knob                3456   0  (unused)",
        "OOM chain: out_of_memory() → (empty: no OOM handler)",
    ]


def test_insmod_takes_an_object_file_path() -> None:
    sh = knob_shell()
    ok(sh, f"insmod {MODULE_DIR}/oom_knob.o")
    assert sh.kernel.modules.state("oom_knob") == "loaded"


def test_insmod_reads_a_quoted_value_as_modutils_strtoul_does() -> None:
    """``insmod oom_knob "oom_parent_max= 0x10 "``: one argument, blanks and all, read by
    ``strtoul(input, &input, 0)``; a bare word and an empty value store nothing."""
    sh = knob_shell()
    ok(sh, 'insmod oom_knob "oom_parent_max= 0x10 " oom_parent_expire= verbose')
    module = sh.kernel.modules.get("oom_knob")
    assert (module.oom_parent_max, module.oom_parent_expire) == (16, 300)


def test_insmod_errors_are_the_loaders_one_line_messages() -> None:
    sh = knob_shell()
    assert fails(sh, "insmod oom_nope") == "insmod: oom_nope: no module by that name found"
    assert fails(sh, "insmod oom_knob foo=1") == "insmod: oom_knob: unknown parameter foo"
    assert fails(sh, "insmod oom_knob oom_parent_max=x") == (
        "insmod: oom_knob: invalid argument syntax for oom_parent_max: 'x'"
    )
    assert fails(sh, "insmod oom_knob oom_parent_max=1,2") == (
        "insmod: oom_knob: too many values for oom_parent_max (max 1)"
    )
    ok(sh, "insmod oom_knob")
    assert fails(sh, "insmod oom_knob") == "insmod: a module named oom_knob already exists"


def test_insmod_without_a_name_prints_modutils_usage() -> None:
    out = fails(knob_shell(), "insmod")
    assert out == "Usage: insmod [-fkmpqsvxXyY] [-o module_name] module [symbol=value ...]"


def test_modprobe_of_a_loaded_module_succeeds_silently() -> None:
    """modutils' modprobe: a module already in the kernel is not an error (insmod's is)."""
    sh = knob_shell()
    ok(sh, "insmod oom_knob")
    assert ok(sh, "modprobe oom_knob") == ""
    assert fails(sh, "insmod oom_knob").startswith("insmod: ")


def test_rmmod_unloads_and_complains_about_a_module_not_loaded() -> None:
    sh = knob_shell()
    ok(sh, "insmod oom_knob")
    assert ok(sh, "rmmod oom_knob") == ""
    assert sh.kernel.modules.state("oom_knob") == "available"
    assert fails(sh, "rmmod oom_knob") == "rmmod: module oom_knob is not loaded"


def test_lsmod_lists_newest_first() -> None:
    sh = knob_shell()
    ok(sh, "insmod oom_knob")
    ok(sh, "insmod oom_other")
    names = [line.split()[0] for line in ok(sh, "lsmod").splitlines()[1:-1]]
    assert names == ["oom_other", "oom_knob"]


def test_module_commands_need_root() -> None:
    sh = knob_shell()
    ok(sh, "su user")
    assert fails(sh, "insmod oom_knob") == "insmod: Operation not permitted"
    ok(sh, "su")
    ok(sh, "insmod oom_knob")
    ok(sh, "su user")
    assert fails(sh, "rmmod oom_knob") == "rmmod: Operation not permitted"
    assert sh.kernel.modules.state("oom_knob") == "loaded"


def test_modinfo_prints_the_module_fields() -> None:
    out = ok(knob_shell(), "modinfo oom_knob")
    assert out.splitlines() == [
        f"filename:    {MODULE_DIR}/oom_knob.o",
        'description: "A test module with two tunables."',
        'author:      "Test Author"',
        'license:     "GPL"',
        'parm:        oom_parent_max int, description "kills before the parent dies"',
        'parm:        oom_parent_expire int, description "seconds a record lives"',
    ]
    assert fails(knob_shell(), "modinfo oom_nope") == (
        "modinfo: oom_nope: no module by that name found"
    )


def test_modprobe_loads_removes_and_lists() -> None:
    sh = knob_shell()
    ok(sh, "modprobe oom_knob oom_parent_expire=60")
    assert sh.kernel.modules.get("oom_knob").oom_parent_expire == 60
    assert ok(sh, "modprobe -l").splitlines() == [
        f"{MODULE_DIR}/oom_knob.o",
        f"{MODULE_DIR}/oom_other.o",
    ]
    ok(sh, "modprobe -r oom_knob")
    assert sh.kernel.modules.state("oom_knob") == "available"
    assert fails(sh, "modprobe -r oom_knob") == "modprobe: module oom_knob is not loaded"
    assert fails(sh, "modprobe oom_nope") == "modprobe: oom_nope: no module by that name found"


def test_the_real_policies_load_through_the_shell() -> None:
    from moomtui.modules import REGISTRY as POLICIES  # the policy modules must exist

    assert "oom_kill_parent" in POLICIES, "moomtui.modules has no oom_kill_parent"
    kconfig = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "y", "CONFIG_OOM_KPPID": "m"}
    k = machine(registry=POLICIES, kconfig=kconfig)
    sh = shell(k)
    ok(sh, "insmod oom_kill_parent oom_parent_max=5")
    assert ok(sh, "sysctl vm.oom.oom_parent_max") == "vm.oom.oom_parent_max = 5"
    assert fails(sh, "rmmod oom_kill").splitlines()[0] == "rmmod: module oom_kill is not loaded"
    assert fails(sh, "modprobe -r oom_kill").splitlines()[0] == (
        "modprobe: module oom_kill is not loaded"
    )


# ---------------------------------------------------------------------- sysctl
def test_sysctl_reads_like_procps() -> None:
    sh = shell()
    assert ok(sh, "sysctl kernel.panic") == "kernel.panic = 0"
    assert ok(sh, "sysctl kernel/panic") == "kernel.panic = 0"
    assert ok(sh, "sysctl -n kernel.printk") == "7\t4\t1\t7"
    assert ok(sh, "sysctl -a").splitlines() == [
        "kernel.panic = 0",
        "kernel.printk = 7\t4\t1\t7",
        "vm.overcommit_memory = 0",
    ]
    assert ok(sh, "sysctl kernel").splitlines() == [
        "kernel.panic = 0",
        "kernel.printk = 7\t4\t1\t7",
    ]


def test_sysctl_w_writes_and_echoes_the_setting() -> None:
    sh = shell()
    assert ok(sh, "sysctl -w kernel.panic=10") == "kernel.panic = 10"
    assert sh.kernel.panic_timeout.value == 10
    assert ok(sh, "sysctl vm.overcommit_memory=1") == "vm.overcommit_memory = 1"
    assert sh.kernel.overcommit_memory.value == 1


def test_sysctl_unknown_key() -> None:
    sh = shell()
    assert fails(sh, "sysctl vm.foo", 255) == 'error: "vm.foo" is an unknown key'
    assert fails(sh, "sysctl -w vm.foo=1", 255) == 'error: "vm.foo" is an unknown key'
    assert ok(sh, "sysctl -e vm.foo kernel.panic") == "kernel.panic = 0"


def test_sysctl_w_needs_name_equals_value() -> None:
    out = fails(shell(), "sysctl -w kernel.panic", 255)
    assert out == 'error: "kernel.panic" must be of the form name=value'


def test_sysctl_bad_number_is_invalid_argument() -> None:
    out = fails(shell(), "sysctl -w kernel.panic=abc", 255)
    assert out == 'error: "Invalid argument" setting key "kernel.panic"'


def test_sysctl_write_as_non_root_is_permission_denied() -> None:
    """procps' WriteSetting: ``fp = fopen(tmpname, "w"); if (!fp) { switch(errno) { ...
    case EACCES: fprintf(stderr, ERR_PERMISSION_DENIED, outname);`` with
    ``ERR_PERMISSION_DENIED[] = "error: permission denied on key '%s'\\n"``: the open fails
    (``proc_sys_permission``), before any write."""
    sh = knob_shell()
    ok(sh, "insmod oom_knob")
    ok(sh, "su nobody")
    assert ok(sh, "sysctl vm.oom.oom_parent_max") == "vm.oom.oom_parent_max = 10"
    out = fails(sh, "sysctl -w vm.oom.oom_parent_max=1", 255)
    assert out == "error: permission denied on key 'vm.oom.oom_parent_max'"
    assert sh.kernel.modules.get("oom_knob").max_cell.value == 10


def test_echo_into_proc_sys_then_sysctl_reads_it() -> None:
    sh = shell()
    assert ok(sh, "echo 5 > /proc/sys/kernel/panic") == ""
    assert ok(sh, "sysctl kernel.panic") == "kernel.panic = 5"
    assert ok(sh, "cat /proc/sys/kernel/panic") == "5"


def test_sysctl_writes_are_events() -> None:
    sh = shell()
    events = Recorder(sh.kernel)
    ok(sh, "sysctl -w kernel.printk='3 4 1 7'")
    ok(sh, "echo 2 > /proc/sys/kernel/panic")
    writes = [(e.key, e.value) for e in events.of(ev.SysctlWrite)]
    assert writes == [("kernel.printk", "3\t4\t1\t7"), ("kernel.panic", "2")]
    assert sh.kernel.log.console_loglevel == 3


def test_unloading_removes_the_modules_sysctl_keys() -> None:
    sh = knob_shell()
    ok(sh, "insmod oom_knob")
    ok(sh, "sysctl -w vm.oom.oom_parent_expire=60")
    ok(sh, "rmmod oom_knob")
    assert fails(sh, "sysctl vm.oom.oom_parent_expire", 255) == (
        'error: "vm.oom.oom_parent_expire" is an unknown key'
    )
