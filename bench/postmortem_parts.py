"""``postmortem --print``'s parts, run one after the other, for counting instructions.

Runs the parts of ``moomtui postmortem --print FILE`` up to the ``K``-th on a log, in this
process, without printing: 1 reading the log (:func:`moomtui.real.logread.read_blocks`),
2 the timeline, 3 rebuilding each machine, 4 judging it, 5 its text, 6 writing the text
through the safe stream as the command writes it (to stdout, made ``/dev/null``). The cost
of part ``K`` is a run to ``K`` less a run to ``K - 1``; per report, the same on two logs
of different sizes less each other::

    python -c "import sys; sys.path.insert(0, 'bench'); import hostile; \\
        open('r1k.txt', 'w').write(hostile.reports(1000))"   # and r2k.txt: 2000
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        python bench/postmortem_parts.py r2k.txt K     # less the same on r1k.txt, ÷ 1000

``valgrind`` counts instructions, which do not move with the machine's load as a clock does.
"""

from __future__ import annotations

import gc
import os
import sys

from moomtui.real.cli import CHUNK
from moomtui.real.logread import read_blocks
from moomtui.real.rebuild import rebuild_each
from moomtui.real.render import report_text
from moomtui.real.said import Said
from moomtui.real.timeline import Timeline
from moomtui.real.verdict import judge
from moomtui.text import SafeStream, one_line
from moomtui.userfiles import read_user_blocks

PARTS = ("read", "timeline", "rebuild", "judge", "text", "write")


def main(path: str, upto: int) -> None:
    gc.disable()  # as the command reads a log (moomtui/real/cli.py)
    log = read_blocks(read_user_blocks(path, block=1 << 20, limit=1 << 36))
    gc.enable()
    gc.freeze()  # as the command does once the log is read
    if upto >= 2:
        "\n".join(Timeline.of(log).lines(one_line))
    if upto < 3:
        return
    said = Said()
    if upto >= 6:  # stdout into /dev/null, as the command's "> /dev/null"
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    out = SafeStream(sys.stdout)
    chunk: list[str] = []  # written as the command writes them (moomtui/real/cli.py)
    size = 0
    for i, machine in enumerate(rebuild_each(log, path)):
        if upto >= 4:
            j = judge(machine)
            if upto >= 5:
                text = report_text(j, None, said, i + 1)
                if upto >= 6:
                    chunk.append(f"\n{text}" if i else text)
                    size += len(text)
                    if size >= CHUNK:
                        out.write("".join(chunk))
                        chunk.clear()
                        size = 0
    if upto >= 6:
        out.write("".join(chunk))
        out.flush()


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[2].isdigit() or not 1 <= int(sys.argv[2]) <= 6:
        sys.exit(f"usage: python bench/postmortem_parts.py FILE K (K: 1 to 6, {', '.join(PARTS)})")
    main(sys.argv[1], int(sys.argv[2]))
