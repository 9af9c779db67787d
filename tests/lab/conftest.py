"""The Dask test needs the cluster extra: without it, test_dask.py is not collected (not
skipped: it cannot be imported). .ci/run's ``cluster`` check installs the extra and runs it,
and fails if it collects nothing."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("distributed") else ["test_dask.py"]
