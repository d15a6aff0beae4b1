"""Spec 3.2 and 4: the delays and the decision after each failed attempt of one call."""

from reference.classification import classify
from reference.splitmix64 import SplitMix64


class Decision:
    def __init__(self, policy, seed):
        self.policy = policy
        self.rng = SplitMix64(seed)
        self.attempts = 0
        self.previous_delay = policy["initial_delay"]  # d_0
        self.drawn = None  # the delay drawn by the last failure, if any

    def delay(self, n):
        p, u = self.policy, self.rng.next_unit()  # one u per retry, every kind
        base = min(p["max_delay"], p["initial_delay"] * p["multiplier"] ** (n - 1))
        jitter = p["jitter"]
        if jitter == "none":
            d = base
        elif jitter == "full":
            d = u * base
        elif jitter == "equal":
            d = base / 2 + u * base / 2
        else:  # decorrelated
            d = min(
                p["max_delay"],
                p["initial_delay"] + u * (3 * self.previous_delay - p["initial_delay"]),
            )
        self.previous_delay = d
        return d

    def failed(self, code, elapsed):
        """Outcome of failed attempt k: {"retry": d} or {"give_up": reason}."""
        self.attempts += 1
        k = self.attempts
        if classify(code, self.policy) == "fatal":
            return {"give_up": "fatal"}
        if k >= self.policy["max_attempts"]:
            return {"give_up": "attempts"}
        d = self.drawn = self.delay(k)
        if elapsed + d >= self.policy["deadline"]:
            return {"give_up": "deadline"}
        return {"retry": d}

    def succeeded(self):
        return {"attempts": self.attempts + 1}
