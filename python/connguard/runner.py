"""The runners of a call (docs/spec.md section 7): threads and asyncio, one code path.

The engine's :class:`~connguard._native.Call` decides everything: when to
attempt and with what cap, when to sleep or wait at the gate, what to report
to the gate, when to give up. :func:`_steps` performs its actions, except the
three that wait (``attempt``, ``sleep``, ``wait``), which it yields; the two
runners below only perform those, :func:`run` blocking a thread and
:func:`run_async` awaiting on the loop, and send back what came of them.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from time import monotonic, sleep
from typing import Any

from connguard import _native, events
from connguard.classification import error_code, is_network_error
from connguard.decision import new_seed
from connguard.drivers import Driver, catchable
from connguard.dsn import mask_dsn
from connguard.errors import QueueTimeout
from connguard.events import Event
from connguard.gate import Gate, Slot, Ticket, track_close
from connguard.report import give_up, log_give_up, log_retry
from connguard.testing.mode import MODE, capped_policy

__all__ = ["Attempt", "emit", "resume", "resume_async", "run", "run_async", "unpin"]

# What an attempt came to: ("ok", connection) or ("failed", exception).
_Outcome = tuple[str, Any]


@dataclass
class Attempt:
    """How to make one attempt, and whom to tell about it."""

    fn: Callable[..., Any]
    # Never in a repr: an error tracker that shows a traceback's locals would show them.
    args: tuple[Any, ...] = field(repr=False)
    kwargs: Mapping[str, Any] = field(repr=False)
    driver: Driver | None
    policy: _native.Policy
    service: str
    target: str | None
    gate: Gate | None = None

    def call_kwargs(self, cap: float) -> Mapping[str, Any]:
        return self.driver.capped(self.kwargs, cap) if self.driver is not None else self.kwargs

    def opened(self, conn: Any, slot: Slot | None) -> Any:
        if self.driver is not None:
            conn = self.driver.opened(conn, self.kwargs)
        return track_close(conn, slot.release) if slot is not None else conn

    @cached_property
    def shown(self) -> tuple[str, str]:
        """(service, target) as events carry them (spec 8.1): the target masked."""
        return self.service or "default", mask_dsn(self.target) if self.target else "-"


def emit(call: Attempt, name: str, /, **fields: Any) -> None:
    """One of the call's events (spec 8.1). Call it behind ``if events.hooks:``."""
    service, target = call.shown
    events.emit(Event(name, service, target, **fields))


def _failed(attempt: Attempt, k: int, code: int | None, t: float, answer: list[Any]) -> None:
    """The ``failed`` event, before any of the actions the call answered is performed."""
    ended = next(a for a in answer if a.do in ("retry", "give_up"))
    emit(attempt, "failed", attempt=k, code=code, error_class=ended.error_class, elapsed=t)


def _failure(exc: BaseException) -> tuple[bool, int | None]:
    """Whether ``exc`` is a failure to connect (the call's business), and its code."""
    if not isinstance(exc, Exception):
        return False, None  # KeyboardInterrupt, CancelledError...: leave at once
    code = error_code(exc)
    return code is not None or is_network_error(exc), code


class _Run:
    """One call in progress: what it attempts, its ticket at the gate, when it started."""

    __slots__ = ("attempt", "attempts", "call", "start", "ticket")

    def __init__(
        self,
        attempt: Attempt,
        start: float,
        loop: asyncio.AbstractEventLoop | None,
        ticket: Ticket | None,
    ) -> None:
        self.attempt = attempt
        self.start = start
        self.attempts = 0  # made so far, for the events
        policy = capped_policy(attempt.policy) if MODE.attempts is not None else attempt.policy
        self.call = _native.Call(policy, new_seed(), attempt.gate is not None)
        gate = attempt.gate
        self.ticket = ticket
        if self.ticket is None and gate is not None:
            self.ticket = gate.ticket(loop)

    def leave(self, t: float) -> None:
        """Cancelled, interrupted, or not a connection failure: the call is abandoned."""
        for _ in self.call.abandoned(t):
            self.ticket.left()  # type: ignore[union-attr]


