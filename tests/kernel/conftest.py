"""Small machines for kernel tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev

NO_OOM = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "n", "CONFIG_OOM_KPPID": "n"}


def machine(
    *tasks: TaskSpec,
    ram: int = 4096,
    swap: int = 0,
    kconfig: dict[str, str] | None = None,
    **kw: object,
) -> Kernel:
    spec = BootSpec(
        ram_pages=ram,
        swap_pages=swap,
        kconfig=dict(NO_OOM if kconfig is None else kconfig),
        tasks=list(tasks),
        **kw,  # type: ignore[arg-type]
    )
    return Kernel(spec)


class Recorder:
    """Collects the event stream of a kernel."""

    def __init__(self, k: Kernel) -> None:
        self.events: list[ev.Event] = []
        k.bus.subscribe(self.events.append)

    def of(self, cls: type[ev.Event]) -> list:
        return [e for e in self.events if isinstance(e, cls)]


@pytest.fixture
def make_machine() -> Callable[..., Kernel]:
    return machine
