"""How a row of ``dump_tasks()``'s table becomes a :class:`TaskRecord`, once per header."""

from __future__ import annotations

import functools
from collections.abc import Callable
from operator import itemgetter

from .records import TaskRecord

_ROW_FIELDS = (
    "uid",
    "tgid",
    "total_vm",
    "rss",
    "rss_anon",
    "rss_file",
    "rss_shmem",
    "swapents",
    "pgtables_bytes",
    "oom_adj",
)
"""The columns a record takes as they are (``None`` when the table has no such column)."""
RecordMaker = Callable[[int, str, list[int | None], int], TaskRecord]


# A log's tables are printed by few kernels: the last few layouts read are kept (a layout is
# at most a line of the report long).
@functools.lru_cache(maxsize=64)
def record_maker(numeric: tuple[str, ...]) -> RecordMaker:
    """How a row of a table with the ``numeric`` columns becomes a record: the header is
    looked up once for all its rows. A row's numbers come in the header's order, followed
    by ``None`` and ``0`` (what an absent column reads as); a column named twice is read
    from the last, as a mapping of names to numbers would keep it."""
    at = {name: i for i, name in enumerate(numeric)}
    absent, zero = len(numeric), len(numeric) + 1
    fields = itemgetter(
        *(at.get(name, absent) for name in _ROW_FIELDS), at.get("oom_score_adj", zero)
    )
    ptes, pmds = at.get("nr_ptes"), at.get("nr_pmds", zero)

    def record(pid: int, name: str, values: list[int | None], line: int) -> TaskRecord:
        uid, tgid, total_vm, rss, anon, file, shmem, swap, pgbytes, oom_adj, adj = fields(values)
        # Every field in TaskRecord's order (a call by position costs less than by name; a
        # test holds the record to its numbers read by name): what a row does not show —
        # euid, caps, nice, utime, stime, start_time, ppid, threads — is None.
        return TaskRecord(
            pid,
            name.strip(),
            uid,
            tgid,
            total_vm,
            rss,
            anon,
            file,
            shmem,
            swap,
            None if ptes is None else values[ptes] + values[pmds],  # type: ignore[operator]
            pgbytes,
            adj,
            oom_adj,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            False,
            True,
            line,
        )

    return record
