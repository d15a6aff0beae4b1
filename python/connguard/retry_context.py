"""A retry context for code that connects inline, in stamina's style.

.. code-block:: python

    for attempt in connguard.retry_context(policy, service="worker"):
        with attempt:
            conn = pymysql.connect(host="db", connect_timeout=attempt.timeout)

Each ``with attempt:`` block is one attempt of a call (docs/spec.md section 7),
run by the runners' own steps (:func:`connguard.runner._steps`): the iterator
performs the call's sleeps and hands out its attempts, and the block's outcome
is the attempt's. A failure to connect is swallowed (and logged) when the call
retries it, and the loop goes on after the policy's delay; on give-up the
driver's last error leaves the block with a note and
:func:`connguard.give_up_info`, as from :func:`connguard.retry_call`; any other
exception leaves at once. A block that ends without an exception connected,
and the loop ends.
"""

from __future__ import annotations

from collections.abc import Generator
from time import monotonic
from types import TracebackType
from typing import Any, NoReturn

from connguard import _native
from connguard.policy import resolve_policy, service_name
from connguard.runner import Attempt as _Call
from connguard.runner import _begin, _perform, _perform_async, _Run, unpin

__all__ = ["AsyncRetryContext", "Attempt", "RetryContext", "retry_context", "retry_context_async"]


def _made_in_the_block(*_args: Any, **_kwargs: Any) -> NoReturn:
    """A retry context's connect function: its runner never calls it, the block connects."""
    raise AssertionError("a retry context's attempts are made in its with blocks")


class Attempt:
    """One attempt of a retry context: make it in ``with attempt:``, once.

    ``number`` counts from 1; ``timeout`` is the attempt's cap in seconds
    (the policy's ``connect_timeout``, or less near the deadline): pass it as
    the driver's connect timeout.
    """

    __slots__ = ("_context", "number", "timeout")

    def __init__(self, context: _Context, number: int, timeout: float) -> None:
        self._context = context
        self.number = number
        self.timeout = timeout

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return self._context._made(self, exc)

    def __repr__(self) -> str:
        return f"<connguard attempt {self.number}, timeout {self.timeout:.3f}s>"


class _Context:
    """The call behind a retry context, between the iterator and its attempts."""

    __slots__ = ("_call", "_handed", "_made_so_far", "_next", "_run", "_steps")

    def __init__(
        self, policy: _native.Policy | None, service: str | None, target: str | None
    ) -> None:
        chosen = resolve_policy(policy, service)
        self._call = _Call(
            _made_in_the_block, (), {}, None, chosen, service_name(chosen, service), target
        )
        self._run: _Run | None = None
        self._steps: Generator[_native.Action, Any, Any] | None = None
        # What the call waits on: an attempt or a sleep; None once it has ended.
        self._next: _native.Action | None = None
        self._handed: Attempt | None = None  # the attempt handed out for _next, not yet made
        self._made_so_far = 0

    def _start(self) -> None:
        self._run, self._steps = _begin(self._call, monotonic(), None)
        self._advance(None)

    def _advance(self, outcome: Any) -> None:
        """Tells the call what came of what it waited on; it performs its actions up to the
        next it waits on, or ends: connected, given up (raising), or left (raising)."""
        assert self._steps is not None
        try:
            self._next = self._steps.send(outcome)
        except StopIteration:
            self._next = None
        except BaseException as raised:
            self._next = None
            unpin(raised)
            raise

    def _hand(self) -> Attempt:
        """The attempt the call waits on, for the caller's ``with`` block."""
        action = self._next
        assert action is not None and action.do == "attempt" and action.timeout is not None
        if self._handed is not None:
            assert self._steps is not None
            self._steps.close()  # leaves the call
            self._next = None
            raise RuntimeError("connguard.retry_context: make each attempt in `with attempt:`")
        self._made_so_far += 1
        self._handed = Attempt(self, self._made_so_far, action.timeout)
        return self._handed

    def _made(self, attempt: Attempt, exc: BaseException | None) -> bool:
        """The block of ``attempt`` ended with ``exc``: whether to swallow it (retried)."""
        if attempt is not self._handed:
            raise RuntimeError("connguard.retry_context: each attempt is made once, in its turn")
        self._handed = None
        try:
            self._advance(("ok", None) if exc is None else ("failed", exc))
        except BaseException as raised:
            if raised is exc:
                return False  # given up, or not a failure to connect: it leaves the block
            raise
        return exc is not None

    def _ended(self) -> bool:
        return self._steps is not None and self._next is None


class RetryContext(_Context):
    """Iterates over the attempts of one call, sleeping between them (threads)."""

    __slots__ = ()

    def __iter__(self) -> RetryContext:
        return self

    def __next__(self) -> Attempt:
        if self._steps is None:
            self._start()
        if self._ended():
            raise StopIteration
        assert self._next is not None and self._run is not None and self._steps is not None
        if self._next.do == "sleep":
            try:
                _perform(self._run, self._next)
            except BaseException as exc:  # interrupted: the call is abandoned
                self._next = None
                self._steps.throw(exc)
            self._advance(None)
        return self._hand()


class AsyncRetryContext(_Context):
    """Iterates over the attempts of one call, ``asyncio.sleep`` between them."""

    __slots__ = ()

    def __aiter__(self) -> AsyncRetryContext:
        return self

    async def __anext__(self) -> Attempt:
        if self._steps is None:
            self._start()
        if self._ended():
            raise StopAsyncIteration
        assert self._next is not None and self._run is not None and self._steps is not None
        if self._next.do == "sleep":
            try:
                await _perform_async(self._run, self._next)
            except BaseException as exc:  # cancelled: the call is abandoned
                self._next = None
                self._steps.throw(exc)
            self._advance(None)
        return self._hand()


def retry_context(
    policy: _native.Policy | None = None, *, service: str | None = None, target: str | None = None
) -> RetryContext:
    """The attempts of one call, for ``for attempt in ...: with attempt: <connect>``.

    ``policy=None``: the file named by ``$CONNGUARD_POLICY`` for ``service`` (or
    ``$CONNGUARD_SERVICE``), else the built-in defaults, as the adapters. ``target`` names
    the server in log lines and events (a DSN is masked). Not gated: the connection the
    block opens never reaches connguard, which so cannot count it nor see it close, and
    the process's limiter for the server (docs/spec.md section 6) neither queues these
    attempts nor learns from them; use an adapter or :func:`connguard.retry_call` for that.
    """
    return RetryContext(policy, service, target)


def retry_context_async(
    policy: _native.Policy | None = None, *, service: str | None = None, target: str | None = None
) -> AsyncRetryContext:
    """:func:`retry_context` for asyncio: ``async for attempt in ...: with attempt: ...``;
    cancelling the task stops the sleep between attempts at once."""
    return AsyncRetryContext(policy, service, target)
