"""Hostile input: what each reproduction of issue 21 costs, before and after.

Each case runs in a fresh interpreter of its own with the code of a checkout (``--root``,
this one by default; ``--before DIR`` adds a second column, e.g. a ``git worktree`` of the
commit before the fixes), under a limit of 60 seconds and 2 GB of address space (a case past
either is reported as ``> 60 s`` or ``> 2 GB``). Time is the operation's wall clock; memory is
how far the process's peak resident size rose during it (its first run; a case under a
second is timed five times, the best kept). Each case runs at its full size and at a quarter
of it: the ratio of the two times says whether the cost is linear (about 4).

* ``toml``: a preset holding one dotted key of 40,000 parts (80 KB), and a theme one of
  30,000 (60 KB: a theme file is at most 64 KiB), loaded;
* ``postmortem``: a log of 10,000 small reports, ``moomtui postmortem --print`` (its
  standard output sent to ``/dev/null``, as the shell's ``> /dev/null`` does); ``postmortem,
  varied``: the same with each report's numbers its own (a log
  of the same OOM over and over is judged and printed as a real one is);
* ``regex:…``: each pattern of the report reader that backtracked, on a 1 MB line made to
  make it backtrack and on 1 MB of plain text (what the reader does with the line; the reader
  itself cuts a line at 64 KiB now, the pattern is given the whole);
* ``ls``: ``ls /proc`` on a machine of 30,000 tasks (the boot not counted);
* ``redos``: the preset whose earlyoom prefers ``((((a+)+)+)+)+$``, and the score earlyoom
  gives its task ``aaaaaaaaaaaaaa!`` (what the screen asks every frame).

    python bench/hostile.py [--before DIR] [--only NAME…]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
MEMORY = 2 << 30
MB = 1 << 20
PLAIN = "the quick brown fox jumps over the lazy dog, 1234 times; "


def _line(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


# ------------------------------------------------------------------ the cases (in the child)
def reports(n: int, *, varied: bool = False) -> str:
    """``n`` small reports of a 5.15 kernel, each killing its own java (tests/real reads them
    too); ``varied``: each with numbers of its own (the two tasks' sizes), as the OOMs of a
    real log have, so that no report is judged or printed as the one before it was."""
    out = []
    vm, rss, pg, small, resident = 900000, 800000, 6500000, 1000, 500
    for i in range(n):
        pid = 1000 + i
        if varied:
            vm = 900000 + i * 7919 % 60000
            rss = 800000 - i * 104729 % 50000
            pg = 6500000 + i * 31 % 9000
            small, resident = 1000 + i % 97, 500 + i * 13 % 211
        out += [
            f"[{i}.000000] java invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), "
            "order=0, oom_score_adj=0",
            f"[{i}.000001] CPU: 1 PID: {pid} Comm: java Not tainted 5.15.0-107-generic #117",
            f"[{i}.000002] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents "
            "oom_score_adj name",
            f"[{i}.000003] [{pid:7d}]  1000 {pid:5d}   {vm:6d}   {rss:6d}  {pg:7d}        0"
            "             0 java",
            f"[{i}.000004] [{pid + 1:7d}]     0 {pid + 1:5d}     {small:4d}      {resident:3d}"
            "    40000        0             0 sshd",
            f"[{i}.000005] Out of memory: Killed process {pid} (java) total-vm:{vm * 4}kB",
        ]
    return "\n".join(out) + "\n"


def _dotted(parts: int) -> str:
    return "a" + ".a" * (parts - 1) + " = 1\n"


def case_toml_preset(scale: float) -> Callable[[], object]:
    from moomtui.presets import PresetError, parse_preset

    text = 'name = "x"\n' + _dotted(int(40_000 * scale))

    def run() -> object:
        try:
            parse_preset(text, "x.toml")
        except PresetError as err:
            return str(err)[:80]
        return "loaded"

    return run


def case_toml_theme(scale: float) -> Callable[[], object]:
    from moomtui.tui.themes import ThemeError, load_theme_file

    folder = Path(tempfile.mkdtemp())
    path = folder / "x.toml"
    path.write_text('name = "x"\n[colors]\nprimary = "red"\n' + _dotted(int(30_000 * scale)))

    def run() -> object:
        try:
            load_theme_file(path)
        except ThemeError as err:
            return str(err)[-60:]
        return "loaded"

    return run


def case_postmortem(scale: float, *, varied: bool = False) -> Callable[[], object]:
    from moomtui.cli import main

    path = Path(tempfile.mkdtemp()) / "reports.txt"
    path.write_text(reports(int(10_000 * scale), varied=varied))

    def run() -> object:
        # Thrown away as `moomtui postmortem --print FILE > /dev/null` throws it away: the
        # process's own standard output sent to /dev/null (a stream put in place of
        # sys.stdout would be written as no command's output is).
        sys.stdout.flush()
        saved = os.dup(1)
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        os.close(sink)
        try:
            status = main(["postmortem", "--print", str(path)])
            sys.stdout.flush()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        if status != 0:  # a failed run is no figure: the table shows why instead
            raise SystemExit(f"postmortem exited with status {status}")
        return f"status {status}, {path.stat().st_size / MB:.1f} MB of reports"

    return run


def _report() -> Any:
    from moomtui.real import report

    return report


def _regex_case(
    adversarial: str, plain: bool, probe: Callable[[Any, str], object]
) -> Callable[[float], Callable[[], object]]:
    def make(scale: float) -> Callable[[], object]:
        size = int(MB * scale)
        line = _line(PLAIN if plain else adversarial, size)
        report = _report()
        import moomtui.kernel.units  # noqa: F401 - imported before the clock starts

        return lambda: probe(report, line)

    return make


def _memcg_file(r: Any, line: str) -> object:
    return r._MEMCG_FILE.match("memory.max" + line)


def _panic(r: Any, line: str) -> object:
    return r._panic(line) if hasattr(r, "_panic") else r._PANIC.search(line)


def _invoked(r: Any, line: str) -> object:
    return r._invoker(line) if hasattr(r, "_invoker") else r._INVOKED.search(line)


def _cpu(r: Any, line: str) -> object:
    return r._CPU.search(line)


def _stamp(r: Any, line: str) -> object:
    text = "[" + line
    if not hasattr(r, "_BRACKETED") and hasattr(r, "normalize"):  # moved with normalize
        r = sys.modules[r.normalize.__module__]
    if hasattr(r, "_BRACKETED"):
        m = r._BRACKETED.match(text)
        return m is not None and r._CLOCK.search(text, 0, m.end()) is not None
    return r._HUMAN_STAMP.match(text)


def _keyvals(r: Any, line: str) -> object:
    return len(r._KEYVALS.findall(line))


def _header(r: Any, line: str) -> object:
    return r._HEADER.match("[ pid ]" + line)


def _size(r: Any, line: str) -> object:
    from moomtui.kernel import units

    return units._SIZE.fullmatch("1" + line + "x")


REGEXES: dict[str, tuple[str, Callable[[Any, str], object], str]] = {
    "memory.max": (" ", _memcg_file, "`memory.max` and spaces"),
    "panic": ("Kernel panic - not syncing: ", _panic, "`Kernel panic - not syncing: ` repeated"),
    "invoked": (
        " invoked oom-killer: gfp_mask=0x1, nodemask=" + "0," * 200,
        _invoked,
        "`invoked oom-killer: … nodemask=0,0,…` repeated",
    ),
    "comm": ("CPU: 1 PID: 1 Comm: a ", _cpu, "`CPU: 1 PID: 1 Comm: a ` repeated"),
    "time stamp": ("1:11:11 ", _stamp, "`[` and `1:11:11 ` repeated (`dmesg -T`'s stamp)"),
    "key:value": ("a", _keyvals, "a word of 1 MB (`Mem-Info`'s `name:count`)"),
    "task table header": (" ", _header, "`[ pid ]` and spaces"),
    "size": (" ", _size, "`1`, spaces and `x` (a preset's size, e.g. `rss`)"),
}


def case_ls(scale: float) -> Callable[[], object]:
    from moomtui.presets import parse_preset
    from moomtui.sim import Simulation

    count = int(30_000 * scale)
    text = (
        'name = "many"\n[machine]\nram = "1G"\n'
        f'[[tasks]]\ncomm = "t"\ncount = {count}\nrss = "8K"\ntotal_vm = "8K"\n'
    )
    sim = Simulation(parse_preset(text, "many.toml"))

    def run() -> object:
        return f"{len(sim.execute('ls /proc').output):,} characters"

    return run


REDOS = "((((a+)+)+)+)+$"


def case_redos(scale: float) -> Callable[[], object]:
    from moomtui.presets import parse_preset
    from moomtui.sim import Simulation

    name = "a" * max(2, int(14 * scale)) + "!"
    text = (
        'name = "redos"\n[machine]\nram = "32M"\n'
        f'[kernel]\nmodules = ["earlyoom prefer={REDOS}"]\n'
        f'[[tasks]]\ncomm = "{name}"\nrss = "4M"\nprogram = "idle"\n'
    )

    def run() -> object:
        sim = Simulation(parse_preset(text, "redos.toml"))
        module: Any = sim.kernel.modules.get("earlyoom")  # earlyoom's own class
        task = next(t for t in sim.kernel.tasks.values() if t.comm == name)
        return f"score {module.score(task, sim.kernel.jiffies)}"

    return run


CASES: dict[str, tuple[Callable[[float], Callable[[], object]], str]] = {
    "toml preset": (case_toml_preset, "a preset: one dotted key of 40,000 parts (80 KB)"),
    "toml theme": (case_toml_theme, "a theme: a dotted key of 30,000 parts (60 KB)"),
    "postmortem": (case_postmortem, "`postmortem --print`, 10,000 reports (5.1 MB)"),
    "postmortem, varied": (
        functools.partial(case_postmortem, varied=True),
        "the same, each report with numbers of its own (5.1 MB)",
    ),
    **{
        f"regex: {name}": (_regex_case(unit, False, probe), f"{what}, 1 MB")
        for name, (unit, probe, what) in REGEXES.items()
    },
    **{
        f"plain: {name}": (_regex_case(unit, True, probe), "the same, on 1 MB of plain text")
        for name, (unit, probe, _) in REGEXES.items()
    },
    "ls": (case_ls, "`ls /proc`, 30,000 tasks"),
    "redos": (case_redos, "earlyoom's `prefer=((((a+)+)+)+)+$` on `aaaaaaaaaaaaaa!`"),
}


def child(name: str, scale: float) -> None:
    """One case: the first run's memory; its time, or under a second the best of five."""
    make = CASES[name][0]
    run = make(scale)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(4 if elapsed < 1 else 0):
        start = time.perf_counter()
        run()
        elapsed = min(elapsed, time.perf_counter() - start)
    print(json.dumps({"time": elapsed, "memory": (peak - before) * 1024, "result": str(result)}))


# ------------------------------------------------------------------ the parent
def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def measure(root: Path, name: str, scale: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", name, "--scale", str(scale)]
    # The checkout first; a path already given stays after it (e.g. the site-packages of a
    # virtual environment, for a distribution's Python that cannot install the libraries).
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "MOOMTUI_BENCH_ROOT": str(root)}
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            preexec_fn=_limits,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"time": None, "memory": None, "result": f"> {TIMEOUT} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["?"]
        over = "MemoryError" in done.stderr or "Cannot allocate" in done.stderr
        return {"time": None, "memory": None, "result": "> 2 GB" if over else tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _time(m: dict[str, Any]) -> str:
    if m["time"] is None:
        return m["result"]
    t = m["time"]
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def _memory(m: dict[str, Any]) -> str:
    if m["memory"] is None:
        return "—"
    return f"{m['memory'] / MB:.1f} MB"


def _ratio(full: dict[str, Any], quarter: dict[str, Any]) -> str:
    """Full time over a quarter's: about 4 if linear. Under 20 ms the fixed costs (and a
    quarter of a line fitting in the processor's cache) make it meaningless: not shown."""
    if full["time"] is None or quarter["time"] is None or full["time"] < 0.02:
        return "—"
    return f"{full['time'] / quarter['time']:.1f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT, help="the checkout measured")
    p.add_argument("--before", type=Path, help="a checkout to measure first, for comparison")
    p.add_argument("--only", nargs="*", default=None, help="cases whose name starts so")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    ns = p.parse_args()
    if ns.child:
        sys.path.insert(0, os.environ.get("MOOMTUI_BENCH_ROOT", str(ROOT)))
        child(ns.child, ns.scale)
        return 0
    names = [n for n in CASES if not ns.only or any(n.startswith(o) for o in ns.only)]
    roots = ([("before", ns.before)] if ns.before else []) + [("after", ns.root)]
    head = "| case | input |"
    rule = "|------|-------|"
    for label, _ in roots:
        head += f" {label}: time | {label}: memory | {label}: ×4 input |"
        rule += "-----:|-----:|-----:|"
    print(head)
    print(rule)
    for name in names:
        row = f"| {name} | {CASES[name][1]} |"
        for _, root in roots:
            quarter = measure(root.resolve(), name, 0.25)
            # Past a limit at a quarter of the size, the whole size is past it too.
            full = quarter if quarter["time"] is None else measure(root.resolve(), name, 1.0)
            row += f" {_time(full)} | {_memory(full)} | {_ratio(full, quarter)} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
