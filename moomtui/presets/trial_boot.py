"""The trial boot that ends a preset's check: the kernel itself judges what only it knows.

A module that refuses its parameters, a sysctl that does not exist or is out of range, a
Kconfig choice the rules forbid, tasks that do not fit: each is caught when the preset is
loaded, with the key path of the line it comes from, not when the scenario runs.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from ..kernel import BootError, BootSpec
from ..kernel.boot import create_spec_task
from ..kernel.kconfig import KconfigError
from ..kernel.module import ModuleError
from ..kernel.sysctl import SysctlError
from ..machine import boot
from .quoting import clip, key_path

if TYPE_CHECKING:
    from .checker import Checker


def trial_boot(spec: BootSpec, checker: Checker) -> None:
    """Boot the machine once: modules, sysctls and tasks are checked by the kernel itself.

    The machine boots bare, then takes the modules and sysctls one by one, so an error
    names the line of the preset it comes from, then the tasks, in the order a boot
    creates them; ``checker`` words the error.
    """
    bare = copy.copy(spec)
    bare.modules, bare.sysctl, bare.tasks = [], {}, []
    try:
        k = boot(bare)
    except KconfigError as err:
        raise checker.fail("kernel.config", str(err)) from None
    for i, line in enumerate(spec.modules):
        name, *args = line.split()
        try:
            k.modules.insmod(name, args)
        except ModuleError as err:
            raise checker.fail(f"kernel.modules[{i}]", clip(str(err), 200), line) from None
    for key, value in spec.sysctl.items():
        try:
            k.sysctl.write(key, str(value), uid=0)
        except SysctlError as err:
            raise checker.fail(f"kernel.sysctl.{key_path(key)}", err.strerror, value) from None
    try:
        with k.entry:
            for tspec in spec.tasks:
                create_spec_task(k, tspec)
    except (BootError, ModuleError, SysctlError, KconfigError) as err:
        raise checker.fail("tasks", str(err)) from None
