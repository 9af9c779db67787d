"""``kernel/panic.c``: ``panic()`` never returns.

2.4.22's ``panic(fmt, ...)`` formats its message into ``buf``, prints
``printk(KERN_EMERG "Kernel panic: %s\\n", buf)``, and then, if ``panic_timeout`` (the sysctl
``kernel.panic``) is above 0, prints ``"Rebooting in %d seconds.."``, waits that long and
calls ``machine_restart()``; otherwise it blinks the keyboard LEDs in ``for (;;)`` for ever.
Whoever called it — an OOM handler, the allocator, ``do_exit`` of init — never gets control
back, and neither does anyone above it: after a panic nothing in that call runs on. The
machine stops except for the reboot timer.

The simulator copies that with an exception. :func:`panic` logs, marks the kernel panicked,
emits the :class:`~moomtui.kernel.events.Panic` event and raises :class:`KernelPanic`, a
``BaseException``, so the ``except Exception`` guards that turn a policy's bug into an oops
let it through. It unwinds through the rest of the OOM notifier chain (no later handler
runs), the allocator, the policy, the timer handler, up to the kernel's *entry points*,
where control came into the kernel from outside the simulated machine:

* ``Kernel.tick()`` (the timer interrupt; ``run_for`` calls it jiffy by jiffy, so the clock
  goes on after a panic and the reboot timer can fire) and the boot (``Kernel()``,
  ``Kernel.reboot()``);
* ``Kernel.spawn()`` and the module loader's ``insmod`` / ``insmod_file`` / ``rmmod``;
* the shell's running of one command line (every console, script and preset command).

An entry point catches the panic only when it is the outermost one (:class:`KernelEntry`
counts how deep the calls into the kernel are): a ``spawn`` made by a module's init during
``insmod`` lets the panic through to ``insmod``, which lets it through to the shell. Every
other kernel function (``fault``, ``fork``, ``do_exit``, ``out_of_memory`` …) raises it to
its caller, as ``panic()`` never returns.

Left out: ``sys_sync()`` and the "In idle task - not syncing" / "In interrupt handler - not
syncing" lines (there is no idle-task or interrupt context to panic in), the
``panic_notifier_list`` (nothing registers on it) and ``bust_spinlocks``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, NoReturn, ParamSpec, TypeVar

from . import events as ev
from .constants import HZ
from .printk import KERN_EMERG

if TYPE_CHECKING:
    from types import TracebackType

    from .kernel import Kernel

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


class KernelPanic(BaseException):
    """Raised by ``Kernel.panic()`` once the machine has panicked; the kernel's entry points
    catch it.

    A ``BaseException``, not an ``Exception``: the guards that turn a policy's exception into
    an oops must not catch it, since after a panic nothing in that call runs on.
    """


class KernelEntry:
    """How many calls into the kernel from outside are in progress.

    ``with kernel.entry:`` around an entry point: on the way out the outermost one swallows
    a :class:`KernelPanic` (the machine is now stopped); an inner one lets it through, so
    that its caller does not run on either.
    """

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0

    def __enter__(self) -> None:
        self.depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self.depth -= 1
        return self.depth == 0 and exc_type is not None and issubclass(exc_type, KernelPanic)


def entry_point(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R | None]:
    """Make a method of the kernel (or of an object with a ``kernel``) an entry point.

    It returns None when the machine panics under it and it is the outermost entry.
    An object whose kernel has no ``entry`` (a test's stand-in) is called as it is.
    """

    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
        entry = getattr(getattr(self, "kernel", self), "entry", None)
        if not isinstance(entry, KernelEntry):
            return method(self, *args, **kwargs)
        with entry:
            return method(self, *args, **kwargs)
        return None

    functools.update_wrapper(wrapper, method)
    return wrapper


def panic(k: Kernel, message: str) -> NoReturn:
    """``panic(fmt, ...)``: log, stop the machine, schedule the reboot; never returns.

    ``message`` is ``buf`` as the caller formatted it, trailing newline included: the seed's
    ``panic("Out of memory and no killable processes...\\n")`` makes ``"Kernel panic:
    %s\\n"`` end in two newlines, so the log holds an empty line after it. The state and the
    event carry the message without its trailing newlines. A second panic on a machine
    already panicked prints nothing more: it only unwinds the call.
    """
    if k.panicked is not None:
        raise KernelPanic(k.panicked)
    k.printk(KERN_EMERG, f"Kernel panic: {message}\n")
    k.panicked = message.rstrip("\n")
    timeout = k.panic_timeout.value
    if timeout > 0:
        k.printk(KERN_EMERG, f"Rebooting in {timeout} seconds..")
        k.reboot_at = k.ticks + timeout * HZ
    k.emit(ev.Panic(message=k.panicked, timeout=max(0, timeout)))
    raise KernelPanic(k.panicked)
