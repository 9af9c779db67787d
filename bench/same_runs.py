"""Same runs: ``moomtui run`` text, ``--json`` and ``--trace`` compared between checkouts.

A speed-up must not change what the simulation does. For every shipped preset under every
default policy of ``moomtui compare`` (configured as ``compare`` configures them: every
Kconfig option ``m`` and exactly the policy's modules), and for the 300 ms fork bomb of
``bench/workloads.py`` under each policy, this runs ``moomtui run`` three times — the text
output, ``--json`` and ``--trace`` — in a fresh interpreter per checkout, and compares the
SHA-256 digests of the outputs between the checkouts given with ``--root``; within each
checkout, the text printed by the ``--trace`` run must be the text run's.

    python bench/same_runs.py --root . --root ../before [--for 30s] [--bomb-for 30s]

Each shipped preset runs its own ``length`` unless ``--for`` says otherwise; the 300 ms
bomb runs ``--bomb-for`` (default 30 s: its trace is about ten events per OOM kill and a
thousand kills a second). Prints one line per run that differs and a count; exit status 1
if any differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from workloads import crisis_bomb  # noqa: E402

WORKER = r"""
import hashlib, io, json, os, sys, tempfile
from contextlib import redirect_stdout
from moomtui.cli import main
from moomtui.compare import default_configs
from moomtui.kernel.kconfig import KCONFIG_OPTIONS
from moomtui.presets import list_presets, load_preset

cells_for, bomb, bomb_for = sys.argv[1], sys.argv[2], sys.argv[3]
kconfig = ", ".join(f'{o} = "m"' for o in KCONFIG_OPTIONS)
presets = [(p.key, cells_for) for p in list_presets()] + [(bomb, bomb_for)]
out = {}
for preset, duration in presets:
    base = load_preset(preset)
    own = {line.split()[0]: line for line in base.spec.modules}
    for config in default_configs():
        names = [] if config == "none" else config.split("+")
        modules = [own.get(n, n) for n in names]
        argv = ["run", preset, "--set", f"kernel.config={{{kconfig}}}",
                "--set", f"kernel.modules={json.dumps(modules)}"]
        if duration != "length":
            argv += ["--for", duration]
        name = f"{os.path.basename(preset)}/{config}"
        for mode in ("text", "json", "trace"):
            extra = {"text": [], "json": ["--json"]}.get(mode)
            with tempfile.TemporaryDirectory() as folder:
                trace = os.path.join(folder, "trace.jsonl")
                if extra is None:
                    extra = ["--trace", trace]
                buf = io.StringIO()
                with redirect_stdout(buf):
                    status = main(argv + extra)
                stdout = hashlib.sha256(buf.getvalue().encode()).hexdigest()
                out[f"{name} {mode}"] = f"{status} {stdout}"
                if mode == "trace":
                    digest = hashlib.sha256()
                    with open(trace, "rb") as f:
                        for chunk in iter(lambda: f.read(1 << 20), b""):
                            digest.update(chunk)
                    out[f"{name} trace file"] = digest.hexdigest()
print(json.dumps(out))
"""


def digests(root: Path, cells_for: str, bomb: Path, bomb_for: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "XDG_DATA_HOME": tempfile.gettempdir()}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, cells_for, str(bomb), bomb_for],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    )
    result: dict[str, str] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", type=Path, required=True)
    parser.add_argument("--for", dest="cells_for", default="length", help="default: each length")
    parser.add_argument("--bomb-for", default="30s")
    args = parser.parse_args()
    roots = [r.resolve() for r in args.root]
    with tempfile.TemporaryDirectory() as folder:
        bomb = crisis_bomb(Path(folder))
        results = [digests(root, args.cells_for, bomb, args.bomb_for) for root in roots]
    first = results[0]
    differ = 0
    for root, result in zip(roots, results, strict=True):
        for key in sorted(k for k in result if k.endswith(" text")):
            traced = key.removesuffix(" text") + " trace"
            if result[key] != result[traced]:
                differ += 1
                print(f"the output depends on --trace: {key.removesuffix(' text')} ({root})")
    for root, result in zip(roots[1:], results[1:], strict=True):
        for key in sorted(set(first) | set(result)):
            if first.get(key) != result.get(key):
                differ += 1
                print(f"differs: {key} ({roots[0]} vs {root})")
    cells = sum(key.endswith(" text") for key in first)
    print(
        f"{3 * cells} runs per checkout ({cells} cells × text, --json, --trace; the text with "
        f"and without a trace compared too), {differ} differ"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
