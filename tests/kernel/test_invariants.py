"""Property tests: random machines and random operations keep every invariant, every tick."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moomtui.kernel import TaskSpec
from moomtui.kernel.constants import SIGKILL, SIGTERM

from ..fixtures import machine

PROGRAMS = st.sampled_from(
    [
        ("idle", {}),
        ("hog", {"rate": "512K/s", "limit": "2M"}),
        ("leak", {"rate": "256K/s"}),
        ("batch", {"size": "1M", "work": "1s", "pause": "1s", "io": "256K"}),
        ("forkbomb", {"interval": "500ms"}),
        ("prefork", {"children": 2, "child": "leak", "child_rate": "128K/s"}),
        ("threaded", {"threads": 2, "rate": "128K/s", "limit": "1M"}),
        ("database", {"size": "2M"}),
    ]
)


@st.composite
def task_specs(draw):
    program, args = draw(PROGRAMS)
    rss = draw(st.integers(0, 64))
    return TaskSpec(
        comm=program[:15],
        uid=draw(st.sampled_from([0, 1000])),
        nice=draw(st.integers(-20, 19)),
        total_vm=rss + draw(st.integers(0, 512)),
        rss=rss,
        threads=draw(st.integers(1, 3)),
        program=program,
        args=dict(args),
    )


OPS = st.lists(
    st.tuples(
        st.sampled_from(["run", "kill", "term", "fork", "fault", "munmap", "renice", "nice0"]),
        st.integers(0, 10_000),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tasks=st.lists(task_specs(), min_size=1, max_size=5),
    ops=OPS,
    swap=st.sampled_from([0, 512, 4096]),
    killer=st.sampled_from(["y", "n"]),
)
def test_random_workloads_keep_every_invariant(tasks, ops, swap, killer) -> None:
    k = machine(*tasks, ram_pages=4096, swap_pages=swap, kconfig={"CONFIG_OOM_KILL": killer})
    assert k.check_invariants() == []
    for op, n in ops:
        live = [t for t in k.tasks.values() if not t.dead and t.mm is not None and t.pid > 1]
        target = live[n % len(live)] if live else None
        if op == "run":
            for _ in range(n % 150 + 1):
                k.tick()
                errors = k.check_invariants()
                assert errors == [], errors
        elif target is None:
            continue
        elif op == "kill":
            k.send_sig(target, SIGKILL)
        elif op == "term":
            k.send_sig(target, SIGTERM)
        elif op == "fork":
            k.fork(target, k.programs["idle"]())
        elif op == "fault":
            k.brk(target, n % 64)
            k.fault(target, n % 64)
        elif op == "munmap":
            k.munmap(target, n % 64)
        elif op == "renice":
            k.set_nice(target, n % 40 - 20)
        elif op == "nice0":
            k.set_nice(target, 0)
        assert k.check_invariants() == []
    k.run_for(300)
    assert k.check_invariants() == []
    for task in k.tasks.values():
        if task.dead:
            assert task.mm is None
