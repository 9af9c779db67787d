from __future__ import annotations

import pytest

from moomtui.kernel.errno import ENOENT
from moomtui.kernel.notifier import NOTIFY_BAD, NOTIFY_DONE, NOTIFY_OK, NotifierBlock
from moomtui.kernel.oom_notifier import OUT_OF_MEMORY, OomNotifier


class Panic(Exception):
    pass


def handler(calls: list[str], name: str, ret: int = 0) -> NotifierBlock:
    def oom_notify(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        return ret

    return NotifierBlock(oom_notify, name=name)


def test_out_of_memory_flag_is_one() -> None:
    """``#define OUT_OF_MEMORY 0x00001``"""
    assert OUT_OF_MEMORY == 0x1


def test_out_of_memory_with_no_handler_calls_nothing_and_returns_done() -> None:
    """``static struct notifier_block * oom_notify_list = 0;`` — an empty chain."""
    oom = OomNotifier()
    assert oom.chain == ()
    assert oom.out_of_memory() == NOTIFY_DONE


def test_out_of_memory_passes_out_of_memory_and_null_to_each_handler() -> None:
    """``notifier_call_chain(&oom_notify_list, OUT_OF_MEMORY, 0);``"""
    seen: list[tuple[int, object]] = []

    def oom_notify(nb: NotifierBlock, val: int, v: object) -> int:
        seen.append((val, v))
        return 0

    oom = OomNotifier()
    oom.register_oom_notifier(NotifierBlock(oom_notify, name="oom_kill"))
    oom.out_of_memory()
    assert seen == [(OUT_OF_MEMORY, None)]


def test_every_loaded_handler_runs_on_every_call_in_load_order() -> None:
    """``static int oom_notify(...) { out_of_memory_killer(); return 0; }`` — priority 0 and
    return 0, so nobody stops the chain."""
    oom = OomNotifier()
    calls: list[str] = []
    for name in ("oom_kill", "oom_kill_parent", "oom_panic"):
        assert oom.register_oom_notifier(handler(calls, name)) == 0
    oom.out_of_memory()
    oom.out_of_memory()
    assert calls == ["oom_kill", "oom_kill_parent", "oom_panic"] * 2
    assert [nb.name for nb in oom.chain] == ["oom_kill", "oom_kill_parent", "oom_panic"]


def test_out_of_memory_returns_the_chain_value() -> None:
    """``if(ret&NOTIFY_STOP_MASK) return ret;`` — a vetoing handler's value comes back."""
    oom = OomNotifier()
    calls: list[str] = []
    oom.register_oom_notifier(handler(calls, "ok", NOTIFY_OK))
    oom.register_oom_notifier(handler(calls, "veto", NOTIFY_BAD))
    oom.register_oom_notifier(handler(calls, "never"))
    assert oom.out_of_memory() == NOTIFY_BAD
    assert calls == ["ok", "veto"]


def test_unregister_returns_minus_enoent_for_a_handler_never_registered() -> None:
    """``err = notifier_chain_unregister(&oom_notify_list, nb); ... return err;``"""
    oom = OomNotifier()
    assert oom.unregister_oom_notifier(handler([], "oom_kill")) == -ENOENT


def test_unregistered_handler_is_not_called() -> None:
    oom = OomNotifier()
    calls: list[str] = []
    nb = handler(calls, "oom_kill")
    oom.register_oom_notifier(nb)
    assert oom.unregister_oom_notifier(nb) == 0
    oom.out_of_memory()
    assert calls == []
    assert oom.chain == ()


def test_busy_only_while_the_chain_runs() -> None:
    """``down(&notify_mutex); notifier_call_chain(...); up(&notify_mutex);``"""
    oom = OomNotifier()
    during: list[bool] = []

    def oom_notify(nb: NotifierBlock, val: int, v: object) -> int:
        during.append(oom.busy)
        return 0

    oom.register_oom_notifier(NotifierBlock(oom_notify))
    assert not oom.busy
    oom.out_of_memory()
    assert during == [True]
    assert not oom.busy


def test_reentrant_out_of_memory_returns_done_without_calling_anyone() -> None:
    """``down(&notify_mutex);`` — already held by the same task: C would deadlock here."""
    oom = OomNotifier()
    calls: list[str] = []
    inner: list[int] = []

    def oom_notify(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        inner.append(oom.out_of_memory())
        return NOTIFY_OK

    oom.register_oom_notifier(NotifierBlock(oom_notify, name="reentrant"))
    assert oom.out_of_memory() == NOTIFY_OK
    assert calls == ["reentrant"]
    assert inner == [NOTIFY_DONE]


def test_mutex_is_released_when_a_handler_raises() -> None:
    """``up(&notify_mutex);`` — a handler that panics must not leave the chain locked."""
    oom = OomNotifier()

    def oom_notify(nb: NotifierBlock, val: int, v: object) -> int:
        raise Panic("Out-Of-Memory")

    oom.register_oom_notifier(NotifierBlock(oom_notify, name="oom_panic"))
    with pytest.raises(Panic):
        oom.out_of_memory()
    assert not oom.busy
    with pytest.raises(Panic):
        oom.out_of_memory()


def test_handler_registered_from_inside_a_handler_runs_from_the_next_call() -> None:
    oom = OomNotifier()
    calls: list[str] = []
    late = handler(calls, "late")

    def loader(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        if late not in oom.chain:
            assert oom.register_oom_notifier(late) == 0
        return 0

    oom.register_oom_notifier(NotifierBlock(loader, name="loader"))
    oom.out_of_memory()
    assert calls == ["loader"]
    oom.out_of_memory()
    assert calls == ["loader", "loader", "late"]


def test_handler_unregistering_itself_and_others_does_not_cut_the_walk() -> None:
    oom = OomNotifier()
    calls: list[str] = []
    other = handler(calls, "other")

    def quitter(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        assert oom.unregister_oom_notifier(nb) == 0
        assert oom.unregister_oom_notifier(other) == 0
        return 0

    oom.register_oom_notifier(NotifierBlock(quitter, name="quitter"))
    oom.register_oom_notifier(other)
    oom.out_of_memory()
    assert calls == ["quitter", "other"]
    assert oom.chain == ()
    oom.out_of_memory()
    assert calls == ["quitter", "other"]


def test_a_task_waiting_for_the_mutex_runs_when_the_walk_lets_go() -> None:
    """``down(&notify_mutex)`` from another task while ``out_of_memory()`` holds it: it
    goes on after ``up(&notify_mutex)``, in the order the waiters came."""
    oom = OomNotifier()
    calls: list[str] = []

    def first(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append("first")
        oom.wait_for_mutex(lambda: calls.append(f"waiter 1, busy={oom.busy}"))
        oom.wait_for_mutex(lambda: calls.append("waiter 2"))
        return NOTIFY_BAD  # the walk stops here; the waiters still run

    oom.register_oom_notifier(NotifierBlock(first, name="first"))
    oom.register_oom_notifier(handler(calls, "second"))
    assert oom.out_of_memory() == NOTIFY_BAD
    assert calls == ["first", "waiter 1, busy=False", "waiter 2"]
    oom.out_of_memory()
    assert calls[3:] == ["first", "waiter 1, busy=False", "waiter 2"]


def test_no_waiter_runs_after_a_walk_that_raised() -> None:
    oom = OomNotifier()
    ran: list[str] = []

    def panics(nb: NotifierBlock, val: int, v: object) -> int:
        oom.wait_for_mutex(lambda: ran.append("waiter"))
        raise Panic("Out-Of-Memory")

    oom.register_oom_notifier(NotifierBlock(panics, name="oom_panic"))
    with pytest.raises(Panic):
        oom.out_of_memory()
    oom.unregister_oom_notifier(oom.chain[0])
    oom.out_of_memory()
    assert ran == []


def test_waiting_needs_a_walk_in_progress() -> None:
    with pytest.raises(RuntimeError, match="nothing to wait for"):
        OomNotifier().wait_for_mutex(lambda: None)
