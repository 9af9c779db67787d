"""Memory gauges and the OOM heuristic meter.

* RAM split into kernel / anon / page cache / free, and a zoom on free memory against the
  three watermarks (they are a few percent of RAM, too thin to see on the RAM bar).
* Swap used / free.
* Sparklines of free memory and swap use over the last minute of simulated time.

The RAM bar and the swap bar end with the same figure, each one's total; what is in each
(kernel, anon, cache, free; used, free) is told by its legend, one column under the other.

On a short screen the legends and the sparklines give way first, so that the module panel
below keeps room: the side column itself never scrolls.
* For each loaded killer, the statics of ``out_of_memory_killer``: the failures counted
  (``count`` must reach 10), the time since ``first`` (must be ≥ 1 s), the time since the last
  kill (must be ≥ 5 s) and the swap check (any free swap slot means "not OOM") — so the
  user sees why nothing was killed yet.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.widget import Widget

from ...kernel.constants import HZ
from ...kernel.units import format_size_short, format_tenths
from ..columns import since_jiffies
from .text_panel import TextPanel

if TYPE_CHECKING:
    from ...kernel import Kernel

SAMPLE_JIFFIES = HZ // 4
SPAN_SECONDS = 60
"""The simulated time a sparkline covers, whatever its width and the clock's speed: its
label says so."""
SPAN = SPAN_SECONDS * HZ
HISTORY = SPAN // SAMPLE_JIFFIES + 1
"""Samples kept: a minute's, one at most every :data:`SAMPLE_JIFFIES` (a fast clock takes
one a frame, further apart)."""
SPARK = "▁▂▃▄▅▆▇█"
LABEL = 6
MODULES_ROOM = 9
"""Rows the module panel keeps under the memory panel (its frame and seven lines)."""


def split_cells(width: int, parts: list[int]) -> list[int]:
    """Cells for each part so they add up to ``width`` (largest remainder; a part > 0 gets
    at least one cell when there is room)."""
    total = sum(parts)
    if total <= 0 or width <= 0:
        return [0] * len(parts)
    exact = [p * width / total for p in parts]
    cells = [int(x) for x in exact]
    for i, p in enumerate(parts):
        if p > 0 and cells[i] == 0 and sum(cells) < width:
            cells[i] = 1
    order = sorted(range(len(parts)), key=lambda i: exact[i] - cells[i], reverse=True)
    i = 0
    while sum(cells) < width and order:
        cells[order[i % len(order)]] += 1
        i += 1
    while sum(cells) > width:
        biggest = max(range(len(cells)), key=lambda j: cells[j])
        cells[biggest] -= 1
    return cells


def sparkline(
    samples: list[tuple[int, int]],
    top: int,
    width: int,
    now: int,
    *,
    span: int = SPAN,
    worst: Callable[[list[int]], int] = min,
) -> str:
    """The ``span`` jiffies up to ``now`` in ``width`` cells, the newest at the right, from
    ``samples`` (``(ticks, value)``, oldest first): each cell the ``worst`` sample taken in
    its slice of the span (a dip of free memory shows however many samples a cell holds),
    else the last one taken before it (a fast clock samples once a frame), blank before the
    first sample. The span is ``span`` at any width and any speed: the label says how long."""
    if width <= 0:
        return ""
    out = []
    i, held = 0, None
    while i < len(samples) and samples[i][0] <= now - span:  # before the span: held since
        held = samples[i][1]
        i += 1
    for cell in range(width):
        end = now - span + (cell + 1) * span // width
        part = []
        while i < len(samples) and samples[i][0] <= end:
            part.append(samples[i][1])
            i += 1
        if part:
            value, held = worst(part), part[-1]
        elif held is not None:
            value = held
        else:
            out.append(" ")
            continue
        level = 0 if top <= 0 else min(len(SPARK) - 1, max(0, value * len(SPARK) // (top + 1)))
        out.append(SPARK[level])
    return "".join(out)


class MemoryView(TextPanel):
    """The gauges; redrawn only when the machine moved on."""

    STYLE_PREFIX = "memory"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "memory--anon",
        "memory--cache",
        "memory--free",
        "memory--kernel",
        "memory--swap",
        "memory--watermark",
        "memory--label",
        "memory--dim",
        "memory--ok",
        "memory--bad",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.free_history: deque[tuple[int, int]] = deque(maxlen=HISTORY)
        self.swap_history: deque[tuple[int, int]] = deque(maxlen=HISTORY)
        self._next_sample = 0
        self._kernel: Kernel | None = None
        self._boot = -1

    def sync(self, kernel: Kernel) -> None:
        if kernel is not self._kernel or kernel.boot != self._boot:
            self._kernel, self._boot = kernel, kernel.boot
            self.free_history.clear()
            self.swap_history.clear()
            self._next_sample = 0
        if kernel.ticks >= self._next_sample:
            self.free_history.append((kernel.ticks, kernel.vm.free))
            self.swap_history.append((kernel.ticks, kernel.vm.swap_used))
            self._next_sample = kernel.ticks + SAMPLE_JIFFIES
        vm = kernel.vm
        key = (
            id(kernel),
            kernel.ticks,
            kernel.boot,
            # what a command changes while the clock stands still: swapoff, a kill's exit
            (vm.free, vm.cache, vm.swap_total, vm.nr_swap_pages),
            self.size,
            self._room(),
            len(kernel.modules.loaded()),
        )
        if key != self._key:
            self._key = key
            self.show(self._build(kernel))

    def rewound(self, kernel: Kernel, past: list[tuple[int, int, int]]) -> None:
        """The run went back (``rewind``) to ``kernel``, a replay of it: the sparklines show
        the minute before the moment gone back to, not a fresh start. What this panel sampled
        up to that moment stays (on the same boot: the replay's ticks are the run's); the
        run's ``past`` — ``(ticks, free, swap used)`` of this boot, oldest first, from the
        screen's timeline — fills in what came before its first sample (a rewind of more
        than its minute leaves it none)."""
        now = kernel.ticks
        same = kernel.boot == self._boot
        kept = [(t, v) for t, v in self.free_history if same and t <= now]
        swap = [(t, v) for t, v in self.swap_history if same and t <= now]
        first = kept[0][0] if kept else now + 1
        older = [s for s in past if now - SPAN - SAMPLE_JIFFIES <= s[0] < first and s[0] >= 0]
        self.free_history.clear()
        self.swap_history.clear()
        self.free_history.extend([(t, free) for t, free, _ in older] + kept)
        self.swap_history.extend([(t, used) for t, _, used in older] + swap)
        last = self.free_history[-1][0] if self.free_history else now - SAMPLE_JIFFIES
        self._next_sample = last + SAMPLE_JIFFIES
        self._kernel, self._boot = kernel, kernel.boot
        self._key = ()
        self.sync(kernel)

    # ---------------------------------------------------------------------------- drawing
    def _build(self, k: Kernel) -> Text:
        width = max(24, self.size.width or 40)
        gauges = self._gauges(k, width)
        heuristics = self._heuristics(k, width)
        # The bars and the meter always; the legends and the sparklines only while they
        # leave the module panel below its room (the side column never scrolls).
        budget = self._room() - len(gauges["bars"]) - len(heuristics)
        shown: set[str] = set()
        for part in ("legend", "swap legend", "watermarks", "history"):
            if len(gauges[part]) <= budget:
                shown.add(part)
                budget -= len(gauges[part])
        ram, free, swap = gauges["bars"]
        lines = [ram]
        lines += gauges["legend"] if "legend" in shown else []
        lines.append(free)
        lines += gauges["watermarks"] if "watermarks" in shown else []
        lines.append(swap)
        lines += gauges["swap legend"] if "swap legend" in shown else []
        lines += gauges["history"] if "history" in shown else []
        lines += heuristics
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return Text("\n", no_wrap=True).join(lines)

    def _room(self) -> int:
        """Lines this panel may use: the side column's height less its own frame and what
        the module panel below needs to show a few policies."""
        parent = self.parent
        height = parent.size.height if isinstance(parent, Widget) else 0
        if height <= 0:
            return 1000
        return height - self.styles.gutter.height - MODULES_ROOM

    def _gauges(self, k: Kernel, width: int) -> dict[str, list[Text]]:
        """``bars`` (RAM, free against the watermarks, swap) and the optional ``legend``,
        ``swap legend``, ``watermarks`` and ``history`` lines."""
        vm = k.vm
        bar = width - LABEL - 7
        out: dict[str, list[Text]] = {
            "bars": [],
            "legend": [],
            "swap legend": [],
            "watermarks": [],
            "history": [],
        }
        # RAM: kernel | anon | page cache | free
        names = ("kernel", "anon", "cache", "free")
        parts = [vm.kernel_pages, vm.anon, vm.cache, vm.free]
        line = Text("RAM".ljust(LABEL), self._s("label"))
        for name, cells in zip(names, split_cells(bar, parts), strict=True):
            line.append(("░" if name == "free" else "█") * cells, self._s(name))
        line.append(f" {format_size_short(vm.totalram):>6}")
        out["bars"].append(line)
        legends = [
            [("kernel", vm.kernel_pages, "kernel"), ("anon", vm.anon, "anon")],
            [("cache", vm.cache, "cache"), ("free", vm.free, "free")],
        ]
        if vm.swap_total:
            legends.append([("used", vm.swap_used, "swap"), ("free", vm.nr_swap_pages, "free")])
        rows = self._legends(legends)
        out["legend"], out["swap legend"] = rows[:2], rows[2:]
        # free memory against the watermarks
        scale = max(4 * vm.pages_high, 1)
        fill = min(bar, vm.free * bar // scale)
        marks = {
            min(bar - 1, m * bar // scale) for m in (vm.pages_min, vm.pages_low, vm.pages_high)
        }
        line = Text("free".ljust(LABEL), self._s("label"))
        for cell in range(bar):
            if cell in marks:
                line.append("┃", self._s("watermark"))
            else:
                line.append("█" if cell < fill else "·", self._s("free" if cell < fill else "dim"))
        line.append(f" {format_size_short(vm.free):>6}")
        out["bars"].append(line)
        sizes = "/".join(format_size_short(p) for p in (vm.pages_min, vm.pages_low, vm.pages_high))
        out["watermarks"].append(
            Text(" " * LABEL).append(f"┃min/low/high {sizes}", self._s("watermark"))
        )
        # swap
        line = Text("Swap".ljust(LABEL), self._s("label"))
        if vm.swap_total:
            used, free = split_cells(bar, [vm.swap_used, vm.nr_swap_pages])
            line.append("█" * used, self._s("swap"))
            line.append("░" * free, self._s("free"))
            line.append(f" {format_size_short(vm.swap_total):>6}")  # the total, as RAM's
        else:
            line.append("none", self._s("dim"))
        out["bars"].append(line)
        # history over the last minute of simulated time (the worst moment of each cell:
        # the least free memory, the most swap used)
        label = f"free (last {SPAN_SECONDS}s) "
        spark = width - len(label)
        line = Text(label, self._s("label"))
        now = k.ticks
        history = list(self.free_history)
        line.append(sparkline(history, vm.totalram, spark, now), self._s("free"))
        out["history"].append(line)
        if vm.swap_total:
            line = Text(f"swap (last {SPAN_SECONDS}s) ", self._s("label"))
            history = list(self.swap_history)
            spark_line = sparkline(history, vm.swap_total, spark, now, worst=max)
            line.append(spark_line, self._s("swap"))
            out["history"].append(line)
        return out

    def _legends(self, rows: list[list[tuple[str, int, str]]]) -> list[Text]:
        """Legend lines under the bars: ``■name size`` in two columns, the second one
        aligned under the first whatever the sizes (``■kernel 128.6M  ■anon 7G``)."""
        cells = [[f"{name} {format_size_short(pages)}" for name, pages, _ in row] for row in rows]
        first = max((len(row[0]) for row in cells), default=0) + 2
        out = []
        for row, texts in zip(rows, cells, strict=True):
            line = Text(" " * LABEL)
            for i, ((_, _, style), text) in enumerate(zip(row, texts, strict=True)):
                line.append("■", self._s(style))
                line.append(text.ljust(first) if i == 0 else text, self._s("dim"))
            out.append(line)
        return out

    def _heuristics(self, k: Kernel, width: int) -> list[Text]:
        killers = [m for m in k.modules.loaded() if hasattr(m, "heuristic")]
        if not killers:
            chain = [nb.name for nb in k.oom.chain]
            if chain[:1] == ["oom_panic"]:  # first on the chain: nobody before it acts
                note = "oom_panic: panics at once"
            elif chain:
                note = "on the chain: " + ", ".join(chain)
            else:
                note = "no handler: nothing is killed"
            return [Text("OOM".ljust(LABEL), self._s("label")).append(note, self._s("dim"))]
        now = k.jiffies
        swap_free = k.vm.nr_swap_pages
        lines = []
        for module in killers:
            h = module.heuristic()
            count = min(h.get("count", 0), 10)
            first = since_jiffies(now, h.get("first", 0))
            kill = since_jiffies(now, h.get("lastkill", 0))
            line = Text(f"{module.name} ", self._s("label"))
            line.append("▮" * count, self._s("bad" if count >= 10 else "watermark"))
            line.append("▯" * (10 - count), self._s("dim"))
            # the C's count of calls (``if (++count < 10) return;``), not a blacklist's
            # strikes: said where it fits, beside oom_kill_parent's own oom_parent_max
            tally = f" {h.get('count', 0)}/10"
            if len(line) + len(tally) + len(" calls") <= width:
                tally += " calls"
            line.append(tally)
            lines.append(line)
            line = Text("  ")
            swap = ("swap full" if swap_free == 0 else "swap free") if width >= 40 else "swap"
            self._check(line, swap_free == 0, swap)
            line.append(" ")
            # The marks are the C's tests (jiffies against HZ, 5*HZ); the times are cut to a
            # tenth, never rounded up past them: 4.96 s reads 4.9s beside its ✗, not 5.0s.
            self._check(line, first >= HZ, f"1st {_secs(first)}")
            line.append(" ")
            self._check(line, kill >= 5 * HZ, f"kill {_secs(kill)}")
            lines.append(line)
        return lines

    def _check(self, out: Text, ok: bool, label: str) -> None:
        out.append(("✓" if ok else "✗") + label, self._s("ok" if ok else "bad"))


def _secs(jiffies: int) -> str:
    """A time since, for the meter: cut (not rounded) to what it shows, so that it agrees
    with the mark beside it."""
    if jiffies >= 600 * HZ:
        return ">10m"
    if jiffies < 100 * HZ:
        return f"{format_tenths(jiffies)}s"
    return f"{jiffies // HZ}s"
