"""How fast the screen is: frames per second, key latency, and the process view's render cost.

    python bench/tui_frame.py [--tasks 2000] [--speed 10] [--seconds 5] [--charts]

1. With ``--tasks`` tasks (idle daemons, prefork servers with leaky children and batch jobs;
   oom_kill loaded, so tasks fork and die) running at ``--speed`` for ``--seconds`` of wall
   time in a 200×60 headless terminal: frames the app refreshed, times the process view was
   actually painted, and simulated seconds per wall second.
2. The latency of a key press while the machine runs: a cursor key (the view redraws) and
   ``.`` (one jiffy through the shell), :data:`PRESSES` of each, posted to the app as a
   terminal's input thread posts them (``App.simulate_key``: a ``Key`` event on the app's
   queue) at random intervals of 20–150 ms (seeded), timed from the post to the first paint
   after the key's action; median and 95th percentile. Not ``Pilot.press``: after each key
   it waits for the screen to settle by polling the loop (about 2 s a key on a screen this
   busy), on the same loop as the keys it would time.
3. The process view's render cost: the time to render every visible line (``render_line``
   for each row of a 60-row view) and to rebuild the rows, at 100 and at 5,000 tasks; and
   the time to mend the rows in place after a fork or an exit (``--render-only``: this
   part alone).

``--charts``: parts 1 and 2 with the history charts open over the panels (key ``y``):
the charts' redraws are counted too, and the key is ``.`` alone (the cursor key moves
nothing under the charts); the cursor key is then timed on the panels after they close,
the charts' timeline still fed every frame.

Prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moomtui.kernel.bootspec import BootSpec, TaskSpec
from moomtui.kernel.constants import HZ
from moomtui.presets import Scenario
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp
from moomtui.tui.components.process_view import ProcessView

SIZE = (200, 60)
PRESSES = 60


def scenario(tasks: int) -> Scenario:
    """About ``tasks`` tasks: mostly sleeping daemons, plus servers whose children leak."""
    servers, children = max(1, min(10, tasks // 20)), 9
    batches = servers
    daemons = max(1, tasks - servers * (children + 1) - batches - 6)
    specs = [TaskSpec(comm=f"daemon{i}", uid=1, total_vm=16, rss=8) for i in range(daemons)]
    specs += [
        TaskSpec(
            comm="server",
            total_vm=256,
            rss=64,
            program="prefork",
            args={
                "children": children,
                "child": "leak",
                "child_rate": "64K/s",
                "child_ws": "64K",
                "respawn": "2s",
            },
        )
        for _ in range(servers)
    ]
    specs += [
        TaskSpec(comm="batch", uid=1000, total_vm=64, rss=16, program="batch",
                 args={"size": "2M", "work": "5s", "pause": "3s"})
        for _ in range(batches)
    ]  # fmt: skip
    spec = BootSpec(
        name="tui-bench",
        ram_pages=65536,
        jiffies=360000,
        seed=7,
        kconfig={"CONFIG_OOM_PANIC": "m", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"},
        modules=["oom_kill"],
        tasks=specs,
    )
    return Scenario(name="tui bench", description="bench/tui_frame.py", source="bench", spec=spec)


def make_app(tasks: int, speed: float, paused: bool, history: Path) -> MoomApp:
    return MoomApp(Simulation(scenario(tasks)), speed=speed, paused=paused, history_path=history)


class Probe:
    """Counts what the app paints and times a key from press to the first paint after it."""

    def __init__(self, app: MoomApp) -> None:
        self.paints = 0
        self.lines = 0
        self.pressed: float | None = None
        self.handled: float | None = None
        self.painted: float | None = None
        display, render_line = app._display, ProcessView.render_line
        probe = self

        def counting_display(screen, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None:
                probe.paints += 1
                if probe.handled is not None and probe.painted is None:
                    probe.painted = time.perf_counter()
            return display(screen, renderable)

        def counting_render_line(view: ProcessView, y: int):  # type: ignore[no-untyped-def]
            probe.lines += 1
            return render_line(view, y)

        app._display = counting_display  # type: ignore[method-assign]
        ProcessView.render_line = counting_render_line  # type: ignore[method-assign]
        self._restore = lambda: setattr(ProcessView, "render_line", render_line)
        for cls, name in ((ProcessView, "select_row"), (MoomApp, "run_command")):
            original = getattr(app if cls is MoomApp else cls, name)

            def marked(*args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
                result = _original(*args, **kwargs)
                if probe.pressed is not None and probe.handled is None:
                    probe.handled = time.perf_counter()
                return result

            setattr(app if cls is MoomApp else cls, name, marked)

    def close(self) -> None:
        self._restore()


async def frames_and_latency(
    tasks: int, speed: float, seconds: float, history: Path, charts: bool = False
) -> None:
    app = make_app(tasks, speed, paused=False, history=history)
    select_row = ProcessView.select_row
    async with app.run_test(size=SIZE) as pilot:
        probe = Probe(app)
        try:
            await pilot.pause(0.5)
            if charts:
                app.show_charts()
                await pilot.pause(0.3)
            screen = app.screen
            draws0 = getattr(screen, "draws", 0)
            frames0, paints0, lines0, ticks0 = app.frames, probe.paints, probe.lines, app.sim.ticks
            start, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(seconds)
            wall = time.perf_counter() - start
            cpu = time.process_time() - cpu
            simulated = (app.sim.ticks - ticks0) / HZ
            print(f"{len(app.kernel.tasks)} tasks at {speed:g}x for {wall:.1f} s wall, {SIZE}:")
            print(
                f"  frames refreshed     {(app.frames - frames0) / wall:6.1f} /s "
                f"(timer at {app.FRAME_RATE}/s)"
            )
            print(f"  screen updates       {(probe.paints - paints0) / wall:6.1f} /s")
            if charts:
                draws = getattr(screen, "draws", 0) - draws0
                print(f"  charts redrawn       {draws / wall:6.1f} /s")
            print(f"  task rows repainted  {(probe.lines - lines0) / wall:6.1f} /s")
            print(f"  simulated time       {simulated / wall:6.2f} s per wall second")
            print(f"  CPU used             {100 * cpu / wall:6.1f} % of one core")
            keys = [("down", "cursor key"), ("full_stop", "'.' (step via shell)")]
            if charts:
                keys = [keys[1], ("y", None), keys[0]]  # '.' on the charts, then closed
            for key, label in keys:
                if label is None:
                    await pilot.press(key)
                    await pilot.pause(0.3)
                    continue
                latencies, unpainted = [], 0
                spacing = random.Random(7)
                for _ in range(PRESSES):
                    await asyncio.sleep(spacing.uniform(0.02, 0.15))
                    probe.pressed = time.perf_counter()
                    probe.handled = probe.painted = None
                    app.simulate_key(key)
                    for _ in range(250):
                        if probe.painted is not None:
                            break
                        await asyncio.sleep(0.002)
                    if probe.painted is not None:
                        latencies.append(probe.painted - probe.pressed)
                    else:
                        unpainted += 1
                    probe.pressed = None
                latencies.sort()
                p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
                median = statistics.median(latencies)
                print(
                    f"  key {label:<21} press→paint median {median * 1000:5.1f}"
                    f" ms, p95 {p95 * 1000:5.1f} ms ({len(latencies)} keys"
                    + (f", {unpainted} not painted within 0.5 s)" if unpainted else ")")
                )
        finally:
            probe.close()
            ProcessView.select_row = select_row  # type: ignore[method-assign]


async def render_cost(tasks: int, history: Path) -> None:
    app = make_app(tasks, 1.0, paused=True, history=history)
    async with app.run_test(size=SIZE) as pilot:
        app.driver.step(5 * HZ)
        app.refresh_frame()
        await pilot.pause()
        view = app.query_one(ProcessView)
        height = view.scrollable_content_region.height
        renders, rebuilds = [], []
        for _ in range(20):
            view._shown = {}  # no cached row text: build every cell of every line
            t0 = time.perf_counter()
            for y in range(height):
                view.render_line(y)
            renders.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            view.invalidate()
            rebuilds.append(time.perf_counter() - t0)
        print(
            f"{len(app.kernel.tasks):5d} tasks: render {height} visible lines "
            f"{statistics.median(renders) * 1000:6.2f} ms, "
            f"rebuild rows {statistics.median(rebuilds) * 1000:6.2f} ms (median of 20)"
        )
        if hasattr(view.model, "update"):
            print(f"{'':11} mend rows after {mend_cost(app, view)}")


def mend_cost(app: MoomApp, view: ProcessView) -> str:
    """Median time of the rows' update after a fork (a child of a server, and a task under
    init) and after an exit and a reap, each as the next frame takes it in."""
    k, tracker, model = app.kernel, app.tracker, view.model
    server = next(t for t in k.tasks.values() if t.comm == "server" and t.children)
    idle = k.programs["idle"]
    times: dict[str, list[float]] = {"a fork": [], "a fork under init": [], "an exit": []}

    def frame(what: str) -> None:
        tracker.settle()
        touched, whole = tracker.take()
        assert not whole and model.can_update()
        t0 = time.perf_counter()
        model.update(k, tracker.ghosts, view.ctx, touched)
        times[what].append(time.perf_counter() - t0)

    for _ in range(20):
        child = k.fork(server, idle())
        frame("a fork")
        other = k.spawn(idle(), comm="shell")
        frame("a fork under init")
        for task in (child, other):
            if task is not None:
                k.do_exit(task)
        k.run_for(2)
        frame("an exit")
    return ", ".join(f"{what} {statistics.median(ts) * 1000:.2f} ms" for what, ts in times.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--render-only", action="store_true", help="only the render cost")
    parser.add_argument("--charts", action="store_true", help="with the history charts open")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history"
        if not args.render_only:
            asyncio.run(
                frames_and_latency(args.tasks, args.speed, args.seconds, history, args.charts)
            )
        print("process view render cost:")
        for tasks in (100, 5000):
            asyncio.run(render_cost(tasks, history))


if __name__ == "__main__":
    main()
