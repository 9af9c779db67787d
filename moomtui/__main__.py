"""``python -m moomtui``: the same as the ``moomtui`` command."""

import sys

from .cli import main

sys.exit(main())
