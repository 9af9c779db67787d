"""Real machines at the shipped size: a 2,000-task report and a 2,000-process /proc.

1. A 2,000-task OOM report in 6.x's layout (``rss_anon rss_file rss_shmem``), written here
   with made-up numbers and dmesg timestamps: read, rebuilt and judged by every era and
   earlyoom (:func:`moomtui.real.report.read_log`, :func:`~moomtui.real.rebuild.rebuild_log`,
   :func:`~moomtui.real.verdict.judge`), in one process, best of ``--repeat``; then the whole
   command ``moomtui postmortem FILE --json`` in a fresh interpreter, next to
   ``python -c pass``.
2. A copy of ``/proc`` with 2,000 processes (``stat``, ``status``, ``oom_score_adj``) in a
   temporary folder: :func:`~moomtui.real.live.read_machine`, the verdicts and the JSON with
   every task's scores; then ``moomtui snapshot --proc DIR --json`` as a command.
3. This machine's own ``/proc`` (whatever runs on it), for scale.
4. The rebuilt machine as a preset and its validation with a trial boot (what opening the
   screen costs before the first frame).
5. ``--log-mb SIZE``: a synthetic kern.log of SIZE MB (a server's syslog, ``Mar 10 11:19:17
   web01 kernel: [ 8123.456789] …``: audit, firewall, file system and USB lines, now and
   then a warning's stack trace) with 200 small reports spread through it, written to a
   temporary file; then ``moomtui postmortem FILE --print`` in a fresh interpreter: MB/s
   and the peak resident memory of the process. ``--log-only`` runs this part alone.

    python bench/postmortem.py [--tasks 2000] [--repeat 5] [--log-mb 128] [--log-only]

Targets: a 2,000-task report or snapshot parses and scores in under a second (issue 14); a
kern.log is read at 50 MB/s or more, in memory that does not grow with it (issue 22).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moomtui.presets import parse_preset  # noqa: E402
from moomtui.real.live import read_machine  # noqa: E402
from moomtui.real.preset import machine_preset  # noqa: E402
from moomtui.real.rebuild import rebuild_log  # noqa: E402
from moomtui.real.render import report_json, snapshot_json  # noqa: E402
from moomtui.real.report import read_log  # noqa: E402
from moomtui.real.verdict import judge  # noqa: E402

ROW = "[%7d] %5d %5d %8d %8d %8d %8d %9d %8d %8d         %5d %s"
HEADER = (
    "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
    "swapents oom_score_adj name"
)
NAMES = ("php-fpm", "node", "python3", "postgres", "java", "nginx", "redis-server", "sshd")


def big_report(n: int, rng: random.Random) -> str:
    lines = [
        "php-fpm invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), "
        "order=0, oom_score_adj=0",
        "CPU: 7 PID: 3000 Comm: php-fpm Not tainted 6.8.0-50-generic #51-Ubuntu",
        "Mem-Info:",
        "active_anon:2000 inactive_anon:15800000 isolated_anon:0",
        " active_file:300 inactive_file:200 isolated_file:0",
        " free:40000 free_pcp:10 free_cma:0",
        "Free swap  = 0kB",
        "Total swap = 8388604kB",
        "16777216 pages RAM",
        "0 pages HighMem/MovableOnly",
        "280000 pages reserved",
        "Tasks state (memory values in pages):",
        HEADER,
    ]
    victim = (0, 0, "")  # the one with 900,000 pages: every era's choice
    for i in range(n):
        pid = 1000 + i * 7
        rss = rng.randrange(100, 20000)
        if i == n // 2:
            rss = 900000
        anon, shmem = rss - rss // 10, rss // 50
        swap, pgt = rng.randrange(0, 3000), (rss // 200 + 1) * 4096
        adj = 0 if i == n // 2 else rng.choice((0, 0, 0, -1000, -500))
        name = rng.choice(NAMES)
        if i == n // 2:
            victim = (pid, rss, name)
        lines.append(
            ROW
            % (pid, 1000, pid, rss * 3, rss, anon, rss - anon - shmem, shmem, pgt, swap, adj, name)
        )
    pid, rss, name = victim
    lines.append(
        f"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
        f"global_oom,task_memcg=/,task={name},pid={pid},uid=1000"
    )
    lines.append(
        f"Out of memory: Killed process {pid} ({name}) total-vm:{rss * 12}kB, "
        f"anon-rss:{rss * 4}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4kB "
        "oom_score_adj:0"
    )
    return "\n".join(f"[{123456.0 + k / 1e5:12.6f}] {line}" for k, line in enumerate(lines)) + "\n"


def fake_proc(root: Path, n: int, rng: random.Random) -> None:
    (root / "sys" / "kernel").mkdir(parents=True)
    (root / "sys" / "kernel" / "osrelease").write_text("6.8.0-50-generic\n")
    (root / "uptime").write_text("123456.78 234567.89\n")
    (root / "meminfo").write_text(
        "MemTotal:       65988864 kB\nMemFree:         1000000 kB\nSwapTotal:       8388604 kB\n"
        "SwapFree:        8000000 kB\n"
    )
    (root / "swaps").write_text("Filename Type Size Used Priority\n")
    for i in range(n):
        pid = 2 + i
        d = root / str(pid)
        d.mkdir()
        kthread = i < 50
        flags = 0x00208040 if kthread else 0x400100
        stat = ["S", "1", "1", "1", "0", "-1", str(flags), "0", "0", "0", "0"]
        stat += [str(rng.randrange(10**5)), str(rng.randrange(10**4)), "0", "0", "20", "0"]
        stat += ["4", "0", str(rng.randrange(10**6))] + ["0"] * 30
        comm = "kthreadd" if i == 0 else rng.choice(NAMES)
        (d / "stat").write_text(f"{pid} ({comm}) {' '.join(stat)}\n")
        status = f"Name:\t{comm}\nTgid:\t{pid}\nUid:\t1000\t1000\t1000\t1000\nThreads:\t4\n"
        status += "CapEff:\t0000000000000000\n"
        if not kthread:
            kb = rng.randrange(400, 80000)
            status += (
                f"VmSize:\t{kb * 3} kB\nVmRSS:\t{kb} kB\nRssAnon:\t{kb - kb // 10} kB\n"
                f"RssFile:\t{kb // 10} kB\nRssShmem:\t0 kB\nVmSwap:\t{kb // 20} kB\n"
                f"VmPTE:\t{(kb // 800 + 1) * 4} kB\n"
            )
        (d / "status").write_text(status)
        (d / "oom_score_adj").write_text(f"{rng.choice((0, 0, -1000, 300))}\n")


NOISE = (
    'audit: type=1400 audit({t}:{i}): apparmor="DENIED" operation="open" '
    'profile="snap.lxd.daemon" name="/proc/{i}/mounts" pid={i} comm="snap" requested_mask="r"',
    "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.{b} "
    "DST=192.0.2.10 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID={i} PROTO=TCP SPT=443 DPT=22 SYN",
    "IPv4: martian source 10.0.0.{b} from 10.0.0.1, on dev eth0",
    "EXT4-fs (sda1): re-mounted. Quota mode: none.",
    "usb 1-1: new high-speed USB device number {b} using xhci_hcd",
    "nf_conntrack: nf_conntrack: table full, dropping packet",
    "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.",
)
WARNING = (
    "------------[ cut here ]------------",
    "WARNING: CPU: 1 PID: {i} at net/core/dev.c:5000 netif_rx+0x1f/0x30",
    "CPU: 1 PID: {i} Comm: kworker/1:2 Not tainted 6.8.0-50-generic #51-Ubuntu",
    "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)",
    "RIP: 0010:netif_rx+0x1f/0x30",
    "Call Trace:",
    " <TASK>",
    " ? show_regs+0x6d/0x80",
    " </TASK>",
    "---[ end trace 0000000000000000 ]---",
)


def kern_log(path: Path, megabytes: int, reports: int, rng: random.Random) -> int:
    """A kern.log of about ``megabytes`` MB with ``reports`` small OOM reports spread evenly
    through it, written a block at a time; its size in bytes."""
    prefix = "Mar 10 11:19:{s:02d} web01 kernel: [{t:13.6f}] "
    lines, t = [], 8123.0
    for k in range(12000):  # one block of other messages, about 1.5 MB, written again and again
        t += 0.0137
        i, b = 1000 + k, k % 250
        messages = WARNING if k % 3000 == 2999 else (rng.choice(NOISE),)
        for m in messages:
            lines.append(prefix.format(s=k % 60, t=t) + m.format(t=t, i=i, b=b) + "\n")
    block = "".join(lines).encode()
    blocks = max(1, megabytes * 10**6 // len(block))
    every = blocks / reports
    victim = 4000
    small = [(300, "sshd", 0, -1000, 2000), (700, "cron", 0, 0, 900), (900, "php-fpm", 33, 0, 0)]
    written = 0
    with path.open("wb") as f:
        done = 0
        for n in range(blocks):
            f.write(block)
            written += len(block)
            while done < reports and done * every <= n + 1 - every:
                victim += 1
                rows = [*small, (victim, "php-fpm", 33, 0, 400000 + done)]
                text = "".join(
                    prefix.format(s=j % 60, t=t + 0.001 * j) + line + "\n"
                    for j, line in enumerate(_small_report(rows, victim))
                )
                f.write(text.encode())
                written += len(text)
                done += 1
    return written


def _small_report(rows: list[tuple[int, str, int, int, int]], victim: int) -> list[str]:
    header = HEADER.replace("[  pid  ]", "[  pid  ]")
    out = [
        "php-fpm invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), "
        "order=0, oom_score_adj=0",
        f"CPU: 0 PID: {victim} Comm: php-fpm Not tainted 6.8.0-50-generic #51-Ubuntu",
        "Mem-Info:",
        "active_anon:2000 inactive_anon:420000 isolated_anon:0",
        " free:9000 free_pcp:10 free_cma:0",
        "Free swap  = 0kB",
        "Total swap = 0kB",
        "524288 pages RAM",
        "12000 pages reserved",
        "Tasks state (memory values in pages):",
        header,
    ]
    for pid, name, uid, adj, rss in rows:
        rss = rss or 100
        out.append(ROW % (pid, uid, pid, rss * 2, rss, rss, 0, 0, 4096, 0, adj, name))
    out.append(
        "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
        f"global_oom,task_memcg=/,task=php-fpm,pid={victim},uid=33"
    )
    out.append(
        f"Out of memory: Killed process {victim} (php-fpm) total-vm:{rows[-1][4] * 8}kB, "
        f"anon-rss:{rows[-1][4] * 4}kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:4kB "
        "oom_score_adj:0"
    )
    return out


CHILD = """
import os, resource, sys, time
from moomtui.cli import main
start, cpu = time.perf_counter(), time.process_time()
with open(os.devnull, "w") as sink:
    saved, sys.stdout = sys.stdout, sink
    status = main(["postmortem", "--print", sys.argv[1]])
    sys.stdout = saved
