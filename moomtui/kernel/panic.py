"""The exception a panicked kernel unwinds with.

``Kernel.panic()`` raises :class:`KernelPanic` once it has logged the panic and marked the
machine panicked (``kernel.panicked`` is set): nothing after ``panic()`` in the code that
called it runs, as nothing after ``panic()`` runs in C. The kernel's entry points — the
tick, ``run_for``, the shell's command execution — catch it. It derives from
``BaseException`` so that no ``except Exception`` on the way swallows it; the module loader's
oops guard lets it through only while the kernel really is panicked, so a policy that
raises it by hand is an oops like any other.
"""

from __future__ import annotations


class KernelPanic(BaseException):
    """Raised by ``Kernel.panic()`` after the machine has panicked; caught at entry points."""