def _steps(
    run: _Run, actions: list[_native.Action], last: BaseException | None = None
) -> Generator[_native.Action, Any, Any]:
    """Performs the call's actions from ``actions`` on; yields those that wait."""
    attempt, call, ticket = run.attempt, run.call, run.ticket
    slot: Slot | None = None
    conn: Any = None
    while True:
        waits: _native.Action | None = None
        finished = False
        try:
            for action in actions:
                do = action.do
                if do == "retry":
                    log_retry(attempt.service, attempt.target, action, last)
                    if events.hooks:
                        emit(
                            attempt,
                            "retry",
                            attempt=action.attempt,
                            delay=action.delay,
                            elapsed=action.elapsed,
                        )
                elif do == "join":
                    ticket.join()  # type: ignore[union-attr]
                elif do == "rejected":
                    ticket.rejected()  # type: ignore[union-attr]
                elif do == "left":
                    ticket.left()  # type: ignore[union-attr]
                elif do == "connected":
                    slot = ticket.connected()  # type: ignore[union-attr]
                elif do == "done":
                    finished = True
                    if events.hooks:
                        emit(attempt, "connected", attempts=action.attempts, elapsed=action.elapsed)
                    return attempt.opened(conn, slot)
                elif do == "give_up":
                    finished = True
                    if events.hooks:
                        emit(
                            attempt,
                            "give_up",
                            reason=action.reason,
                            attempts=action.attempts,
                            elapsed=action.elapsed,
                            code=action.code,
                            error_class=action.error_class,
                        )
                    raise _given_up(attempt, action, last)
                else:
                    waits = action  # attempt, sleep or wait: always the last action
        except BaseException:
            # Whatever raised (a log handler, an interrupt), the gate must not keep a
            # caller that is gone, nor a slot no connection holds.
            if not finished:
                run.leave(monotonic() - run.start)
            elif slot is not None:
                slot.release()
            raise
        assert waits is not None
        if waits.do == "attempt":
            run.attempts += 1
            if events.hooks:
                emit(attempt, "attempt", attempt=run.attempts)
        waited_from = monotonic()
        try:
            outcome = yield waits
        except BaseException:
            run.leave(monotonic() - run.start)
            raise
        t = monotonic() - run.start
        if waits.do == "sleep":
            actions = call.woke(t)
        elif waits.do == "wait":
            if outcome:
                if events.hooks:
                    emit(attempt, "granted", waited=monotonic() - waited_from)
                actions = call.granted(t)
            else:
                actions = call.expired(t)
        else:
            kind, value = outcome
            if kind == "ok":
                conn = value
                actions = call.succeeded(t)
                continue
            ours, code = _failure(value)
            if not ours:
                run.leave(t)
                raise value
            last = value
            actions = call.failed(t, code)
            if events.hooks:
                _failed(attempt, run.attempts, code, t, actions)


def _given_up(
    attempt: Attempt, action: _native.Action, last: BaseException | None
) -> BaseException:
    """The error a give-up raises: the driver's last, annotated; or, never admitted, why not."""
    if last is not None:
        return give_up(attempt.service, attempt.target, action, last)
    limit, holding, _, _ = attempt.gate.state() if attempt.gate is not None else (0, 0, 0, 0)
    target = mask_dsn(attempt.target) if attempt.target else ""
    timeout = catchable(attempt.driver, QueueTimeout)(
        target=target, waited=action.elapsed, limit=limit, holding=holding
    )
    log_give_up(attempt.service, attempt.target, action, str(timeout))
    return timeout


def _begin(
    attempt: Attempt,
    start: float,
    first: BaseException | None,
    loop: asyncio.AbstractEventLoop | None = None,
    ticket: Ticket | None = None,
) -> tuple[_Run, Generator[_native.Action, Any, Any]]:
    """A call from its start, or after a first attempt that failed before any call existed
    (the hot path makes one attempt and builds nothing; gated, its ticket was granted as
    it joined, and the call is told so before it hears of the failure)."""
    run = _Run(attempt, start, loop, ticket)
    actions = run.call.start()
    if first is None:
        return run, _steps(run, actions)
    ours, code = _failure(first)
    if not ours:
        run.leave(monotonic() - start)
        raise first
    if run.ticket is not None:
        run.call.granted(0.0)  # its join and wait are done, and its attempt made
    run.attempts = 1
    t = monotonic() - start
    actions = run.call.failed(t, code)
    if events.hooks:
        _failed(attempt, 1, code, t, actions)
    return run, _steps(run, actions, first)


def _first_cap(policy: _native.Policy) -> float:
    """The cap of a first attempt (spec 7: connect_timeout, or the deadline if less)."""
    return min(policy.connect_timeout, policy.deadline)


def run(attempt: Attempt) -> Any:
    """One call on this thread: blocks in attempts, sleeps and waits at the gate."""
    gate = attempt.gate
    if gate is None:
        return resume(attempt, monotonic(), None)
    # The hot path: granted as it joins, one attempt, no Call built unless it fails.
    ticket = gate.joined()
    start = monotonic()
    if not ticket.granted:
        return resume(attempt, start, None, ticket)
    if events.hooks:
        emit(attempt, "granted", waited=0.0)
        emit(attempt, "attempt", attempt=1)
    try:
        conn = attempt.fn(*attempt.args, **attempt.call_kwargs(_first_cap(attempt.policy)))
    except Exception as exc:
        return resume(attempt, start, exc, ticket)
    except BaseException:
        ticket.left()
        raise
    return _connected_first(attempt, conn, ticket, start)


