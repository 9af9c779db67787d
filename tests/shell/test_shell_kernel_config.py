"""``kconfig`` (the OOM Kconfig for the next boot), lsmod's chain line, policy files."""

from __future__ import annotations

from moomtui.kernel import BootSpec
from moomtui.machine import boot
from moomtui.shell import Session, Shell


def shell(**config: str) -> Shell:
    return Shell(Session(boot(BootSpec(kconfig=config))))


def test_lsmod_ends_with_the_notifier_chain_in_call_order() -> None:
    sh = shell(CONFIG_OOM_KILL="y", CONFIG_OOM_KPPID="m", CONFIG_OOM_PANIC="m")
    sh.execute("insmod oom_panic")
    sh.execute("insmod oom_kill_parent")
    out = sh.execute("lsmod").output.splitlines()
    assert out[0].startswith("Module")
    assert [line.split()[0] for line in out[1:3]] == ["oom_kill_parent", "oom_panic"]
    assert out[-1] == "OOM chain: out_of_memory() → oom_kill → oom_panic → oom_kill_parent"


def test_lsmod_says_when_the_chain_is_empty() -> None:
    sh = shell(CONFIG_OOM_KILL="n")
    assert sh.execute("lsmod").output.splitlines()[-1].endswith("(empty: no OOM handler)")


def test_kconfig_changes_apply_at_the_next_reboot_with_the_config_in_rules() -> None:
    """mm/Config.in: ``if [ "$CONFIG_OOM_PANIC" = "y" ]; then ... define_bool
    CONFIG_OOM_KILL = m`` — asking for two ``y`` keeps the first in menu order."""
    sh = shell(CONFIG_OOM_KILL="y")
    out = sh.execute("kconfig CONFIG_OOM_PANIC=y").output
    assert "CONFIG_OOM_PANIC=n   # Panic   (after reboot: y)" in out
    assert "CONFIG_OOM_KILL=y   # Classic   (after reboot: m)" in out
    assert [nb.name for nb in sh.kernel.oom.chain] == ["oom_kill"]
    sh.execute("reboot")
    assert [nb.name for nb in sh.kernel.oom.chain] == ["oom_panic"]
    assert sh.kernel.modules.state("oom_kill") == "available"


def test_a_second_y_that_the_config_in_demotes_is_said_not_dropped_silently() -> None:
    """``tristate 'Classic' CONFIG_OOM_KILL`` / ``if [ "$CONFIG_OOM_KILL" = "y" ]; then``
    ``... define_bool CONFIG_OOM_KPPID = m``: Classic comes before Kill parents, so with it
    y, asking for CONFIG_OOM_KPPID=y builds a module — said, with the way to swap."""
    sh = shell(CONFIG_OOM_KILL="y", CONFIG_OOM_KPPID="m")
    out = sh.execute("kconfig CONFIG_OOM_KPPID=y").output.splitlines()
    assert "CONFIG_OOM_KPPID=m   # Kill parents" in out
    assert out[-1] == (
        "CONFIG_OOM_KPPID=y is m: mm/Config.in builds one policy in, and CONFIG_OOM_KILL=y "
        "comes first (kconfig CONFIG_OOM_KILL=m CONFIG_OOM_KPPID=y to swap)"
    )
    assert sh.kernel.spec.kconfig["CONFIG_OOM_KPPID"] == "m"  # as .config would keep it
    swapped = sh.execute("kconfig CONFIG_OOM_KILL=m CONFIG_OOM_KPPID=y").output
    assert "is m:" not in swapped
    assert "CONFIG_OOM_KPPID=m   # Kill parents   (after reboot: y)" in swapped


def test_kconfig_rejects_bad_values_and_non_root() -> None:
    sh = shell()
    bad = sh.execute("kconfig CONFIG_OOM_KILL=x")
    assert bad.status != 0 and bad.output.startswith("kconfig: ")
    assert "\n" not in bad.output.strip()
    sh.execute("su nobody")
    denied = sh.execute("kconfig CONFIG_OOM_KILL=n")
    assert denied.status != 0 and "Operation not permitted" in denied.output


def test_insmod_of_a_policy_file_loads_it_and_rmmod_removes_it() -> None:
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "oom_kill_youngest.py"
    sh = shell()
    result = sh.execute(f"insmod {example} min_rss=4")
    assert result.status == 0, result.output
    assert "oom_kill_youngest" in [nb.name for nb in sh.kernel.oom.chain]
    assert sh.execute("rmmod oom_kill_youngest").status == 0
    assert "oom_kill_youngest" not in [nb.name for nb in sh.kernel.oom.chain]
    missing = sh.execute("insmod ./no_such_policy.py")
    assert missing.status != 0 and missing.output.startswith("insmod: ")
