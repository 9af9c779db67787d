"""Golden runs: every shipped preset's ``moomtui run`` output, ``--json`` and ``--trace``.

A refactoring or a speed-up must not change what the simulation does. Each case below runs
``moomtui run`` in this process three times — the text output, ``--json``, and ``--trace`` —
and compares their SHA-256 digests with ``tests/golden/runs.json``. Beside the digests the
file keeps what a reader needs to see *what* changed when one differs: the number of trace
events of each kind, the kills per module and the score card.

A change that is meant to change the simulation (a faithfulness fix) regenerates the file::

    python tests/test_golden.py --update

and says in its commit message why the runs changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # every shipped preset run three times: about 40 s

GOLDEN = Path(__file__).with_name("golden") / "runs.json"

CASES: dict[str, list[str]] = {
    "classic-leak": ["classic-leak"],
    "fork-bomb": ["fork-bomb", "--for", "60s"],
    "ha-failover": ["ha-failover"],
    "leaky-apache": ["leaky-apache"],
    "no-oom": ["no-oom"],
    "swap-trap": ["swap-trap"],
    "threaded-server": ["threaded-server"],
    "two-killers": ["two-killers"],
    "who-dies": ["who-dies"],
    "bench": ["bench", "--for", "2m"],
    "lvl1-empty-chain": ["lvl1-empty-chain"],
    "lvl2-parent-pays": ["lvl2-parent-pays"],
    "lvl3-two-killers": ["lvl3-two-killers"],
    "lvl4-built-in": ["lvl4-built-in"],
    "lvl5-fail-fast": ["lvl5-fail-fast"],
    "lvl6-who-is-spared": ["lvl6-who-is-spared"],
    "lvl7-swap-trap": ["lvl7-swap-trap"],
    "lvl8-score-adj": ["lvl8-score-adj"],
    "lvl11-own-policy": ["lvl11-own-policy"],
    "leaky-apache/oom_kill_parent": [
        "leaky-apache",
        "--set",
        'kernel.modules=["oom_kill_parent"]',
    ],
    "leaky-apache/oom_score_adj": [
        "leaky-apache",
        "--for",
        "2m",
        "--set",
        'kernel.config={CONFIG_OOM_KILL="m"}',
        "--set",
        'kernel.modules=["oom_score_adj"]',
    ],
    "leaky-apache/earlyoom": [
        "leaky-apache",
        "--for",
        "2m",
        "--set",
        'kernel.config={CONFIG_OOM_KILL="m"}',
        "--set",
        'kernel.modules=["earlyoom"]',
    ],
    "fork-bomb/oom_score_adj": [
        "fork-bomb",
        "--for",
        "45s",
        "--set",
        'kernel.config={CONFIG_OOM_KILL="m"}',
        "--set",
        'kernel.modules=["oom_score_adj"]',
    ],
    "swap-trap/oom_kill_allocating": [
        "swap-trap",
        "--for",
        "2m",
        "--set",
        'kernel.config={CONFIG_OOM_KILL="m"}',
        "--set",
        'kernel.modules=["oom_kill_allocating"]',
    ],
    "ha-failover/seed-7": ["ha-failover", "--seed", "7"],
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run(argv: list[str]) -> str:
    from moomtui.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["run", *argv])
    assert status == 0, f"moomtui run {' '.join(argv)} exited {status}"
    return out.getvalue()


def record(argv: list[str], tmp: Path) -> dict[str, Any]:
    """The three outputs of one case, as digests and a readable summary."""
    text = _run(argv)
    doc_text = _run([*argv, "--json"])
    trace = tmp / "trace.jsonl"
    _run([*argv, "--json", "--trace", str(trace)])
    trace_bytes = trace.read_bytes()
    header, *events = trace_bytes.splitlines()  # the header line: version, preset, seed
    assert json.loads(header)["moomtui"] == "trace"
    kinds = Counter(json.loads(line)["event"] for line in events)
    doc = json.loads(doc_text)
    return {
        "text": _sha(text.encode()),
        "json": _sha(doc_text.encode()),
        "trace": _sha(trace_bytes),
        "trace_events": dict(sorted(kinds.items())),
        "kills": doc["kills"],
        "score": doc["score"],
    }


def _golden() -> dict[str, dict[str, Any]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_output_is_unchanged(case: str, tmp_path: Path) -> None:
    expected = _golden()[case]
    got = record(CASES[case], tmp_path)
    # The readable parts first, so a failure says what changed before it says that it did.
    assert got["trace_events"] == expected["trace_events"]
    assert got["kills"] == expected["kills"]
    assert got["score"] == expected["score"]
    assert {k: got[k] for k in ("text", "json", "trace")} == {
        k: expected[k] for k in ("text", "json", "trace")
    }


def test_every_shipped_preset_has_a_golden_run() -> None:
    from moomtui.presets import list_presets

    shipped = {p.key for p in list_presets() if not p.user}
    assert shipped <= {case.split("/")[0] for case in CASES}
    assert set(_golden()) == set(CASES)


def update() -> None:
    import tempfile

    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in sorted(CASES):
            runs[case] = record(CASES[case], Path(tmp))
            print(case, runs[case]["trace_events"], file=sys.stderr)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update")
    update()
