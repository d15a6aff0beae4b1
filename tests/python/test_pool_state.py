"""PoolState: who gets a connection given back, when a pool opens, shrinks or waits."""

from __future__ import annotations

import pytest

from connguard.pool_state import PoolState, Waiter


def test_opens_up_to_its_size_then_callers_wait() -> None:
    state = PoolState(2)
    assert state.take() is None and state.may_open()
    assert state.take() is None and state.may_open()
    assert state.take() is None and not state.may_open()  # the third waits
    assert state.count == 2


def test_a_connection_given_back_goes_to_the_longest_waiter_opening_or_not() -> None:
    state = PoolState(2)
    assert state.take() is None and state.may_open()  # A opens "a"
    state.opened(Waiter(), "a", 0.0)
    assert state.take() is None and state.may_open()  # B opens, waiting at the gate
    b = Waiter(ticket="at the gate")
    state.wait(b)
    assert state.take() is None and not state.may_open()  # C waits for a return
    c = Waiter()
    state.wait(c)
    assert state.given_back("a", gate_queued=0) is b  # the longest waiter
    assert state.interrupted(b) == "a"
    assert (state.count, state.lent) == (1, 1)  # B's own connection was never opened
    assert state.given_back("a", gate_queued=0) is c
    assert state.handed(c) == "a"
    assert (state.count, state.lent) == (1, 1)


def test_given_back_with_nobody_waiting_idles_or_shrinks_for_the_gate() -> None:
    state = PoolState(3)
    for conn in ("a", "b"):
        state.may_open()
        me = Waiter()
        state.opened(me, conn, 0.0)
    assert state.given_back("a", gate_queued=0) == "idle"
    assert state.given_back("b", gate_queued=2) == "close"  # its slot is theirs
    assert state.count == 1 and list(state.idle) == ["a"]
    assert state.take() == "a"


def test_a_return_that_races_a_grant_is_answered_for_the_runner_to_give_back() -> None:
    state = PoolState(1)
    state.may_open()
    me = Waiter(ticket="at the gate")
    state.wait(me)
    state.opened(Waiter(), "old", 0.0)  # bookkeeping only: another caller's connection
    assert state.given_back("old", gate_queued=0) is me
    assert state.opened(me, "new", 1.0) == "old"  # granted too: "old" goes back
    assert state.given_back("old", gate_queued=0, lent=False) == "idle"


def test_reclaim_takes_the_oldest_idle_and_close_empties_the_pool() -> None:
    state = PoolState(3)
    for conn in ("a", "b", "c"):
        state.may_open()
        state.opened(Waiter(), conn, 0.0)
        state.given_back(conn, gate_queued=0)
    assert state.reclaim() == "a"
    assert state.close() == ["b", "c"]
    assert state.count == 0
    assert state.given_back("late", gate_queued=0, lent=False) == "close"
    with pytest.raises(RuntimeError, match="closed"):
        state.take()


def test_a_pool_needs_a_size() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PoolState(0)
