"""``mm/Config.in`` of the seed patch: the three tristates of the modular OOM killer.

``CONFIG_OOM_PANIC``, ``CONFIG_OOM_KILL`` and ``CONFIG_OOM_KPPID`` are evaluated top to
bottom exactly as ``make oldconfig`` does, so the first ``y`` wins and every later ``y`` is
demoted to ``m``; all three may be ``n``. With ``mm/Makefile``'s ``obj-$(CONFIG_…)`` lines
that decides which object is built in (``y``: its ``module_init`` runs at boot and it can
never be removed), which is a loadable module (``m``) and which does not exist (``n``); the
module loader (:mod:`moomtui.kernel.module_loader`) acts on the result.

Simplified: only these three options exist; a module that is not the seed's has no option
and is always built as ``m``.
"""

from __future__ import annotations

from collections.abc import Mapping

TRISTATES = ("y", "m", "n")

KCONFIG_OPTIONS = ("CONFIG_OOM_PANIC", "CONFIG_OOM_KILL", "CONFIG_OOM_KPPID")
"""The tristates of ``mm/Config.in``, in the order the file asks them."""

KCONFIG_PROMPTS = {
    "CONFIG_OOM_PANIC": "Panic",
    "CONFIG_OOM_KILL": "Classic",
    "CONFIG_OOM_KPPID": "Kill parents",
}
"""``tristate 'Panic' CONFIG_OOM_PANIC`` …: the menu prompt of each option."""

KCONFIG_MODULES = {
    "CONFIG_OOM_PANIC": "oom_panic",
    "CONFIG_OOM_KILL": "oom_kill",
    "CONFIG_OOM_KPPID": "oom_kill_parent",
}
"""``obj-$(CONFIG_OOM_PANIC) += oom_panic.o`` …: the object each option builds."""

DEFCONFIG = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "y", "CONFIG_OOM_KPPID": "n"}
"""The defconfig keeps the classic killer built in, as 2.4 without the patch had it."""


class KconfigError(ValueError):
    """A Kconfig choice names an unknown option or gives a value other than y, m or n."""


def resolve_kconfig(choice: Mapping[str, str]) -> dict[str, str]:
    """Evaluate ``mm/Config.in`` for ``choice``; options not chosen take :data:`DEFCONFIG`.

    Each option's block, in file order, demotes every *other* option that is ``y`` to ``m``
    (``define_bool CONFIG_OOM_KILL = m``), so once one option is ``y`` no later one can be.
    """
    for option, value in choice.items():
        if option not in KCONFIG_OPTIONS:
            raise KconfigError(
                f"unknown Kconfig option {option!r} (known: {', '.join(KCONFIG_OPTIONS)})"
            )
        if value not in TRISTATES:
            raise KconfigError(f"{option}: invalid value {value!r} (expected y, m or n)")
    config = {**DEFCONFIG, **choice}
    for option in KCONFIG_OPTIONS:
        if config[option] == "y":
            for other in KCONFIG_OPTIONS:
                if other != option and config[other] == "y":
                    config[other] = "m"
    return config


def tristate(config: Mapping[str, str], option: str | None) -> str:
    """How ``config`` builds the object of ``option``: ``y``, ``m`` or ``n``. An object
    without an option (not one of the seed's) is always ``m``."""
    if option is None:
        return "m"
    return config.get(option, "n")


def kconfig_rank(option: str | None) -> int:
    """Where ``option`` comes in ``mm/Config.in``; after them all for no option."""
    if option in KCONFIG_OPTIONS:
        return KCONFIG_OPTIONS.index(option)
    return len(KCONFIG_OPTIONS)
