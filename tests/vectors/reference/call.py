"""Spec 7: one call, event by event; each event answers a list of actions."""

from reference.classification import classify
from reference.decision import Decision

IDLE, WAITING, ATTEMPTING, SLEEPING, DONE = "idle", "waiting", "attempting", "sleeping", "done"


class CallError(Exception):
    """An event the call cannot take in its phase: a runner's programming error."""


class Call:
    def __init__(self, policy, seed, gated):
        self.policy = policy
        self.decision = Decision(policy, seed)
        self.gated = gated
        self.phase = IDLE
        self.last = None  # (code, class) of the last failed attempt

    def _expect(self, event, *phases):
        if self.phase not in phases:
            raise CallError(f"{event} while {self.phase}")

    def _attempt(self, t):
        left = self.policy["deadline"] - t
        if left <= 0:  # granted with no time left to try in
            return self._expired(t)
        self.phase = ATTEMPTING
        return [{"do": "attempt", "timeout": min(self.policy["connect_timeout"], left)}]

    def _queue(self):
        self.phase = WAITING
        return [{"do": "wait", "until": self.policy["deadline"]}]

    def _give_up(self, reason, attempts, t):
        self.phase = DONE
        code, error_class = self.last if self.last else (None, None)
        return [
            {
                "do": "give_up",
                "reason": reason,
                "attempts": attempts,
                "elapsed": t,
                "code": code,
                "class": error_class,
                "attempted": self.last is not None,
            }
        ]

    def _expired(self, t):
        return [{"do": "left"}, *self._give_up("deadline", self.decision.attempts, t)]

    def start(self):
        self._expect("start", IDLE)
        if self.gated:
            return [{"do": "join"}, *self._queue()]
        return self._attempt(0.0)

    def granted(self, t):
        self._expect("granted", WAITING)
        return self._attempt(t)

    def succeeded(self, t):
        self._expect("succeeded", ATTEMPTING)
        self.phase = DONE
        attempts = self.decision.succeeded()["attempts"]
        actions = [{"do": "connected"}] if self.gated else []
        return [*actions, {"do": "done", "attempts": attempts, "elapsed": t}]

    def failed(self, t, code):
        self._expect("failed", ATTEMPTING)
        error_class = classify(code, self.policy)
        self.last = (code, error_class)
        verdict = self.decision.failed(code, t)
        k = self.decision.attempts
        queued = self.gated and error_class == "capacity"
        actions = []
        if self.gated:
            # The limiter learns of the refusal before anything else, a give-up included.
            actions.append({"do": "rejected" if queued else "left"})
        if "give_up" in verdict:
            if queued:
                actions.append({"do": "left"})
            return actions + self._give_up(verdict["give_up"], k, t)
        delay = verdict["retry"]
        actions.append(
            {
                "do": "retry",
                "attempt": k,
                "max_attempts": self.policy["max_attempts"],
                "code": code,
                "class": error_class,
                "delay": None if queued else delay,
                "elapsed": t,
            }
        )
        if queued:
            return actions + self._queue()
        self.phase = SLEEPING
        return [*actions, {"do": "sleep", "delay": delay}]

    def woke(self, t):
        self._expect("woke", SLEEPING)
        if t >= self.policy["deadline"]:  # overslept: out of the gate, nothing to leave
            return self._give_up("deadline", self.decision.attempts, t)
        if self.gated:
            return [{"do": "join"}, *self._queue()]
        return self._attempt(t)

    def expired(self, t):
        self._expect("expired", WAITING)
        return self._expired(t)

    def abandoned(self, t):
        self._expect("abandoned", WAITING, ATTEMPTING, SLEEPING)
        in_gate = self.gated and self.phase in (WAITING, ATTEMPTING)
        self.phase = DONE
        return [{"do": "left"}] if in_gate else []

    def event(self, name, t=None, code=None):
        """One step of a vector: the event's name, its time and (``failed``) its code."""
        if name == "start":
            return self.start()
        if name == "failed":
            return self.failed(t, code)
        return getattr(self, name)(t)
