"""``python -m moomtui``: the same as the ``moomtui`` command.

Run from a copy of the repository, ``python -m moomtui`` may meet a Python older than the
3.11 the project declares (which ``pip install`` would have refused): it says so in one
line, before anything that needs a newer Python is imported.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036  (it runs where pip's check did not)
    version = ".".join(map(str, sys.version_info[:3]))
    sys.exit(f"moomtui: needs Python 3.11 or newer; this is Python {version} ({sys.executable})")

from .cli import main

sys.exit(main())