def _connected_first(attempt: Attempt, conn: Any, ticket: Ticket, start: float) -> Any:
    """A fast path's first attempt connected: what the call's ``done`` would do."""
    slot = ticket.connected()
    if events.hooks:
        emit(attempt, "connected", attempts=1, elapsed=monotonic() - start)
    return attempt.opened(conn, slot)


def resume(
    attempt: Attempt, start: float, first: BaseException | None, ticket: Ticket | None = None
) -> Any:
    """:func:`run` from its start (``first`` None) or after a first attempt, made at
    ``start``, failed with ``first`` (a caller's own hot path). ``ticket``: its place at
    the gate, if the caller made it (joined already, or for a pool to interrupt)."""
    current, steps = _begin(attempt, start, first, None, ticket)
    try:
        return _drive(current, steps)
    except BaseException as exc:
        del current, steps
        unpin(exc)
        raise


def unpin(exc: BaseException) -> None:
    """A failed call's error outlives the call (a caller keeps it, an error tracker shows
    its frames' locals, the mariadb driver even leaks its own): the traceback's finished
    frames, the driver's holding the connect arguments and a password, are cleared."""
    traceback.clear_frames(exc.__traceback__)


def _drive(current: _Run, steps: Generator[_native.Action, Any, Any]) -> Any:
    outcome: Any = None
    while True:
        try:
            action = steps.send(outcome)
        except StopIteration as done:
            return done.value
        try:
            outcome = _perform(current, action)
        except BaseException as exc:  # interrupted: the call leaves the gate
            steps.throw(exc)


def _seconds(value: float | None) -> float:
    assert value is not None  # the field every attempt, sleep and wait action has
    return value


def _perform(current: _Run, action: _native.Action) -> Any:
    attempt = current.attempt
    if action.do == "attempt":
        try:
            return (
                "ok",
                attempt.fn(*attempt.args, **attempt.call_kwargs(_seconds(action.timeout))),
            )
        except Exception as exc:
            return ("failed", exc)
    if action.do == "sleep":
        if not MODE.on:
            sleep(_seconds(action.delay))
        return None
    assert current.ticket is not None
    return current.ticket.wait(current.start + _seconds(action.until))


async def _attempt_async(attempt: Attempt, cap: float) -> Any:
    pending: Awaitable[Any] = attempt.fn(*attempt.args, **attempt.call_kwargs(cap))
    if attempt.driver is not None and not attempt.driver.bounds_handshake:
        async with asyncio.timeout(cap):
            return await pending
    return await pending


async def run_async(attempt: Attempt) -> Any:
    """One call on the running loop: awaits attempts, sleeps and turns at the gate."""
    gate = attempt.gate
    if gate is None:
        return await resume_async(attempt, monotonic(), None)
    # The hot path, as in run().
    ticket = gate.joined(asyncio.get_running_loop())
    start = monotonic()
    if not ticket.granted:
        return await resume_async(attempt, start, None, ticket)
    if events.hooks:
        emit(attempt, "granted", waited=0.0)
        emit(attempt, "attempt", attempt=1)
    try:
        conn = await _attempt_async(attempt, _first_cap(attempt.policy))
    except Exception as exc:
        return await resume_async(attempt, start, exc, ticket)
    except BaseException:
        ticket.left()
        raise
    return _connected_first(attempt, conn, ticket, start)


async def resume_async(
    attempt: Attempt, start: float, first: BaseException | None, ticket: Ticket | None = None
) -> Any:
    """:func:`run_async` from its start, or after a failed first attempt (see :func:`resume`)."""
    current, steps = _begin(attempt, start, first, asyncio.get_running_loop(), ticket)
    try:
        return await _drive_async(current, steps)
    except BaseException as exc:
        del current, steps
        unpin(exc)
        raise


async def _drive_async(current: _Run, steps: Generator[_native.Action, Any, Any]) -> Any:
    outcome: Any = None
    while True:
        try:
            action = steps.send(outcome)
        except StopIteration as done:
            return done.value
        try:
            outcome = await _perform_async(current, action)
        except BaseException as exc:  # cancelled: the call leaves the gate
            steps.throw(exc)


async def _perform_async(current: _Run, action: _native.Action) -> Any:
    if action.do == "attempt":
        try:
            return ("ok", await _attempt_async(current.attempt, _seconds(action.timeout)))
        except Exception as exc:
            return ("failed", exc)
    if action.do == "sleep":
        await asyncio.sleep(0.0 if MODE.on else _seconds(action.delay))
        return None
    assert current.ticket is not None
    return await current.ticket.wait_async(current.start + _seconds(action.until))
