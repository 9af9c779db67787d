from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moomtui.kernel.errno import ENOENT
from moomtui.kernel.notifier import (
    NOTIFY_BAD,
    NOTIFY_DONE,
    NOTIFY_OK,
    NOTIFY_STOP_MASK,
    NotifierBlock,
    NotifierChain,
    notifier_call_chain,
    notifier_chain_register,
    notifier_chain_unregister,
)


def recording_block(
    calls: list[str], name: str, priority: int = 0, ret: int = NOTIFY_DONE
) -> NotifierBlock:
    def call(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        return ret

    return NotifierBlock(call, priority, name)


def names(chain: NotifierChain) -> list[str]:
    return [nb.name for nb in chain.blocks]


def test_constants_match_notifier_h() -> None:
    """``#define NOTIFY_STOP_MASK 0x8000`` and ``#define NOTIFY_BAD (NOTIFY_STOP_MASK|0x0002)``."""
    assert (NOTIFY_DONE, NOTIFY_OK, NOTIFY_STOP_MASK) == (0, 1, 0x8000)
    assert NOTIFY_BAD == NOTIFY_STOP_MASK | 0x0002
    assert ENOENT == 2


def test_higher_priority_block_runs_first() -> None:
    """``if(n->priority > (*list)->priority) break;``"""
    chain = NotifierChain()
    calls: list[str] = []
    notifier_chain_register(chain, recording_block(calls, "low", priority=-5))
    notifier_chain_register(chain, recording_block(calls, "high", priority=10))
    notifier_chain_register(chain, recording_block(calls, "mid", priority=0))
    notifier_call_chain(chain, 0, None)
    assert calls == ["high", "mid", "low"]
    assert names(chain) == ["high", "mid", "low"]


def test_equal_priorities_run_in_registration_order() -> None:
    """``if(n->priority > (*list)->priority) break;`` — strictly greater, so a new block goes
    after every block of its own priority."""
    chain = NotifierChain()
    calls: list[str] = []
    for name in ("oom_kill", "oom_kill_parent", "oom_panic"):
        notifier_chain_register(chain, recording_block(calls, name))
    notifier_chain_register(chain, recording_block(calls, "first", priority=1))
    notifier_call_chain(chain, 0, None)
    assert calls == ["first", "oom_kill", "oom_kill_parent", "oom_panic"]


def test_register_returns_zero() -> None:
    """``notifier_chain_register`` ends with ``return 0;``"""
    chain = NotifierChain()
    assert notifier_chain_register(chain, recording_block([], "a")) == 0


# --- a block registered twice: what 2.4.22's kernel/sys.c does, and what moomtui does ------


class CBlock:
    """``struct notifier_block`` with its ``next`` pointer; a head pointer is a CBlock
    whose ``next`` is the first block."""

    def __init__(self, name: str, priority: int = 0) -> None:
        self.name, self.priority = name, priority
        self.next: CBlock | None = None


def c_notifier_chain_register(head: CBlock, n: CBlock) -> int:
    """``struct notifier_block **list``, as a (holder of the pointer) block::

    while(*list)
    {
        if(n->priority > (*list)->priority)
            break;
        list= &((*list)->next);
    }
    n->next = *list;
    *list=n;
    return 0;
    """
    holder = head
    while holder.next is not None:
        if n.priority > holder.next.priority:
            break
        holder = holder.next
    n.next = holder.next
    holder.next = n
    return 0


def c_notifier_chain_unregister(head: CBlock, n: CBlock) -> int:
    holder = head
    while holder.next is not None:
        if holder.next is n:
            holder.next = n.next
            return 0
        holder = holder.next
    return -ENOENT


def c_walk(head: CBlock, limit: int = 20) -> list[str]:
    """The blocks ``notifier_call_chain`` calls (``nb = nb->next``), the first ``limit``."""
    calls: list[str] = []
    nb = head.next
    while nb is not None and len(calls) < limit:
        calls.append(nb.name)
        nb = nb.next
    return calls


def c_chain(*blocks: tuple[str, int]) -> tuple[CBlock, dict[str, CBlock]]:
    head = CBlock("head")
    made = {name: CBlock(name, priority) for name, priority in blocks}
    for block in made.values():
        c_notifier_chain_register(head, block)
    return head, made


def test_in_c_a_block_registered_again_as_the_last_of_its_priority_loops_for_ever() -> None:
    """``n->next = *list; *list=n;`` with ``list == &n->next``: the block points to itself,
    and what came after it is gone."""
    head, b = c_chain(("hi", 1), ("a", 0), ("b", 0), ("lo", -1))
    c_notifier_chain_register(head, b["b"])
    assert c_walk(head) == ["hi", "a"] + ["b"] * 18


def test_in_c_a_block_registered_again_before_others_of_its_priority_cuts_them_off() -> None:
    """The walk passes ``a`` itself and ``b``, ``c`` (equal priority), stops at ``lo``:
    ``c->next = a``, ``a->next = lo`` — no loop, but ``b`` and ``c`` are off the chain."""
    head, b = c_chain(("hi", 1), ("a", 0), ("b", 0), ("c", 0), ("lo", -1))
    c_notifier_chain_register(head, b["a"])
    assert c_walk(head) == ["hi", "a", "lo"]
    assert c_notifier_chain_unregister(head, b["b"]) == -ENOENT
    assert c_notifier_chain_unregister(head, b["c"]) == -ENOENT


@pytest.mark.parametrize("again", ["a", "b", "c"])
def test_registering_a_block_already_on_the_chain_raises(again: str) -> None:
    """moomtui refuses both cases (see the C above): the chain is left as it was."""
    chain = NotifierChain()
    blocks = {name: recording_block([], name) for name in ("a", "b", "c")}
    for nb in blocks.values():
        notifier_chain_register(chain, nb)
    with pytest.raises(ValueError, match="already on the chain"):
        notifier_chain_register(chain, blocks[again])
    assert names(chain) == ["a", "b", "c"]


def test_unregister_returns_zero_and_block_is_no_longer_called() -> None:
    """``*nl=n->next; ... return 0;``"""
    chain = NotifierChain()
    calls: list[str] = []
    a, b = recording_block(calls, "a"), recording_block(calls, "b")
    notifier_chain_register(chain, a)
    notifier_chain_register(chain, b)
    assert notifier_chain_unregister(chain, a) == 0
    notifier_call_chain(chain, 0, None)
    assert calls == ["b"]


def test_unregister_of_block_not_on_chain_returns_minus_enoent() -> None:
    """``return -ENOENT;``"""
    chain = NotifierChain()
    notifier_chain_register(chain, recording_block([], "a"))
    assert notifier_chain_unregister(chain, recording_block([], "stranger")) == -ENOENT
    assert names(chain) == ["a"]


def test_unregister_compares_identity_not_fields() -> None:
    """``if((*nl)==n)`` compares pointers: a block with equal fields is a different block."""
    chain = NotifierChain()
    calls: list[str] = []
    call = recording_block(calls, "twin").notifier_call
    first, second = NotifierBlock(call, 0, "twin"), NotifierBlock(call, 0, "twin")
    notifier_chain_register(chain, first)
    notifier_chain_register(chain, second)
    assert notifier_chain_unregister(chain, second) == 0
    assert chain.blocks == (first,)
    assert notifier_chain_unregister(chain, second) == -ENOENT


def test_empty_chain_returns_notify_done() -> None:
    """``int ret=NOTIFY_DONE;``"""
    assert notifier_call_chain(NotifierChain(), 0x1, None) == NOTIFY_DONE


def test_block_receives_itself_the_value_and_the_data() -> None:
    """``ret=nb->notifier_call(nb,val,v);``"""
    seen: list[tuple[NotifierBlock, int, object]] = []
    data = object()

    def call(nb: NotifierBlock, val: int, v: object) -> int:
        seen.append((nb, val, v))
        return NOTIFY_OK

    chain = NotifierChain()
    nb = NotifierBlock(call)
    notifier_chain_register(chain, nb)
    assert notifier_call_chain(chain, 0x1, data) == NOTIFY_OK
    assert seen == [(nb, 0x1, data)]


def test_stop_mask_in_return_value_ends_the_walk() -> None:
    """``if(ret&NOTIFY_STOP_MASK) { return ret; }``"""
    chain = NotifierChain()
    calls: list[str] = []
    notifier_chain_register(chain, recording_block(calls, "a", ret=NOTIFY_OK))
    notifier_chain_register(chain, recording_block(calls, "veto", ret=NOTIFY_BAD))
    notifier_chain_register(chain, recording_block(calls, "never"))
    assert notifier_call_chain(chain, 0, None) == NOTIFY_BAD
    assert calls == ["a", "veto"]


def test_any_value_with_stop_bit_stops_not_only_notify_bad() -> None:
    """``if(ret&NOTIFY_STOP_MASK)`` tests the bit, not equality with NOTIFY_BAD."""
    chain = NotifierChain()
    calls: list[str] = []
    notifier_chain_register(chain, recording_block(calls, "stop", ret=NOTIFY_STOP_MASK | 0x7))
    notifier_chain_register(chain, recording_block(calls, "never"))
    assert notifier_call_chain(chain, 0, None) == 0x8007
    assert calls == ["stop"]


def test_without_stop_the_last_return_value_wins() -> None:
    """``return ret;`` after the loop: the value of the last block called."""
    chain = NotifierChain()
    calls: list[str] = []
    notifier_chain_register(chain, recording_block(calls, "ok", ret=NOTIFY_OK))
    notifier_chain_register(chain, recording_block(calls, "done", ret=NOTIFY_DONE))
    assert notifier_call_chain(chain, 0, None) == NOTIFY_DONE
    assert calls == ["ok", "done"]


def test_handler_that_unregisters_a_later_block_does_not_change_the_walk() -> None:
    chain = NotifierChain()
    calls: list[str] = []
    later = recording_block(calls, "later")

    def remover(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        notifier_chain_unregister(chain, later)
        return NOTIFY_DONE

    notifier_chain_register(chain, NotifierBlock(remover, name="remover"))
    notifier_chain_register(chain, later)
    notifier_call_chain(chain, 0, None)
    assert calls == ["remover", "later"]
    calls.clear()
    notifier_call_chain(chain, 0, None)
    assert calls == ["remover"]


def test_handler_that_registers_a_block_affects_only_the_next_call() -> None:
    chain = NotifierChain()
    calls: list[str] = []
    added = recording_block(calls, "added", priority=-1)

    def adder(nb: NotifierBlock, val: int, v: object) -> int:
        calls.append(nb.name)
        if added not in chain.blocks:
            notifier_chain_register(chain, added)
        return NOTIFY_DONE

    notifier_chain_register(chain, NotifierBlock(adder, name="adder"))
    notifier_call_chain(chain, 0, None)
    assert calls == ["adder"]
    notifier_call_chain(chain, 0, None)
    assert calls == ["adder", "adder", "added"]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(min_value=-3, max_value=3)),
        st.tuples(st.just("unregister"), st.integers(min_value=0, max_value=30)),
    ),
    max_size=60,
)


@given(operations)
def test_random_register_unregister_keeps_chain_sorted_and_stable(
    ops: list[tuple[str, int]],
) -> None:
    """``if(n->priority > (*list)->priority) break;`` — after any sequence of registrations
    and removals the chain is sorted by priority, highest first, and blocks of equal
    priority are in the order of their (latest) registration."""
    chain = NotifierChain()
    registered_at: dict[int, int] = {}
    made: list[NotifierBlock] = []
    for clock, (op, arg) in enumerate(ops):
        if op == "register":
            nb = NotifierBlock(lambda nb, val, v: NOTIFY_DONE, arg, f"b{len(made)}")
            made.append(nb)
            assert notifier_chain_register(chain, nb) == 0
            registered_at[id(nb)] = clock
        elif made:
            nb = made[arg % len(made)]
            on_chain = id(nb) in registered_at
            assert notifier_chain_unregister(chain, nb) == (0 if on_chain else -ENOENT)
            registered_at.pop(id(nb), None)
        blocks = chain.blocks
        assert {id(nb) for nb in blocks} == set(registered_at)
        order = [(-nb.priority, registered_at[id(nb)]) for nb in blocks]
        assert order == sorted(order)