took, cpu = time.perf_counter() - start, time.process_time() - cpu
print(status, took, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure_log(megabytes: int, reports: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "kern.log")
        start = time.perf_counter()
        size = kern_log(path, megabytes, reports, random.Random(22))
        made = time.perf_counter() - start
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.split()
        status, took, cpu, peak_kb = int(out[0]), float(out[1]), float(out[2]), int(out[3])
        assert status == 0
        floor = subprocess.run(
            [
                sys.executable,
                "-c",
                "import resource, moomtui.cli\n"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        print(
            f"kern.log of {size / 1e6:.0f} MB with {reports} reports (written in {made:.1f} s): "
            f"moomtui postmortem --print read it in {took:.2f} s, {size / 1e6 / took:.0f} MB/s "
            f"({cpu:.2f} s of CPU, {size / 1e6 / cpu:.0f} MB/s); "
            f"peak resident {peak_kb / 1024:.0f} MiB (the interpreter with moomtui imported: "
            f"{int(floor) / 1024:.0f} MiB)"
        )


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def command(argv: list[str], repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run() -> None:
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)

    return best(run, repeat)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--log-mb", type=int, default=128, metavar="SIZE")
    ap.add_argument("--log-only", action="store_true")
    args = ap.parse_args()
    if args.log_only:
        measure_log(args.log_mb, 200)
        return 0
    rng = random.Random(14)
    n, repeat = args.tasks, args.repeat
    print(f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "report.txt")
        text = big_report(n, rng)
        report.write_text(text)

        def postmortem() -> None:
            for m in rebuild_log(read_log(text), "report.txt"):
                report_json(judge(m))

        machine = rebuild_log(read_log(text), "report.txt")[0]
        assert len(machine.tasks) == n and judge(machine).matches is True
        print(
            f"report of {n} tasks ({len(text) // 1024} KiB): read, rebuilt, judged: "
            f"{best(postmortem, repeat) * 1000:.0f} ms"
        )
        floor = command([sys.executable, "-c", "pass"], repeat)
        cli = command(
            [sys.executable, "-m", "moomtui", "postmortem", str(report), "--json"], repeat
        )
        print(
            f"  moomtui postmortem FILE --json: {cli * 1000:.0f} ms "
            f"(python -c pass: {floor * 1000:.0f} ms)"
        )

        proc = Path(tmp, "proc")
        fake_proc(proc, n, rng)

        def snapshot() -> None:
            m = read_machine(proc, page_size=4096, clk_tck=100)
            snapshot_json(judge(m))

        assert len(read_machine(proc, page_size=4096, clk_tck=100).tasks) == n
        print(
            f"/proc copy of {n} processes: read, judged, every task scored: "
            f"{best(snapshot, repeat) * 1000:.0f} ms"
        )
        cli = command(
            [sys.executable, "-m", "moomtui", "snapshot", "--proc", str(proc), "--json"], repeat
        )
        print(f"  moomtui snapshot --proc DIR --json: {cli * 1000:.0f} ms")

        live = read_machine()
        own = best(lambda: snapshot_json(judge(read_machine())), repeat)
        print(f"this machine's /proc ({len(live.tasks)} processes): {own * 1000:.1f} ms")

        def preset() -> None:
            parse_preset(machine_preset(machine, "report.txt").text, "report.toml")

        print(
            f"the {n}-task report as a preset, validated with a trial boot: "
            f"{best(preset, repeat) * 1000:.0f} ms"
        )
    measure_log(args.log_mb, 200)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
