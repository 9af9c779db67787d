"""``show_free_areas()``'s lines per zone and per node, read for where the memory went and
what would have saved it: the zones' watermarks, the kernel stacks, the huge page pool.

* a zone's line (every kernel): ``Node 0 Normal free:48000kB min:45056kB low:56320kB
  high:67584kB … present:…kB managed:…kB …`` (``kernel_stack:…kB`` there from 2.6.32 to 5.8);
* a node's line (4.8 on): ``Node 0 active_anon:…kB … kernel_stack:…kB pagetables:…kB
  all_unreclaimable? no`` (``kernel_stack`` there from 5.9);
* ``hugetlb_show_meminfo()``: ``Node 0 hugepages_total=16 hugepages_free=4
  hugepages_surp=0 hugepages_size=2048kB``.

Each is summed over the zones and nodes into one mapping, in kB: ``free``, ``min``, ``low``,
``high`` (from the lines with watermarks), ``kernel_stack``, ``hugepages`` (the pool) and
``hugepages_free``.
"""

from __future__ import annotations

from ..patterns import anchored, scanning

NODE = anchored(r"Node \d+ ")
"""Where such a line starts (the buddy lists, ``Node 0 DMA: 1*4kB …``, are read before)."""
_KB = scanning(r"(?<!\w)(\w+)[:=](\d+)kB")
_COUNTS = scanning(r"(?<!\w)(hugepages_total|hugepages_free)=(\d+)")
_ZONE_KEYS = frozenset({"free", "min", "low", "high", "kernel_stack"})


def node_line(text: str, sums: dict[str, int]) -> bool:
    """Add a zone's, a node's or a node's huge pages' line to ``sums``; whether it was one."""
    kb = dict(_KB.findall(text))
    if "hugepages_size" in kb:
        counts = dict(_COUNTS.findall(text))
        size = int(kb["hugepages_size"])
        for key, name in (("hugepages_total", "hugepages"), ("hugepages_free", "hugepages_free")):
            sums[name] = sums.get(name, 0) + int(counts.get(key, 0)) * size
        return True
    found = False
    watermarks = "min" in kb
    for key, value in kb.items():
        if key in _ZONE_KEYS and (watermarks or key == "kernel_stack"):
            sums[key] = sums.get(key, 0) + int(value)
            found = True
    return found
