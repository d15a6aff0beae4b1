"""Spec 8.1: the events a runner emits for one caller, in test mode (8.4).

A runner's view: it drives a call (section 7) and, gated, a limiter (section
6) with itself as the only waiter. Nothing really waits in test mode, so time
stands still at 0 and a probe timer fires as soon as it is armed.
"""

from reference.call import Call
from reference.limiter import Limiter

WAITER = 1


class _Gate:
    """The limiter with one caller: reports, and the `limit` events they cause."""

    def __init__(self, policy, events):
        self.limiter = Limiter(policy, 1)
        self.events = events
        self.granted = False

    def report(self, name, *waiter):
        before = self.limiter.limit
        granted, probe_in = getattr(self.limiter, name)(*waiter)
        if self.limiter.limit != before:
            state = self.limiter
            self.events.append(
                [
                    "limit",
                    {
                        "limit": state.limit,
                        "holding": state.holding,
                        "in_flight": len(state.in_flight),
                        "queued": len(state.queue),
                    },
                ]
            )
        if probe_in is not None:  # the timer fires at once; a probe changes no limit
            granted += self.limiter.probe()[0]
        self.granted = self.granted or WAITER in granted


def observe(policy, gated, script):
    """The events of one call whose attempts end as ``script`` says."""
    events = []
    gate = _Gate(policy, events) if gated else None
    call = Call(policy, 1, gated)
    script = list(script)
    attempts = 0
    actions = call.start()
    while True:
        wait = None
        for action in actions:
            do = action["do"]
            if do == "join":
                gate.report("acquire", WAITER)
            elif do in ("connected", "rejected", "left"):
                gate.report(do, WAITER)
            elif do == "retry":
                delay = None if action["delay"] is None else "sleep"
                events.append(["retry", {"attempt": action["attempt"], "delay": delay}])
            elif do == "give_up":
                fields = {k: action[k] for k in ("reason", "attempts", "code", "class")}
                events.append(["give_up", fields])
                return events, script
            elif do == "done":
                events.append(["connected", {"attempts": action["attempts"]}])
                if script and script[0] == "close":
                    script.pop(0)
                    gate.report("released")
                    events.append(["released", {}])
                return events, script
            else:
                wait = action
        if wait["do"] == "wait":
            assert gate.granted, "one caller in test mode is always granted"
            gate.granted = False
            events.append(["granted", {}])
            actions = call.granted(0.0)
        elif wait["do"] == "sleep":
            actions = call.woke(0.0)
        else:
            attempts += 1
            events.append(["attempt", {"attempt": attempts}])
            outcome = script.pop(0)
            if outcome == "ok":
                actions = call.succeeded(0.0)
                continue
            actions = call.failed(0.0, outcome)
            ended = next(a for a in actions if a["do"] in ("retry", "give_up"))
            fields = {"attempt": attempts, "code": outcome, "class": ended["class"]}
            events.append(["failed", fields])
