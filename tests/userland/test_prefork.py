"""The prefork server: it keeps N workers running the child program with its ``child_*``
arguments, and replaces the dead ones."""

from __future__ import annotations

import pytest

from moomtui.kernel import TaskSpec
from moomtui.kernel.constants import SIGKILL
from moomtui.userland import PROGRAMS, ProgramArgError
from moomtui.userland.programs import Leak, Prefork

from ..fixtures import machine


def server(**args: object) -> TaskSpec:
    return TaskSpec("httpd", pid=300, program="prefork", args={"jitter": 0, **args})


def workers(k: object) -> list:
    return [t for t in k.tasks.values() if t.ppid == 300 and not t.dead]  # type: ignore[attr-defined]


def test_workers_run_the_child_program_with_its_arguments() -> None:
    k = machine(server(children=3, child="leak", child_rate="8K/s", child_limit="64K"))
    k.run_for(2)
    running = workers(k)
    assert len(running) == 3
    programs = [t.program for t in running]
    assert all(isinstance(p, Leak) for p in programs)
    assert {(p.args["rate"], p.args["limit"]) for p in programs} == {(2, 16)}  # type: ignore[union-attr]


def test_a_dead_worker_is_replaced_after_the_respawn_delay() -> None:
    k = machine(server(children=2, child="idle", respawn="1s"))
    k.run_for(2)
    victim = workers(k)[0]
    k.send_sig(victim, SIGKILL)
    k.run_for(50)
    assert len(workers(k)) == 1
    k.run_for(60)
    assert len(workers(k)) == 2 and victim.pid not in [t.pid for t in workers(k)]


def test_the_child_arguments_are_checked_when_the_server_is_made() -> None:
    with pytest.raises(ProgramArgError) as err:
        Prefork({"child": "hog", "child_rate": "fast"})
    assert err.value.key == "child_rate"


def test_workers_get_the_parsed_child_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server parsed them once; each worker is handed the result, not text."""
    srv = Prefork({"child": "leak", "child_rate": "4K/s"})
    calls: list[object] = []
    real = Leak.parse_args.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Leak], raw: dict[str, object]) -> dict[str, object]:
        calls.append(raw)
        return real(cls, raw)

    monkeypatch.setattr(Leak, "parse_args", classmethod(spy))
    worker = PROGRAMS["leak"](parsed=srv.args["_child_args"])
    assert calls == [] and worker.args["rate"] == 1
