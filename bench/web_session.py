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

    python bench/web_session.py [--sessions 1,4] [--seconds 10] [--warmup 3] [--size 160x48]

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


def start_server(folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(folder)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moomtui", "serve", "--port", "0", "--max-sessions", "64"],
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,4", help="visitors at once, e.g. 1,4")
    parser.add_argument("--seconds", type=float, default=10, help="length of each sample")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before sampling")
    parser.add_argument("--size", default="160x48", help="terminal size in cells, WxH")
    args = parser.parse_args()
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
