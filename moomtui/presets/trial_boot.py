"""The trial boot that ends a preset's check: the kernel itself judges what only it knows.

A module that refuses its parameters, a sysctl that does not exist or is out of range, a
Kconfig choice the rules forbid, tasks that do not fit: each is caught when the preset is
loaded, with the key path of the line it comes from, not when the scenario runs.

A run that follows at once (``moomtui run``) need not boot the same machine a second time:
given a :class:`KeptBoot`, the trial is the run's own boot — the spec booted whole, exactly
as :class:`~moomtui.sim.Simulation` boots it, its events recorded — and the simulation takes
that kernel (:meth:`KeptBoot.adopt`), handing the recorded events to its bus as if they
had just happened. Should that boot fail anywhere, or a module or sysctl line be refused
(a boot reports those and goes on), the machine boots again the checking way, which words
the error as before.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel import BootError, BootSpec
from ..kernel import events as ev
from ..kernel.boot import create_spec_task
from ..kernel.kconfig import KconfigError
from ..kernel.module import ModuleError
from ..kernel.printk import KERN_WARNING
from ..kernel.sysctl import SysctlError
from ..machine import boot
from .quoting import clip, key_path, printable

if TYPE_CHECKING:
    from ..kernel import Kernel
    from .checker import Checker

REFUSED = ("modules: ", 'sysctl: error: "')
"""How a boot reports a ``kernel.modules`` or ``kernel.sysctl`` line it refused
(``Kernel._boot``): a warning, and the boot goes on. A trial boot must fail there."""


@dataclass(slots=True)
class KeptBoot:
    """A trial boot kept for the run that follows: ask :func:`load_preset
    <moomtui.presets.load_preset>` for it with ``keep=``, give it to the simulation.

    ``kinds`` are the events the run's bus will want during the boot (None: every kind);
    the others are counted, not built, as a boot does when nobody wants them.
    """

    kinds: tuple[type[ev.Event], ...] | None
    spec: BootSpec | None = None
    """The spec that was checked (the scenario's own object), once a kernel is kept."""
    kernel: Kernel | None = None
    counts: dict[type[ev.Event], int] = field(default_factory=dict)
    events: list[ev.Event] = field(default_factory=list)

    def records(self, cls: type[ev.Event]) -> bool:
        """Whether events of class ``cls`` were recorded."""
        return self.kinds is None or any(issubclass(cls, kind) for kind in self.kinds)

    def adopt(self, spec: BootSpec, seed: int | None, bus: ev.EventBus | None) -> Kernel | None:
        """The kept kernel, now on ``bus`` (a new one if None or without subscribers, as
        :class:`~moomtui.kernel.Kernel` takes it), with the boot's events handed to it; None
        if it was booted from another spec or seed, or ``bus`` wants events that were not
        recorded. Only once: the kernel is then the caller's."""
        k, self.kernel = self.kernel, None
        if k is None or spec is not self.spec or (seed is not None and seed != spec.seed):
            return None
        bus = bus or ev.EventBus()
        route = bus.route
        if any(n and route[cls] and not self.records(cls) for cls, n in self.counts.items()):
            return None
        counts = bus.counts
        for cls, n in self.counts.items():
            counts[cls] += n
        for event in self.events:
            for fn in route[type(event)]:
                fn(event)
        self.events = []
        k.bus = bus
        return k


def _boot_whole(spec: BootSpec, keep: KeptBoot) -> bool:
    """Boot ``spec`` as a simulation boots it, recording what ``keep`` wants; whether the
    boot went through without refusing a line (then ``keep`` holds the kernel)."""
    bus = ev.EventBus()
    events: list[ev.Event] = []
    kinds = None if keep.kinds is None else (*keep.kinds, ev.Printk)
    bus.subscribe(events.append, kinds=kinds)
    try:
        k = boot(spec.clone(), bus=bus)
    except Exception:  # the checking boot words it (or finds nothing, as before)
        return False
    refused = any(
        isinstance(e, ev.Printk) and e.level == KERN_WARNING and e.text.startswith(REFUSED)
        for e in events
    )
    if refused or k.panicked is not None:
        return False
    keep.spec, keep.kernel, keep.counts = spec, k, dict(bus.counts)
    keep.events = [e for e in events if keep.records(type(e))]
    return True


def trial_boot(spec: BootSpec, checker: Checker, keep: KeptBoot | None = None) -> None:
    """Boot the machine once: modules, sysctls and tasks are checked by the kernel itself.

    The machine boots bare, then takes the modules and sysctls one by one, so an error
    names the line of the preset it comes from, then the tasks, in the order a boot
    creates them; ``checker`` words the error. With ``keep``, the machine first boots
    whole for the run (see the module's docstring), and only a boot that failed is
    checked this way.
    """
    if keep is not None and _boot_whole(spec, keep):
        return
    bare = copy.copy(spec)
    bare.modules, bare.sysctl, bare.tasks = [], {}, []
    try:
        k = boot(bare)
    except KconfigError as err:
        raise checker.fail("kernel.config", str(err)) from None
    for i, line in enumerate(spec.modules):
        name, *args = line.split()
        logged = k.log.records()
        mark = logged[-1].seq if logged else 0
        try:
            k.modules.insmod(name, args)
        except ModuleError as err:
            # What the module printed says why (earlyoom: "regcomp: Unmatched ( or \(").
            said = "; ".join(printable(r.text) for r in k.log.since(mark))
            why = f"{err} ({said})" if said else str(err)
            raise checker.fail(f"kernel.modules[{i}]", clip(why, 300), line) from None
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
