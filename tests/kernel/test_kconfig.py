"""mm/Config.in as its author meant it, not as 2.4's scripts/Configure runs it."""

from __future__ import annotations

from moomtui.kernel.kconfig import resolve_kconfig

PANIC, KILL, KPPID = "CONFIG_OOM_PANIC", "CONFIG_OOM_KILL", "CONFIG_OOM_KPPID"


def test_define_bool_with_an_equals_sign_is_read_as_the_author_meant() -> None:
    """mm/Config.in: ``define_bool CONFIG_OOM_KILL = m``. scripts/Configure has
    ``function define_bool () { define_tristate $1 $2 }``, so ``$2`` is ``=``: no case of
    ``define_tristate`` matches and ``eval "$1=$2"`` sets the option to ``=``; the demotion
    never happens. moomtui implements what was meant (docs/faithfulness.md says so): the
    first ``y`` in the file wins, every later ``y`` becomes ``m``, and nothing is ever
    ``=``."""
    assert resolve_kconfig({PANIC: "y", KILL: "y", KPPID: "y"}) == {
        PANIC: "y",
        KILL: "m",
        KPPID: "m",
    }
    assert resolve_kconfig({PANIC: "n", KILL: "y", KPPID: "y"})[KPPID] == "m"
    for panic in "ymn":
        for kill in "ymn":
            for kppid in "ymn":
                resolved = resolve_kconfig({PANIC: panic, KILL: kill, KPPID: kppid})
                assert set(resolved.values()) <= {"y", "m", "n"}
                assert list(resolved.values()).count("y") <= 1
