"""Served sessions: the memory and CPU of each ``moomtui serve`` visitor, and of the server.

Starts ``python -m moomtui serve --port 0`` and connects ``--sessions`` visitors: websocket
clients that speak as the page's ``textual.js`` does (a terminal of ``--size`` cells) and
read every frame, as a browser would. ``--warmup`` seconds after they connected (the screen
is up within one; by 60 s Leaky Apache is out of memory and oom_kill is killing), for
``--seconds`` each, it samples from ``/proc``:

* each session's process (``python -m moomtui --served``): resident memory (``VmRSS``) and
  its peak (``VmHWM``), and CPU time over wall time, in % of one core;
* the server process alike;
* the bytes each visitor received per second;

first with the machine running (the default preset, Leaky Apache, at speed 1), then after
each visitor typed ``pause`` at the console.

With ``--ceiling SIZE`` it measures instead a session stopped at its memory ceiling: the
server runs with ``--session-memory SIZE``, two visitors connect, and one of them types
keys faster than its app can take them (60,000 a message; each waiting key costs the app a
few hundred bytes) until the server stops it. It prints how long that took, the memory the
server last read for that session, and what the other session and the server used
meanwhile (CPU over the whole flood, RSS and peak RSS). The server reads no more from a
browser than its app takes, so the flood is held back; a browser it does not read for 20 s
misses the websocket's heartbeat and is disconnected: a big ceiling (512M) is not reached
this way before that.

With ``--tour`` it follows one visitor through the screen's heaviest parts — help, ``boot
bench``, ``speed max``, the charts, help again — and prints its session's data memory
(``VmData``: what ``--session-memory`` limits, through ``RLIMIT_DATA``) after each: what the
floor of ``--session-memory`` must leave room for.

    python bench/web_session.py [--sessions 1,4] [--seconds 10] [--warmup 3] [--size 160x48]
    python bench/web_session.py --ceiling 128M
    python bench/web_session.py --tour

Linux only (``/proc``). Needs the web extra (``pip install '.[web]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of ``pid``, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
    hwm = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
    return rss / 1024, hwm / 1024


def data_mb(pid: int) -> float:
    """The data memory of ``pid`` (``VmData``, what ``RLIMIT_DATA`` limits), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmData:\s+(\d+) kB", status, re.M).group(1)) / 1024  # type: ignore[union-attr]


TOUR = (
    ("?", "help"),
    ("\x1b", "help closed"),
    (":boot bench\r", "boot bench (1,000 tasks)"),
    ("\x1b", ""),
    (":speed max\r", "speed max"),
    ("\x1b", ""),
    ("y", "the charts"),
    ("\x1b", "the charts closed"),
    ("?", "help again"),
)
"""Keys (as the page sends them) and what they open; "" for a step not reported."""


async def tour(url: str, server: int, size: str) -> None:
    width, height = (int(n) for n in size.split("x"))
    ws_url = url.replace("http:", "ws:", 1) + f"/ws?width={width}&height={height}"
    async with aiohttp.ClientSession() as http:
        visitor = Visitor(await http.ws_connect(ws_url, max_msg_size=0))
        reader = asyncio.create_task(visitor.read())
        await asyncio.sleep(3)
        (pid,) = session_pids(server)
        print(f"  started{'':27} {data_mb(pid):6.1f} MB")
        for keys, what in TOUR:
            await visitor.type(keys)
            await asyncio.sleep(2)
            if what:
                print(f"  {what:<34} {data_mb(pid):6.1f} MB")
        await visitor.socket.close()
        reader.cancel()


@dataclass
class Visitor:
    """A page's websocket: sends keys, reads (and counts) every frame."""

    socket: aiohttp.ClientWebSocketResponse
    received: int = 0
    frames: int = 0

    async def read(self) -> None:
        async for message in self.socket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += len(message.data)
                self.frames += 1

    async def type(self, text: str) -> None:
        await self.socket.send_json(["stdin", text])


