"""The results file: one row per run, appended as each finishes, sorted when the sweep ends.

A row holds the run's coordinates (its index, the preset, the policy, the configuration's
label, each swept parameter and sysctl, the seed, the length in seconds), the values a
workload family drew, every score-card field, and the moomtui version that ran it. The
format follows the name:

- ``.csv`` — a header line, then one line a run (an empty cell: no value, e.g.
  ``mem_per_kill`` with no kill);
- ``.jsonl`` / ``.ndjson`` — one JSON object a line, the same keys in the same order;
- ``.parquet`` — with pyarrow installed: the rows go to ``FILE.partial.jsonl`` while the
  sweep runs, and become the Parquet file when it ends.

While the sweep runs, each finished run is appended at once (flushed), so an interrupted
sweep loses at most the runs in progress; ``--resume`` reads the rows there (a last line
cut short by the interruption is dropped), checks that each is this sweep's run of that
index, and runs only the others. When the sweep ends the file is rewritten sorted by the
run's index, atomically: the same sweep gives the same bytes whatever the engine, the
number of workers or the interruptions.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..patterns import anchored
from ..userfiles import UserFileError, append_user_text, read_user_file, replace_user_text
from .spec import SpecError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
MAX_RESULTS = 4 << 30
"""The largest results file ``--resume`` reads."""
_INT = anchored(r"-?[0-9]{1,30}")

Row = dict[str, Any]


def file_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise SpecError(
            f"{path}: the results file's name ends in .csv, .jsonl, .ndjson or .parquet"
        )
    if FORMATS[suffix] == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ModuleNotFoundError:
            raise SpecError(
                f"{path}: Parquet needs pyarrow (pip install pyarrow); .csv and .jsonl need nothing"
            ) from None
    return FORMATS[suffix]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _csv_line(values: Iterable[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(v) for v in values])
    return buf.getvalue()


def _typed(text: str) -> Any:
    """A CSV cell back as the value it was written from."""
    if text == "":
        return None
    if _INT.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


class ResultsFile:
    """Rows appended as runs finish; ``rows`` holds every row so far, by run index."""

    def __init__(self, path: str, columns: list[str], *, resume: bool = False) -> None:
        self.path = path
        self.columns = columns
        self.format = file_format(path)
        self.journal = f"{path}.partial.jsonl" if self.format == "parquet" else path
        self.rows: dict[int, Row] = {}
        exists = os.path.lexists(self.journal) or os.path.lexists(path)
        self.created = not exists
        if exists and not resume:
            raise SpecError(
                f"{path}: already there: --resume continues that sweep; remove the file to "
                "start it again"
            )
        if exists:
            self._read()
        if not os.path.lexists(self.journal):
            self._write_header()

    # ------------------------------------------------------------------ reading
    def _read(self) -> None:
        if self.format == "parquet" and not os.path.lexists(self.journal):
            import pyarrow.parquet as pq

            table = pq.read_table(self.path)
            if table.column_names != self.columns:
                raise self._not_this()
            rows = table.to_pylist()
            self._write_header()
            self._append_text("".join(json.dumps(row) + "\n" for row in rows))
            self.rows = {row["run"]: row for row in rows}
            return
        try:
            data = read_user_file(self.journal, limit=MAX_RESULTS).decode("utf-8")
        except UserFileError as err:
            raise SpecError(str(err)) from None
        except UnicodeDecodeError:
            raise SpecError(f"{self.journal}: not UTF-8 text: not a results file") from None
        whole, _, cut = data.rpartition("\n")
        if cut:  # the last line, cut short when the sweep was stopped: run again
            replace_user_text(self.journal, whole + "\n" if whole else "")
        lines = whole.split("\n") if whole else []
        if self.format == "csv":
            if not lines:
                return
            if next(csv.reader([lines[0]])) != self.columns:
                raise self._not_this()
            for record in csv.reader(lines[1:]):
                row = dict(zip(self.columns, map(_typed, record), strict=False))
                if len(record) != len(self.columns):
                    raise self._not_this()
                self.rows[row["run"]] = row
        else:
            for line in lines:
                try:
                    row = json.loads(line)
                except ValueError:
                    raise self._not_this() from None
                if not isinstance(row, dict) or list(row) != self.columns:
                    raise self._not_this()
                self.rows[row["run"]] = row

    def _not_this(self) -> SpecError:
        return SpecError(
            f"{self.journal}: not this sweep's results (its columns differ): give another "
            "file, or remove it"
        )

    # ------------------------------------------------------------------ writing
    def _write_header(self) -> None:
        if self.format == "csv":
            self._append_text(_csv_line(self.columns))
        else:
            self._append_text("")

    def _append_text(self, text: str) -> None:
        try:
            append_user_text(self.journal, text)
        except UserFileError as err:
            raise SpecError(str(err)) from None

    def _line(self, row: Row) -> str:
        values = [row.get(col) for col in self.columns]
        if self.format == "csv":
            return _csv_line(values)
        return json.dumps(dict(zip(self.columns, values, strict=True))) + "\n"

    def append(self, row: Row) -> None:
        """One finished run, written at once."""
        row = {col: row.get(col) for col in self.columns}
        self.rows[row["run"]] = row
        self._append_text(self._line(row))

    def forget_if_empty(self) -> None:
        """Remove the file this sweep created if no run got into it (the engine never
        started): a new try needs no ``--resume``."""
        if self.created and not self.rows:
            with contextlib.suppress(OSError):
                os.unlink(self.journal)

    def finish(self) -> None:
        """Every row, sorted by run index, replaces the file (atomically); a Parquet file
        is written from the journal, which is then removed."""
        ordered = [self.rows[i] for i in sorted(self.rows)]
        if self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist(ordered) if ordered else pa.table({})
            tmp = f"{self.path}.moomtui-tmp"
            pq.write_table(table, tmp)
            os.replace(tmp, self.path)
            os.unlink(self.journal)
            return
        text = "".join(self._line(row) for row in ordered)
        if self.format == "csv":
            text = _csv_line(self.columns) + text
        try:
            replace_user_text(self.path, text)
        except UserFileError as err:
            raise SpecError(str(err)) from None