def start_server(folder: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(folder)}
    seats = ["--max-sessions", "64", "--seats-per-client", "64"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moomtui", "serve", "--port", "0", *seats, *options],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.match(r"moomtui serve: (http://\S+)", line)
    if match is None:
        proc.kill()
        raise RuntimeError(f"the server did not start: {line}{proc.stdout.read()}")
    return proc, match.group(1)


def session_pids(server: int) -> list[int]:
    """The server's children: one per session."""
    children = Path(f"/proc/{server}/task/{server}/children").read_text().split()
    return [int(pid) for pid in children]


def sample(pids: list[int], seconds: float) -> dict[int, tuple[float, float, float]]:
    """CPU % of one core, RSS and peak RSS (MB) of each pid over ``seconds``."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    start = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - start
    return {pid: (100 * (cpu_seconds(pid) - before[pid]) / wall, *memory_mb(pid)) for pid in pids}


async def measure(
    url: str, server: int, sessions: int, seconds: float, warmup: float, size: str
) -> None:
    width, height = (int(n) for n in size.split("x"))
    ws_url = url.replace("http:", "ws:", 1) + f"/ws?width={width}&height={height}"
    async with aiohttp.ClientSession() as http:
        visitors = []
        for _ in range(sessions):
            socket = await http.ws_connect(ws_url, max_msg_size=0)
            await socket.send_json(["resize", {"width": width, "height": height}])
            visitors.append(Visitor(socket))
        readers = [asyncio.create_task(v.read()) for v in visitors]
        await asyncio.sleep(warmup)
        pids = session_pids(server)
        assert len(pids) == sessions, (pids, sessions)
        for phase in ("running", "paused"):
            if phase == "paused":
                for visitor in visitors:
                    await visitor.type(":")
                await asyncio.sleep(0.5)
                for visitor in visitors:
                    await visitor.type("pause\r")
                await asyncio.sleep(1)
            received = [v.received for v in visitors]
            figures = await asyncio.to_thread(sample, [*pids, server], seconds)
            pairs = zip(visitors, received, strict=True)
            rates = [(v.received - before) / seconds / 1024 for v, before in pairs]
            report(phase, sessions, pids, server, figures, rates)
        for visitor in visitors:
            await visitor.socket.close()
        for reader in readers:
            reader.cancel()


def report(
    phase: str,
    sessions: int,
    pids: list[int],
    server: int,
    figures: dict[int, tuple[float, float, float]],
    rates: list[float],
) -> None:
    cpu = [figures[pid][0] for pid in pids]
    rss = [figures[pid][1] for pid in pids]
    hwm = [figures[pid][2] for pid in pids]
    s_cpu, s_rss, _ = figures[server]
    print(
        f"{sessions:>2} session{'s' if sessions > 1 else ' '} {phase:<8}"
        f" | per session: CPU {statistics.mean(cpu):5.1f} % (max {max(cpu):5.1f})"
        f", RSS {statistics.mean(rss):5.1f} MB (peak {max(hwm):5.1f})"
        f", {statistics.mean(rates):6.1f} kB/s to the browser"
        f" | server: CPU {s_cpu:5.1f} %, RSS {s_rss:5.1f} MB"
    )


async def ceiling(url: str, server: int, size: str) -> None:
    """One visitor floods its session with keys until the server stops it at ``size``."""
    ws_url = url.replace("http:", "ws:", 1) + "/ws?width=80&height=24"
    async with aiohttp.ClientSession() as http:
        other = Visitor(await http.ws_connect(ws_url, max_msg_size=0))
        hog = Visitor(await http.ws_connect(ws_url, max_msg_size=0))
        readers = [asyncio.create_task(v.read()) for v in (other, hog)]
        await asyncio.sleep(3)
        other_pid, _ = session_pids(server)  # in the order they started
        before = {pid: cpu_seconds(pid) for pid in (other_pid, server)}
        start = time.monotonic()
        keys = "z" * 60_000
        while not readers[1].done():
            try:
                await asyncio.wait_for(hog.type(keys), 5)
            except (ConnectionError, TimeoutError):
                break
            await asyncio.sleep(0.01)
        await readers[1]
        took = time.monotonic() - start
        cpu = {pid: 100 * (cpu_seconds(pid) - before[pid]) / took for pid in before}
        other_rss, other_hwm = memory_mb(other_pid)
        server_rss, server_hwm = memory_mb(server)
        await other.socket.close()
        readers[0].cancel()
    print(
        f"ceiling {size}: the flooding session was stopped {took:.1f} s after its first key"
        f" | the other session meanwhile: CPU {cpu[other_pid]:.1f} %, RSS {other_rss:.1f} MB"
        f" (peak {other_hwm:.1f}) | server: CPU {cpu[server]:.1f} %,"
        f" RSS {server_rss:.1f} MB (peak {server_hwm:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,4", help="visitors at once, e.g. 1,4")
    parser.add_argument("--seconds", type=float, default=10, help="length of each sample")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before sampling")
    parser.add_argument("--size", default="160x48", help="terminal size in cells, WxH")
    parser.add_argument("--ceiling", metavar="SIZE", help="a session stopped at this memory")
    parser.add_argument("--tour", action="store_true", help="one session's memory, step by step")
    args = parser.parse_args()
    if args.tour:
        print(f"python {platform.python_version()}; a session's data memory (VmData)")
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_server(Path(tmp))
            try:
                asyncio.run(tour(url, proc.pid, args.size))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
        return 0
    if args.ceiling:
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_server(Path(tmp), "--session-memory", args.ceiling)
            try:
                asyncio.run(ceiling(url, proc.pid, args.ceiling))
            finally:
                proc.send_signal(signal.SIGTERM)
                log, _ = proc.communicate(timeout=30)
            stopped = re.search(r"stopped: it used its share of memory \((\S+) of", log)
            print(f"  the server read {stopped.group(1) if stopped else '?'} for it last")
            if stopped is None:  # not stopped for memory: say what happened instead
                print("  the server's log:\n" + log)
        return 0
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"terminal {args.size}; CPU in % of one core over {args.seconds:g} s, "
        f"from {args.warmup:g} s after connecting"
    )
    for sessions in (int(n) for n in args.sessions.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_server(Path(tmp))
            try:
                asyncio.run(measure(url, proc.pid, sessions, args.seconds, args.warmup, args.size))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
