#!/usr/bin/env python3
"""Reference implementation of docs/spec.md sections 1-4 and generator of the
conformance vectors in this directory.

    python3 tests/vectors/generate.py          # (re)write the JSON files
    python3 tests/vectors/generate.py --check  # exit 1 if they are stale

Pure Python 3.11, standard library only, written for clarity, not speed.
It shares no code with any implementation: it is the second reading of the spec
that the implementations are checked against.

Case definitions (inputs, and the expected error of every invalid policy) are
written by hand below; every other expected output is computed by the reference.
Hand-written expectations are asserted against the reference, so the two cannot
drift apart.
"""

import json
import math
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
MASK64 = (1 << 64) - 1

# ---------------------------------------------------------------------------
# 3.1 SplitMix64
# ---------------------------------------------------------------------------


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_unit(self):
        return (self.next_u64() >> 11) * 2.0**-53  # exact: 53-bit integer * 2^-53


# ---------------------------------------------------------------------------
# 1.2 Durations
# ---------------------------------------------------------------------------

DURATION_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m)")  # used with fullmatch


def duration_seconds(text):
    """Seconds for a duration string, or None if it does not match 1.2."""
    m = DURATION_RE.fullmatch(text)  # fullmatch: no trailing "\n" slips through
    if m is None:
        return None
    number, unit = float(m.group(1)), m.group(2)
    if unit == "ms":
        return number / 1000.0
    if unit == "m":
        return number * 60.0
    return number


# ---------------------------------------------------------------------------
# 1.1 Keys and built-in defaults
# ---------------------------------------------------------------------------

DEFAULTS = {
    "max_attempts": 10,
    "deadline": 30.0,
    "connect_timeout": 5.0,
    "initial_delay": 0.05,
    "max_delay": 5.0,
    "multiplier": 2.0,
    "jitter": "full",
    "retry_on": [],
    "never_retry": [],
    "limiter": {"enabled": True, "initial_limit": 2, "max_limit": 1000},
}
LIMITER_KEYS = ("enabled", "initial_limit", "max_limit")
DURATION_KEYS = ("deadline", "connect_timeout", "initial_delay", "max_delay")
JITTERS = ("full", "equal", "decorrelated", "none")


class PolicyError(Exception):
    def __init__(self, kind, table="", key="", line=0):
        super().__init__(f"{kind}: [{table}] {key} (line {line})")
        self.kind, self.table, self.key, self.line = kind, table, key, line


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)  # TOML true is not 1


def check_code_list(value, fail):
    if not isinstance(value, list):
        fail("wrong_type")
    for item in value:
        if not is_int(item):
            fail("wrong_type")
        if not 1 <= item <= 65535:
            fail("out_of_range")
    return list(value)  # kept as written: file order, duplicates kept


def check_value(key, value, fail):
    """The validated value of a known key; calls fail(kind) on a problem."""
    if key == "max_attempts":
        if not is_int(value):
            fail("wrong_type")
        if not 1 <= value <= 1000:
            fail("out_of_range")
        return value
    if key in DURATION_KEYS:
        if not isinstance(value, str):
            fail("bad_duration")
        seconds = duration_seconds(value)
        if seconds is None:
            fail("bad_duration")
        if not 0 < seconds < math.inf:
            fail("out_of_range")
        return seconds
    if key == "multiplier":
        if not (is_int(value) or isinstance(value, float)):
            fail("wrong_type")
        value = float(value)
        if not math.isfinite(value) or value < 1.0:
            fail("out_of_range")
        return value
    if key == "jitter":
        if not isinstance(value, str):
            fail("wrong_type")
        if value not in JITTERS:
            fail("bad_choice")
        return value
    return check_code_list(value, fail)  # retry_on, never_retry


# ---------------------------------------------------------------------------
# Line numbers. tomllib gives none, so a small scanner maps (table path, key)
# to the 1-based line that first names it. It understands table headers and
# (dotted) keys, which is all the vectors use; implementations take positions
# from their own TOML parser instead.
# ---------------------------------------------------------------------------

HEADER_RE = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
KEY_RE = re.compile(
    r"\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"))*)\s*="
)


def split_dotted(name):
    return tuple(part.strip().strip('"') for part in re.findall(r'"[^"]*"|[^.]+', name))


def key_lines(text):
    lines, table = {}, ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER_RE.match(line)
        if header:
            table = split_dotted(header.group(1))
            path = table
        else:
            key = KEY_RE.match(line)
            if not key:
                continue
            path = table + split_dotted(key.group(1))
        for i in range(len(path)):  # the key and every table it implies
            lines.setdefault((".".join(path[:i]), path[i]), number)
    return lines


# ---------------------------------------------------------------------------
# 1 and 1.3 Loading
# ---------------------------------------------------------------------------


def load_policy(text, service):
    """The effective policy (dict of 1.1 keys) or a PolicyError."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        m = re.search(r"at line (\d+)", str(error))
        raise PolicyError("syntax", line=int(m.group(1)) if m else 0) from None
    lines = key_lines(text)

    def fail_at(kind, table, key):
        raise PolicyError(kind, table, key, lines.get((table, key), 0))

    def check_table(table, values):
        checked = {}
        for key, value in values.items():
            if key not in DEFAULTS:
                fail_at("unknown_table" if isinstance(value, dict) else "unknown_key", table, key)
            if key == "limiter":
                checked[key] = check_limiter(table, value)
                continue
            checked[key] = check_value(key, value, lambda kind, key=key: fail_at(kind, table, key))
        return checked

    def check_limiter(parent, values):
        """The own keys of [PARENT.limiter] (spec 1.1)."""
        if not isinstance(values, dict):
            fail_at("wrong_type", parent, "limiter")
        table, checked = parent + ".limiter", {}
        for key, value in values.items():
            if key not in LIMITER_KEYS:
                fail_at("unknown_table" if isinstance(value, dict) else "unknown_key", table, key)
            if key == "enabled":
                if not isinstance(value, bool):
                    fail_at("wrong_type", table, key)
            else:
                if not is_int(value):
                    fail_at("wrong_type", table, key)
                if not 1 <= value <= 100000:
                    fail_at("out_of_range", table, key)
            checked[key] = value
        return checked

    # Every table is checked, whatever service is asked for.
    default, services = {}, {}
    for name, value in doc.items():
        if name == "default":
            if not isinstance(value, dict):
                fail_at("wrong_type", "", "default")
            default = check_table("default", value)
        elif name == "service":
            if not isinstance(value, dict):
                fail_at("wrong_type", "", "service")
            for sname, svalue in value.items():
                if not isinstance(svalue, dict):  # reported at the top level, key "service.NAME"
                    raise PolicyError(
                        "wrong_type", "", "service." + sname, lines.get(("service", sname), 0)
                    )
                services[sname] = check_table("service." + sname, svalue)
        else:
            fail_at("unknown_table" if isinstance(value, dict) else "unknown_key", "", name)

    # max_delay >= initial_delay and max_limit >= initial_limit on every
    # effective policy, after inheritance (the limiter is inherited key by key).
    def effective(table, own, base):
        policy = {**base, **own, "limiter": {**base["limiter"], **own.get("limiter", {})}}
        if policy["max_delay"] < policy["initial_delay"]:
            fail_at("inconsistent", table, "max_delay" if "max_delay" in own else "initial_delay")
        limiter, own_limiter = policy["limiter"], own.get("limiter", {})
        if limiter["max_limit"] < limiter["initial_limit"]:
            key = "max_limit" if "max_limit" in own_limiter else "initial_limit"
            fail_at("inconsistent", table + ".limiter", key)
        return policy

    default_policy = effective("default", default, DEFAULTS)
    service_policies = {
        n: effective("service." + n, s, default_policy) for n, s in services.items()
    }

    if service is None:
        return default_policy
    if service not in service_policies:
        raise PolicyError("unknown_service", "service." + service, "", 0)
    return service_policies[service]


# ---------------------------------------------------------------------------
# 2 Classification
# ---------------------------------------------------------------------------

CAPACITY = {1040, 1203, 1226, 1135, 1041, 9001}
TRANSIENT = {2002, 2003, 2006, 2013, 2055, 1053, 1927, 1158, 1159, 1160, 1161}
NAMED_FATAL = {1045, 1044, 1049, 1129, 2005, 2026, 2059}


def classify(code, policy):
    """code is an error number, or None for *network*."""
    if code is None:
        return "transient"
    if code in policy["never_retry"]:
        return "fatal"
    if code in CAPACITY:
        return "capacity"
    if code in TRANSIENT:
        return "transient"
    if code in policy["retry_on"]:
        return "transient"
    return "fatal"


# ---------------------------------------------------------------------------
# 3.2 Delays and 4 Decision: the state of one call
# ---------------------------------------------------------------------------


class Call:
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


# ---------------------------------------------------------------------------
# 6 Load control: the limiter
# ---------------------------------------------------------------------------


class Limiter:
    """Spec 6, event by event; each event returns (granted, probe_in)."""

    def __init__(self, policy, seed):
        self.policy = policy
        self.seeds = SplitMix64(seed)
        self.probes = Call(policy, self.seeds.next_u64())  # its delay(n) is the schedule
        self.retries = 0
        self.limit = policy["limiter"]["initial_limit"]
        self.max_limit = policy["limiter"]["max_limit"]
        self.holding = 0
        self.in_flight = []
        self.queue = []
        self.probing = None
        self.timer_armed = False
        self.slow_start = True

    @property
    def in_use(self):
        return self.holding + len(self.in_flight)

    def acquire(self, w):
        assert w not in self.in_flight and w not in self.queue
        self.queue.append(w)
        return self.settle([])

    def connected(self, w):
        self.in_flight.remove(w)
        self.holding += 1
        self.limit = min(self.max_limit, max(self.limit, self.holding))
        if self.probing == w:
            self.probing = None
            self.limit = min(self.max_limit, max(self.limit, self.in_use))
            self.probes, self.retries = Call(self.policy, self.seeds.next_u64()), 0
            self.slow_start = True
        elif self.slow_start:
            self.limit = min(self.max_limit, self.limit + 1)
        return self.settle([])

    def rejected(self, w):
        self.in_flight.remove(w)
        if self.probing == w:
            self.probing = None
        self.limit = self.holding
        self.slow_start = False
        self.queue.insert(0, w)
        return self.settle([])

    def left(self, w):
        if w in self.in_flight:
            self.in_flight.remove(w)
        elif w in self.queue:
            self.queue.remove(w)
        if self.probing == w:
            self.probing = None
        return self.settle([])

    def released(self):
        assert self.holding > 0
        self.holding -= 1
        return self.settle([])

    def probe(self):
        self.timer_armed = False
        granted = []
        if self.queue and self.probing is None:
            self.probing = self.queue.pop(0)
            self.in_flight.append(self.probing)
            granted.append(self.probing)
        return self.settle(granted)

    def settle(self, granted):
        while self.queue and self.in_use < self.limit:
            w = self.queue.pop(0)
            self.in_flight.append(w)
            granted.append(w)
        probe_in = None
        if self.queue and self.probing is None and not self.timer_armed:
            self.timer_armed = True
            self.retries += 1
            probe_in = self.probes.delay(self.retries)
        return granted, probe_in

    def state(self):
        return {
            "limit": self.limit,
            "holding": self.holding,
            "in_use": self.in_use,
            "queue": list(self.queue),
        }


# ---------------------------------------------------------------------------
# Case definitions
# ---------------------------------------------------------------------------

U64_MAX = str(MASK64)


def toml(*lines):
    """Policy text from lines, so the line numbers in the cases are easy to read."""
    return "".join(line + "\n" for line in lines)


# --- splitmix64.json -------------------------------------------------------

# Published values (Vigna's splitmix64.c, Java SplittableRandom) for seed 1234567.
PUBLISHED_1234567 = [
    6457827717110365317,
    3203168211198807973,
    9817491932198370423,
    4593380528125082431,
    16408922859458223821,
]

SPLITMIX_SEEDS = [
    ("published_seed_1234567", "1234567"),
    ("seed_zero", "0"),
    ("seed_one", "1"),
    ("seed_u64_max_wraps", U64_MAX),
    ("seed_u64_max_minus_one", str(MASK64 - 1)),
    ("seed_2_pow_63", str(1 << 63)),
    ("seed_2_pow_53_plus_one", str((1 << 53) + 1)),
    ("seed_golden_gamma", str(0x9E3779B97F4A7C15)),
    ("seed_minus_gamma_state_wraps_to_zero", str((1 << 64) - 0x9E3779B97F4A7C15)),
    ("seed_42", "42"),
]


def splitmix_cases():
    rng = SplitMix64(1234567)
    assert [rng.next_u64() for _ in PUBLISHED_1234567] == PUBLISHED_1234567
    cases = []
    for name, seed in SPLITMIX_SEEDS:
        raw, unit = SplitMix64(int(seed)), SplitMix64(int(seed))
        cases.append(
            {
                "name": name,
                "seed": seed,
                "outputs": [str(raw.next_u64()) for _ in range(8)],
                "units": [unit.next_unit() for _ in range(8)],
            }
        )
    return cases


# --- classification.json ---------------------------------------------------

CLASSIFY_POLICIES = {
    "empty": "",
    "retry_on": toml("[default]", "retry_on = [1205, 1213, 1045]"),
    "never_retry": toml("[default]", "never_retry = [1040, 2013, 1205]"),
    "both": toml("[default]", "retry_on = [1205, 1129, 2013]", "never_retry = [1205, 2013, 9001]"),
    "service": toml(
        "[default]",
        "retry_on = [1205]",
        "",
        "[service.batch]",
        "retry_on = [1213]",
        "never_retry = [1203]",
    ),
}


def classification_cases():
    cases = []

    def add(name, policy, service, code):
        text = CLASSIFY_POLICIES[policy]
        cls = classify(code, load_policy(text, service))
        cases.append({"name": name, "policy": text, "service": service, "code": code, "class": cls})

    for code in sorted(CAPACITY | TRANSIENT | NAMED_FATAL):
        add(f"builtin_{code}", "empty", None, code)
    add("network_is_transient", "empty", None, None)
    for code in (1064, 1205, 1213, 1, 65535, 2000):
        add(f"unlisted_{code}_is_fatal", "empty", None, code)
    add("retry_on_1205_transient", "retry_on", None, 1205)
    add("retry_on_1213_transient", "retry_on", None, 1213)
    add("retry_on_1045_fatal_made_transient", "retry_on", None, 1045)
    add("retry_on_keeps_capacity_1040", "retry_on", None, 1040)
    add("retry_on_unlisted_1064_still_fatal", "retry_on", None, 1064)
    add("never_retry_capacity_1040_fatal", "never_retry", None, 1040)
    add("never_retry_transient_2013_fatal", "never_retry", None, 2013)
    add("never_retry_network_still_transient", "never_retry", None, None)
    add("never_retry_keeps_other_capacity_1203", "never_retry", None, 1203)
    add("both_never_retry_beats_retry_on_1205", "both", None, 1205)
    add("both_never_retry_beats_builtin_and_retry_on_2013", "both", None, 2013)
    add("both_never_retry_capacity_9001_fatal", "both", None, 9001)
    add("both_retry_on_1129_transient", "both", None, 1129)
    add("both_builtin_capacity_1040_kept", "both", None, 1040)
    add("service_retry_on_replaces_default_1205_fatal", "service", "batch", 1205)
    add("service_retry_on_1213_transient", "service", "batch", 1213)
    add("service_never_retry_1203_fatal", "service", "batch", 1203)
    add("default_policy_of_same_file_1205_transient", "service", None, 1205)
    add("default_policy_of_same_file_1203_capacity", "service", None, 1203)
    return cases


# --- effective_policy.json -------------------------------------------------

EFFECTIVE_CASES = [
    (
        "limiter_table_in_default",
        toml("[default.limiter]", "initial_limit = 4", "max_limit = 50"),
        None,
    ),
    (
        "limiter_inherited_key_by_key",
        toml(
            "[default.limiter]", "initial_limit = 4", "", "[service.api.limiter]", "enabled = false"
        ),
        "api",
    ),
    (
        "limiter_as_inline_table_and_dotted_keys",
        toml(
            "[default]",
            "limiter = { max_limit = 7 }",
            "",
            "[service.api]",
            "limiter.initial_limit = 3",
        ),
        "api",
    ),
    ("empty_file_builtin_defaults", "", None),
    ("empty_default_table", toml("[default]"), None),
    ("comments_only", toml("# nothing here", "  # still nothing"), None),
    ("empty_service_table_gets_builtin_defaults", toml("[service.api]"), "api"),
    (
        "empty_service_table_gets_default_table",
        toml("[default]", "max_attempts = 4", 'deadline = "10s"', "", "[service.api]"),
        "api",
    ),
    (
        "all_keys_in_default",
        toml(
            "[default]",
            "max_attempts = 1000",
            'deadline = "2m"',
            'connect_timeout = "1.5s"',
            'initial_delay = "250ms"',
            'max_delay = "10s"',
            "multiplier = 1.5",
            'jitter = "decorrelated"',
            "retry_on = [1205, 1213]",
            "never_retry = [1040]",
        ),
        None,
    ),
    (
        "spec_example_service",
        toml(
            "[default]",
            "max_attempts = 10",
            'deadline = "30s"',
            "",
            "[service.scheduler]",
            'deadline = "2m"',
            "retry_on = [1205]",
        ),
        "scheduler",
    ),
    (
        "spec_example_default",
        toml(
            "[default]",
            "max_attempts = 10",
            'deadline = "30s"',
            "",
            "[service.scheduler]",
            'deadline = "2m"',
            "retry_on = [1205]",
        ),
        None,
    ),
    (
        "service_overrides_some_inherits_others",
        toml(
            "[default]",
            "max_attempts = 5",
            'jitter = "equal"',
            'initial_delay = "100ms"',
            "retry_on = [1205, 1213]",
            "never_retry = [1203]",
            "",
            "[service.reports]",
            'jitter = "none"',
            "retry_on = [2026]",
        ),
        "reports",
    ),
    (
        "service_empty_list_replaces_default_list",
        toml(
            "[default]",
            "retry_on = [1205]",
            "never_retry = [1040]",
            "",
            "[service.x]",
            "retry_on = []",
        ),
        "x",
    ),
    (
        "service_sees_builtin_when_default_absent",
        toml("[service.a]", "max_attempts = 3", "", "[service.b]", "max_attempts = 7"),
        "b",
    ),
    (
        "service_tables_before_default",
        toml("[service.late]", 'jitter = "none"', "", "[default]", "max_attempts = 2"),
        "late",
    ),
    ("integer_multiplier_accepted", toml("[default]", "multiplier = 3"), None),
    ("multiplier_exactly_one", toml("[default]", "multiplier = 1"), None),
    ("multiplier_float_one", toml("[default]", "multiplier = 1.0"), None),
    ("max_attempts_bounds_1", toml("[default]", "max_attempts = 1"), None),
    (
        "max_delay_equal_initial_delay",
        toml("[default]", 'initial_delay = "2s"', 'max_delay = "2000ms"'),
        None,
    ),
    (
        "durations_ms",
        toml(
            "[default]",
            'deadline = "30000ms"',
            'connect_timeout = "1ms"',
            'initial_delay = "5ms"',
            'max_delay = "999ms"',
        ),
        None,
    ),
    (
        "durations_s",
        toml(
            "[default]",
            'deadline = "45s"',
            'connect_timeout = "3s"',
            'initial_delay = "1s"',
            'max_delay = "20s"',
        ),
        None,
    ),
    (
        "durations_m",
        toml(
            "[default]",
            'deadline = "10m"',
            'connect_timeout = "1m"',
            'initial_delay = "0.5m"',
            'max_delay = "2m"',
        ),
        None,
    ),
    (
        "durations_fractional",
        toml(
            "[default]",
            'deadline = "1.5m"',
            'connect_timeout = "0.1s"',
            'initial_delay = "12.5ms"',
            'max_delay = "0.3s"',
        ),
        None,
    ),
    (
        "durations_leading_zeros_and_long_fraction",
        toml(
            "[default]",
            'deadline = "007s"',
            'initial_delay = "0.001s"',
            'max_delay = "1.0000000000000001s"',
        ),
        None,
    ),
    (
        "durations_tiny",
        toml("[default]", 'initial_delay = "0.001ms"', 'connect_timeout = "0.5ms"'),
        None,
    ),
    ("literal_string_duration", toml("[default]", "deadline = '45s'"), None),
    (
        "lists_kept_as_written",
        toml("[default]", "retry_on = [2026, 1205, 1213]", "never_retry = [65535, 1]"),
        None,
    ),
    ("multiline_list", toml("[default]", "retry_on = [", "  1205,", "  1213,", "]"), None),
    (
        "inline_service_table",
        toml("[service]", 'fast = { max_attempts = 3, jitter = "none" }'),
        "fast",
    ),
    ("dotted_keys", toml("default.max_attempts = 4", 'service.api.deadline = "5s"'), "api"),
    ("quoted_service_name", toml('[service."billing-db"]', "max_attempts = 2"), "billing-db"),
    (
        "service_raises_max_delay_lowers_initial",
        toml(
            "[default]",
            'initial_delay = "1s"',
            'max_delay = "2s"',
            "",
            "[service.s]",
            'initial_delay = "10ms"',
            'max_delay = "1m"',
        ),
        "s",
    ),
    ("empty_service_container_table", toml("[service]", "", "[default]", 'jitter = "equal"'), None),
]


def effective_cases():
    return [
        {"name": name, "policy": text, "service": service, "expect": load_policy(text, service)}
        for name, text, service in EFFECTIVE_CASES
    ]


# --- invalid_policy.json ---------------------------------------------------
# (name, policy, service, kind, table, key, line); all written by hand.

INVALID_CASES = [
    (
        "limiter_not_a_table",
        toml("[default]", "limiter = 3"),
        None,
        "wrong_type",
        "default",
        "limiter",
        2,
    ),
    (
        "limiter_unknown_key",
        toml("[default.limiter]", "size = 4"),
        None,
        "unknown_key",
        "default.limiter",
        "size",
        2,
    ),
    (
        "limiter_nested_table",
        toml("[default.limiter.extra]", "x = 1"),
        None,
        "unknown_table",
        "default.limiter",
        "extra",
        1,
    ),
    (
        "limiter_enabled_not_boolean",
        toml("[default.limiter]", 'enabled = "yes"'),
        None,
        "wrong_type",
        "default.limiter",
        "enabled",
        2,
    ),
    (
        "limiter_initial_limit_zero",
        toml("[default.limiter]", "initial_limit = 0"),
        None,
        "out_of_range",
        "default.limiter",
        "initial_limit",
        2,
    ),
    (
        "limiter_max_limit_too_large",
        toml("[service.api.limiter]", "max_limit = 100001"),
        "api",
        "out_of_range",
        "service.api.limiter",
        "max_limit",
        2,
    ),
    (
        "limiter_initial_limit_float",
        toml("[default.limiter]", "initial_limit = 2.0"),
        None,
        "wrong_type",
        "default.limiter",
        "initial_limit",
        2,
    ),
    (
        "limiter_max_below_initial",
        toml("[default.limiter]", "initial_limit = 8", "max_limit = 4"),
        None,
        "inconsistent",
        "default.limiter",
        "max_limit",
        3,
    ),
    (
        "limiter_service_initial_above_inherited_max",
        toml(
            "[default.limiter]", "max_limit = 5", "", "[service.api.limiter]", "initial_limit = 8"
        ),
        "api",
        "inconsistent",
        "service.api.limiter",
        "initial_limit",
        5,
    ),
    # syntax (line as tomllib reports it)
    ("syntax_missing_value", toml("[default]", "max_attempts = "), None, "syntax", "", "", 2),
    ("syntax_unterminated_string", toml("[default]", 'deadline = "30s'), None, "syntax", "", "", 2),
    ("syntax_unclosed_header", toml("[default", "max_attempts = 3"), None, "syntax", "", "", 1),
    (
        "syntax_duplicate_key",
        toml("[default]", "max_attempts = 3", "max_attempts = 4"),
        None,
        "syntax",
        "",
        "",
        3,
    ),
    ("syntax_duplicate_table", toml("[service.a]", "", "[service.a]"), "a", "syntax", "", "", 3),
    # unknown_table
    (
        "unknown_top_level_table",
        toml("[default]", "", "[defaults]", "max_attempts = 3"),
        None,
        "unknown_table",
        "",
        "defaults",
        3,
    ),
    (
        "table_inside_default",
        toml("[default]", "max_attempts = 3", "", "[default.limits]", "max = 1"),
        None,
        "unknown_table",
        "default",
        "limits",
        4,
    ),
    (
        "table_inside_service",
        toml("[service.api]", 'deadline = "5s"', "[service.api.tls]"),
        "api",
        "unknown_table",
        "service.api",
        "tls",
        3,
    ),
    (
        "inline_table_inside_default",
        toml("[default]", "limits = { max = 1 }"),
        None,
        "unknown_table",
        "default",
        "limits",
        2,
    ),
    # unknown_key
    (
        "unknown_key_in_default",
        toml("[default]", "max_attempts = 3", "max_retries = 3"),
        None,
        "unknown_key",
        "default",
        "max_retries",
        3,
    ),
    (
        "unknown_key_in_service",
        toml("[default]", "", "[service.api]", 'deadline = "5s"', 'timeout = "1s"'),
        "api",
        "unknown_key",
        "service.api",
        "timeout",
        5,
    ),
    (
        "key_case_matters",
        toml("[default]", "Max_Attempts = 3"),
        None,
        "unknown_key",
        "default",
        "Max_Attempts",
        2,
    ),
    (
        "non_table_value_at_top_level",
        toml("max_attempts = 3", "[default]"),
        None,
        "unknown_key",
        "",
        "max_attempts",
        1,
    ),
    (
        "unknown_key_in_other_service_still_fails",
        toml("[service.good]", "", "[service.bad]", "retries = 1"),
        "good",
        "unknown_key",
        "service.bad",
        "retries",
        4,
    ),
    # wrong_type
    ("default_not_a_table", toml("default = 3"), None, "wrong_type", "", "default", 1),
    (
        "default_array_of_tables",
        toml("[[default]]", "max_attempts = 3"),
        None,
        "wrong_type",
        "",
        "default",
        1,
    ),
    ("service_not_a_table", toml('service = "api"'), None, "wrong_type", "", "service", 1),
    (
        "service_entry_not_a_table",
        toml("[service]", "api = 3"),
        None,
        "wrong_type",
        "",
        "service.api",
        2,
    ),
    (
        "service_entry_array_of_tables",
        toml("[[service.api]]", "max_attempts = 3"),
        "api",
        "wrong_type",
        "",
        "service.api",
        1,
    ),
    (
        "max_attempts_string",
        toml("[default]", 'max_attempts = "10"'),
        None,
        "wrong_type",
        "default",
        "max_attempts",
        2,
    ),
    (
        "max_attempts_float",
        toml("[default]", "max_attempts = 10.5"),
        None,
        "wrong_type",
        "default",
        "max_attempts",
        2,
    ),
    (
        "max_attempts_integral_float",
        toml("[default]", "max_attempts = 10.0"),
        None,
        "wrong_type",
        "default",
        "max_attempts",
        2,
    ),
    (
        "max_attempts_bool",
        toml("[default]", "max_attempts = true"),
        None,
        "wrong_type",
        "default",
        "max_attempts",
        2,
    ),
    (
        "multiplier_string",
        toml("[default]", 'multiplier = "2"'),
        None,
        "wrong_type",
        "default",
        "multiplier",
        2,
    ),
    (
        "multiplier_bool",
        toml("[default]", "multiplier = true"),
        None,
        "wrong_type",
        "default",
        "multiplier",
        2,
    ),
    ("jitter_integer", toml("[default]", "jitter = 1"), None, "wrong_type", "default", "jitter", 2),
    (
        "retry_on_not_a_list",
        toml("[default]", "retry_on = 1040"),
        None,
        "wrong_type",
        "default",
        "retry_on",
        2,
    ),
    (
        "retry_on_string_element",
        toml("[default]", 'retry_on = [1040, "x"]'),
        None,
        "wrong_type",
        "default",
        "retry_on",
        2,
    ),
    (
        "never_retry_float_element",
        toml("[service.a]", "never_retry = [1045.0]"),
        "a",
        "wrong_type",
        "service.a",
        "never_retry",
        2,
    ),
    (
        "never_retry_bool_element",
        toml("[default]", "never_retry = [true]"),
        None,
        "wrong_type",
        "default",
        "never_retry",
        2,
    ),
    # bad_duration
    (
        "duration_bare_number",
        toml("[default]", "deadline = 30"),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_bare_float",
        toml("[default]", "connect_timeout = 2.5"),
        None,
        "bad_duration",
        "default",
        "connect_timeout",
        2,
    ),
    (
        "duration_bool",
        toml("[default]", "max_delay = true"),
        None,
        "bad_duration",
        "default",
        "max_delay",
        2,
    ),
    (
        "duration_space_before_unit",
        toml("[default]", 'deadline = "30 s"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_unit_sec",
        toml("[default]", 'deadline = "30sec"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_negative",
        toml("[default]", 'initial_delay = "-1s"'),
        None,
        "bad_duration",
        "default",
        "initial_delay",
        2,
    ),
    (
        "duration_hours",
        toml("[default]", 'deadline = "1h"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_no_unit",
        toml("[default]", 'deadline = "30"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_uppercase_unit",
        toml("[default]", 'deadline = "30S"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_leading_dot",
        toml("[default]", 'deadline = ".5s"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_trailing_dot",
        toml("[default]", 'deadline = "5.s"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_exponent",
        toml("[default]", 'deadline = "1e3ms"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_trailing_newline",
        toml("[default]", 'deadline = "30s\\n"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_leading_space",
        toml("[default]", 'deadline = " 30s"'),
        None,
        "bad_duration",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_in_service",
        toml("[default]", "", "[service.api]", 'connect_timeout = "5 ms"'),
        "api",
        "bad_duration",
        "service.api",
        "connect_timeout",
        4,
    ),
    # out_of_range
    (
        "max_attempts_zero",
        toml("[default]", "max_attempts = 0"),
        None,
        "out_of_range",
        "default",
        "max_attempts",
        2,
    ),
    (
        "max_attempts_1001",
        toml("[default]", "max_attempts = 1001"),
        None,
        "out_of_range",
        "default",
        "max_attempts",
        2,
    ),
    (
        "max_attempts_negative",
        toml("[service.a]", "max_attempts = -1"),
        "a",
        "out_of_range",
        "service.a",
        "max_attempts",
        2,
    ),
    (
        "duration_zero_ms",
        toml("[default]", 'initial_delay = "0ms"'),
        None,
        "out_of_range",
        "default",
        "initial_delay",
        2,
    ),
    (
        "duration_too_large_for_a_double",
        toml("[default]", 'deadline = "' + "9" * 400 + 's"'),
        None,
        "out_of_range",
        "default",
        "deadline",
        2,
    ),
    (
        "duration_zero_fraction",
        toml("[default]", 'deadline = "0.000s"'),
        None,
        "out_of_range",
        "default",
        "deadline",
        2,
    ),
    (
        "multiplier_below_one",
        toml("[default]", "multiplier = 0.5"),
        None,
        "out_of_range",
        "default",
        "multiplier",
        2,
    ),
    (
        "multiplier_zero_integer",
        toml("[default]", "multiplier = 0"),
        None,
        "out_of_range",
        "default",
        "multiplier",
        2,
    ),
    (
        "multiplier_nan",
        toml("[default]", "multiplier = nan"),
        None,
        "out_of_range",
        "default",
        "multiplier",
        2,
    ),
    (
        "multiplier_inf",
        toml("[default]", "multiplier = inf"),
        None,
        "out_of_range",
        "default",
        "multiplier",
        2,
    ),
    (
        "never_retry_zero",
        toml("[default]", "never_retry = [0]"),
        None,
        "out_of_range",
        "default",
        "never_retry",
        2,
    ),
    (
        "never_retry_70000",
        toml("[default]", "never_retry = [70000]"),
        None,
        "out_of_range",
        "default",
        "never_retry",
        2,
    ),
    (
        "retry_on_negative",
        toml("[default]", "retry_on = [1205, -1205]"),
        None,
        "out_of_range",
        "default",
        "retry_on",
        2,
    ),
    # bad_choice
    (
        "jitter_unknown",
        toml("[default]", 'jitter = "random"'),
        None,
        "bad_choice",
        "default",
        "jitter",
        2,
    ),
    (
        "jitter_wrong_case",
        toml("[default]", 'jitter = "Full"'),
        None,
        "bad_choice",
        "default",
        "jitter",
        2,
    ),
    # inconsistent
    (
        "default_max_delay_below_initial_delay",
        toml("[default]", 'initial_delay = "2s"', 'max_delay = "1s"'),
        None,
        "inconsistent",
        "default",
        "max_delay",
        3,
    ),
    (
        "default_initial_delay_above_builtin_max_delay",
        toml("[default]", "max_attempts = 3", 'initial_delay = "6s"'),
        None,
        "inconsistent",
        "default",
        "initial_delay",
        3,
    ),
    (
        "service_max_delay_below_inherited_initial_delay",
        toml(
            "[default]",
            'initial_delay = "500ms"',
            "",
            "[service.api]",
            'deadline = "5s"',
            'max_delay = "400ms"',
        ),
        "api",
        "inconsistent",
        "service.api",
        "max_delay",
        6,
    ),
    (
        "service_initial_delay_above_inherited_max_delay",
        toml("[default]", 'max_delay = "1s"', "", "[service.api]", 'initial_delay = "1.5s"'),
        "api",
        "inconsistent",
        "service.api",
        "initial_delay",
        5,
    ),
    (
        "service_names_both_reported_on_max_delay",
        toml("[service.api]", 'max_delay = "1ms"', 'initial_delay = "2ms"'),
        "api",
        "inconsistent",
        "service.api",
        "max_delay",
        2,
    ),
    (
        "inconsistent_other_service_still_fails",
        toml("[service.good]", "", "[service.bad]", 'initial_delay = "1m"'),
        "good",
        "inconsistent",
        "service.bad",
        "initial_delay",
        4,
    ),
    # unknown_service
    (
        "unknown_service",
        toml("[default]", "", "[service.api]", "", "[service.batch]"),
        "reports",
        "unknown_service",
        "service.reports",
        "",
        0,
    ),
    ("unknown_service_empty_file", "", "api", "unknown_service", "service.api", "", 0),
    (
        "unknown_service_default_only",
        toml("[default]", "max_attempts = 3"),
        "default",
        "unknown_service",
        "service.default",
        "",
        0,
    ),
]


def invalid_cases():
    cases = []
    for name, text, service, kind, table, key, line in INVALID_CASES:
        try:
            load_policy(text, service)
        except PolicyError as error:
            got = (error.kind, error.table, error.key, error.line)
            assert got == (kind, table, key, line), f"{name}: reference says {got}"
        else:
            raise AssertionError(f"{name}: reference accepts the policy")
        cases.append(
            {
                "name": name,
                "policy": text,
                "service": service,
                "kind": kind,
                "table": table,
                "key": key,
                "line": line,
            }
        )
    return cases


# --- decision.json ---------------------------------------------------------
# A case: name, policy text, service, seed, the failures of the call, how it
# must end ("success", "fatal", "attempts" or "deadline"; asserted), and
# either explicit elapsed times or an attempt duration from which the elapsed
# time of each failure is derived (t_k = t_(k-1) + d_(k-1) + attempt).

NET = None  # a network error

DEFAULT_TEXT = toml("[default]")


def decision(
    name,
    policy,
    failures,
    ends,
    seed="1234567",
    service=None,
    elapsed=None,
    attempt=0.02,
    boundary=False,
):
    """boundary=True allows t + d to lie within 1e-6 s of the deadline (else asserted
    against, so that rounding differences between languages cannot flip an outcome)."""
    return dict(
        name=name,
        policy=policy,
        service=service,
        seed=seed,
        failures=failures,
        ends=ends,
        elapsed=elapsed,
        attempt=attempt,
        boundary=boundary,
    )


def jitter_policy(kind, *extra):
    return toml("[default]", f'jitter = "{kind}"', *extra)


INHERIT = toml(
    "[default]",
    "max_attempts = 4",
    'initial_delay = "100ms"',
    'jitter = "none"',
    "retry_on = [1205]",
    "",
    "[service.batch]",
    "max_attempts = 6",
    'jitter = "equal"',
    "retry_on = [1213]",
    "",
    "[service.plain]",
)

DECISION_CASES = [
    # every jitter kind over several retries, same seed: one u per retry for all kinds
    decision("full_jitter_capacity_then_success", jitter_policy("full"), [1040] * 6, "success"),
    decision("equal_jitter_capacity_then_success", jitter_policy("equal"), [1040] * 6, "success"),
    decision(
        "decorrelated_jitter_capacity_then_success",
        jitter_policy("decorrelated"),
        [1040] * 6,
        "success",
    ),
    decision("none_jitter_capacity_then_success", jitter_policy("none"), [1040] * 6, "success"),
    decision("builtin_defaults_full_jitter_until_attempts", "", [2013] * 10, "attempts"),
    decision(
        "equal_jitter_until_attempts",
        jitter_policy("equal", "max_attempts = 8"),
        [2003] * 8,
        "attempts",
        seed="987654321",
    ),
    decision(
        "decorrelated_until_attempts_seed_zero",
        jitter_policy("decorrelated", "max_attempts = 9"),
        [1203] * 9,
        "attempts",
        seed="0",
    ),
    decision(
        "decorrelated_u64_max_seed",
        jitter_policy("decorrelated"),
        [2006] * 5,
        "success",
        seed=U64_MAX,
    ),
    decision(
        "full_jitter_u64_max_seed", jitter_policy("full"), [9001] * 5, "success", seed=U64_MAX
    ),
    # the max_delay cap
    decision(
        "none_reaches_max_delay_cap",
        jitter_policy(
            "none",
            'initial_delay = "100ms"',
            'max_delay = "1s"',
            'deadline = "1m"',
            "max_attempts = 9",
        ),
        [1040] * 9,
        "attempts",
    ),
    decision(
        "full_reaches_max_delay_cap",
        jitter_policy("full", 'initial_delay = "200ms"', 'max_delay = "1.5s"', 'deadline = "1m"'),
        [2013] * 10,
        "attempts",
    ),
    decision(
        "equal_reaches_max_delay_cap",
        jitter_policy("equal", 'initial_delay = "250ms"', 'max_delay = "1s"', 'deadline = "1m"'),
        [2013] * 8,
        "success",
    ),
    decision(
        "decorrelated_reaches_max_delay_cap",
        jitter_policy(
            "decorrelated", 'initial_delay = "100ms"', 'max_delay = "300ms"', 'deadline = "1m"'
        ),
        [1040] * 10,
        "attempts",
        seed="7",
    ),
    decision(
        "decorrelated_ignores_multiplier",
        jitter_policy("decorrelated", "multiplier = 7.5", 'deadline = "1m"'),
        [1040] * 6,
        "success",
    ),
    # multipliers
    decision(
        "multiplier_one_none_constant",
        jitter_policy("none", "multiplier = 1.0", 'initial_delay = "300ms"'),
        [1040] * 5,
        "success",
    ),
    decision(
        "multiplier_one_full",
        jitter_policy("full", "multiplier = 1", 'initial_delay = "300ms"'),
        [1040] * 5,
        "success",
        seed="31337",
    ),
    decision(
        "multiplier_1_5_none",
        jitter_policy("none", "multiplier = 1.5", 'initial_delay = "10ms"', 'max_delay = "10s"'),
        [2013] * 8,
        "success",
    ),
    decision(
        "multiplier_1_7_equal",
        jitter_policy("equal", "multiplier = 1.7", 'initial_delay = "30ms"', 'max_delay = "10s"'),
        [2013] * 8,
        "success",
    ),
    decision("multiplier_3_full", jitter_policy("full", "multiplier = 3"), [1203] * 6, "success"),
    # the deadline
    decision(
        "deadline_exactly_reached_gives_up",
        jitter_policy("none", 'initial_delay = "1s"', 'max_delay = "10s"', 'deadline = "7s"'),
        [1040] * 3,
        "deadline",
        elapsed=[0.25, 1.5, 3.0],
        boundary=True,
    ),
    decision(
        "deadline_just_missed_retries",
        jitter_policy("none", 'initial_delay = "1s"', 'max_delay = "10s"', 'deadline = "7s"'),
        [1040] * 3,
        "success",
        elapsed=[0.25, 1.5, 2.75],
    ),
    decision(
        "deadline_before_first_retry",
        jitter_policy("none", 'deadline = "1ms"'),
        [2003],
        "deadline",
        elapsed=[0.0005],
    ),
    decision(
        "deadline_full_jitter",
        jitter_policy("full", 'deadline = "2s"', 'initial_delay = "100ms"'),
        [1040] * 5,
        "deadline",
        attempt=0.1,
    ),
    decision(
        "deadline_equal_jitter",
        jitter_policy("equal", 'deadline = "1.5s"'),
        [2013] * 5,
        "deadline",
        attempt=0.05,
    ),
    decision(
        "deadline_decorrelated",
        jitter_policy(
            "decorrelated", 'deadline = "3s"', 'initial_delay = "200ms"', 'max_delay = "2s"'
        ),
        [2013] * 7,
        "deadline",
        seed="99",
    ),
    decision(
        "deadline_long_connect_attempts",
        jitter_policy("none", 'deadline = "10s"'),
        [NET] * 2,
        "deadline",
        attempt=5.0,
    ),
    # max_attempts
    decision(
        "max_attempts_1_retryable_gives_up_attempts",
        toml("[default]", "max_attempts = 1"),
        [1040],
        "attempts",
    ),
    decision(
        "max_attempts_1_network_gives_up_attempts",
        toml("[default]", "max_attempts = 1"),
        [NET],
        "attempts",
    ),
    decision(
        "max_attempts_1_fatal_gives_up_fatal",
        toml("[default]", "max_attempts = 1"),
        [1045],
        "fatal",
    ),
    decision(
        "max_attempts_3", toml("[default]", "max_attempts = 3"), [2013, 2013, 2013], "attempts"
    ),
    decision(
        "fatal_checked_before_attempts",
        toml("[default]", "max_attempts = 2"),
        [1040, 1045],
        "fatal",
    ),
    decision(
        "max_attempts_3_success_on_last",
        toml("[default]", "max_attempts = 3"),
        [2013, 2013],
        "success",
    ),
    # fatal codes
    decision("access_denied_first_attempt_fatal", DEFAULT_TEXT, [1045], "fatal"),
    decision("host_blocked_fatal_after_retries", DEFAULT_TEXT, [2003, 2003, 1129], "fatal"),
    decision("unknown_database_fatal", DEFAULT_TEXT, [1049], "fatal"),
    decision("unlisted_code_fatal", DEFAULT_TEXT, [NET, 1064], "fatal"),
    # network errors
    decision("network_errors_then_success", DEFAULT_TEXT, [NET] * 4, "success"),
    decision(
        "network_errors_until_attempts",
        toml("[default]", "max_attempts = 5", 'jitter = "equal"'),
        [NET] * 5,
        "attempts",
    ),
    # retry_on / never_retry
    decision(
        "retry_on_makes_1205_retryable",
        toml("[default]", "retry_on = [1205]"),
        [1205, 1205],
        "success",
    ),
    decision("without_retry_on_1205_is_fatal", DEFAULT_TEXT, [1205], "fatal"),
    decision(
        "retry_on_makes_1045_retryable",
        toml("[default]", "retry_on = [1045]", "max_attempts = 3"),
        [1045] * 3,
        "attempts",
    ),
    decision(
        "never_retry_makes_1040_fatal",
        toml("[default]", "never_retry = [1040]"),
        [2013, 1040],
        "fatal",
    ),
    decision(
        "never_retry_wins_over_retry_on",
        toml("[default]", "retry_on = [1040, 1205]", "never_retry = [1040]"),
        [1205, 1040],
        "fatal",
    ),
    decision(
        "never_retry_does_not_touch_network",
        toml("[default]", "never_retry = [2002, 2003]"),
        [NET, NET],
        "success",
    ),
    # service inheritance
    decision(
        "service_overrides_jitter_and_attempts", INHERIT, [1040] * 6, "attempts", service="batch"
    ),
    decision("service_inherits_initial_delay", INHERIT, [1040] * 3, "success", service="batch"),
    decision(
        "service_retry_on_replaced_not_merged", INHERIT, [1213, 1205], "fatal", service="batch"
    ),
    decision("default_policy_of_inheritance_file", INHERIT, [1205, 1040, 1040, 1040], "attempts"),
    decision(
        "empty_service_inherits_default",
        INHERIT,
        [1205, 1040, 1040, 1040],
        "attempts",
        service="plain",
    ),
    # success and mixed sequences
    decision("success_first_attempt", DEFAULT_TEXT, [], "success"),
    decision("success_after_two_attempts", DEFAULT_TEXT, [2002], "success"),
    decision(
        "mixed_codes_then_success",
        toml("[default]", "retry_on = [1213]"),
        [1040, NET, 2013, 1203, 9001, 1213, 1053, 1927],
        "success",
        seed="20240601",
    ),
    decision(
        "mixed_codes_then_fatal",
        jitter_policy("decorrelated"),
        [1158, 1159, 1160, 1161, 2055, 1135, 1041, 1226, 2059],
        "fatal",
        seed="5",
    ),
    decision(
        "mixed_codes_until_attempts",
        jitter_policy("equal", "max_attempts = 6"),
        [2006, 1040, NET, 1203, 2013, 9001],
        "attempts",
        seed="18446744073709551614",
    ),
]


def decision_steps(policy, seed, failures, elapsed, attempt, boundary):
    call, steps, t = Call(policy, int(seed)), [], 0.0
    for i, code in enumerate(failures):
        t = elapsed[i] if elapsed else t + attempt
        call.drawn = None
        outcome = call.failed(code, t)
        if call.drawn is not None and not boundary:
            assert abs(t + call.drawn - policy["deadline"]) > 1e-6, (
                "t + d too close to the deadline"
            )
        steps.append({"fail": code, "elapsed": t, "expect": outcome})
        if "give_up" in outcome:
            return steps, outcome["give_up"] if i == len(failures) - 1 else "early " + outcome[
                "give_up"
            ]
        t += outcome["retry"]
    steps.append({"success": True, "expect": call.succeeded()})
    return steps, "success"


def decision_cases():
    cases = []
    for c in DECISION_CASES:
        policy = load_policy(c["policy"], c["service"])
        try:
            steps, end = decision_steps(
                policy, c["seed"], c["failures"], c["elapsed"], c["attempt"], c["boundary"]
            )
        except AssertionError as error:
            raise AssertionError(f"{c['name']}: {error}") from None
        assert end == c["ends"], f"{c['name']}: ends with {end}, not {c['ends']}"
        cases.append(
            {
                "name": c["name"],
                "policy": c["policy"],
                "service": c["service"],
                "seed": c["seed"],
                "steps": steps,
            }
        )
    return cases


# --- limiter.json ----------------------------------------------------------


def acquire_all(*waiters):
    return [("acquire", w) for w in waiters]


NO_JITTER = toml("[default]", 'jitter = "none"')  # probe delays 50ms, 100ms, 200ms, ...

LIMITER_CASES = [
    # name, policy text, seed, events
    ("initial_limit_then_queue", NO_JITTER, "1", acquire_all(1, 2, 3, 4)),
    (
        "slow_start_grows_one_per_success_to_max_limit",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "max_limit = 5"),
        "1",
        [
            *acquire_all(*range(1, 11)),
            ("connected", 1),
            ("connected", 2),
            ("connected", 3),
            ("connected", 4),
            ("connected", 5),
            ("released", None),
            ("connected", 6),
        ],
    ),
    (
        "rejection_sets_limit_to_holding_keeps_the_turn_and_late_successes_win_back",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 4"),
        "7",
        [
            *acquire_all(*range(1, 8)),
            ("connected", 1),
            ("connected", 2),
            ("rejected", 5),
            ("connected", 3),
            ("rejected", 6),
        ],
    ),
    (
        "a_rejection_amid_a_burst_does_not_strand_the_slots_that_then_connect",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 6"),
        "3",
        [
            *acquire_all(*range(1, 9)),
            ("rejected", 1),
            *[("connected", w) for w in range(2, 7)],
            ("released", None),
        ],
    ),
    (
        "close_hands_the_slot_to_the_head_at_once",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2, 3),
            ("connected", 1),
            ("rejected", 2),
            ("released", None),
            ("connected", 2),
            ("released", None),
        ],
    ),
    (
        "full_server_probed_one_at_a_time_on_the_backoff_schedule",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2, 3),
            ("rejected", 1),
            ("probe", None),
            ("rejected", 1),
            ("probe", None),
            ("rejected", 1),
            ("probe", None),
            ("acquire", 4),
            ("rejected", 1),
        ],
    ),
    (
        "probe_success_raises_the_limit_and_restarts_the_schedule",
        toml("[default]", "[default.limiter]", "initial_limit = 1"),  # full jitter: seeded delays
        "12345",
        [
            *acquire_all(1, 2, 3),
            ("rejected", 1),
            ("probe", None),
            ("rejected", 1),
            ("probe", None),
            ("connected", 1),
            ("probe", None),
            ("connected", 2),
            ("released", None),
        ],
    ),
    (
        "a_successful_probe_resumes_slow_start",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2, 3, 4, 5),
            ("connected", 1),
            ("rejected", 2),
            ("probe", None),
            ("connected", 2),
            ("released", None),
            ("connected", 3),
        ],
    ),
    (
        "leaving_frees_a_queued_place_or_an_attempts_slot",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [*acquire_all(1, 2, 3), ("left", 2), ("left", 1), ("left", 3)],
    ),
    (
        "a_probe_that_leaves_lets_the_next_timer_arm",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2),
            ("rejected", 1),
            ("probe", None),
            ("left", 1),
            ("probe", None),
            ("connected", 2),
        ],
    ),
]


def storm_events(text, seed, clients, capacity):
    """The events of a storm on a server with `capacity` slots, played in a fixed
    order: resolve the oldest attempt, else close the oldest connection, else fire
    the probe timer. Every client connects once and closes."""
    limiter = Limiter(load_policy(text, None), int(seed))
    events, attempts, holders, armed = [], [], [], False

    def play(event, waiter=None):
        nonlocal armed
        events.append((event, waiter))
        act = getattr(limiter, event)
        granted, probe_in = act(waiter) if waiter is not None else act()
        attempts.extend(granted)
        armed = (armed and event != "probe") or probe_in is not None

    for client in range(1, clients + 1):
        play("acquire", client)
    while attempts or holders or armed:
        if attempts:
            waiter = attempts.pop(0)
            if len(holders) < capacity:
                holders.append(waiter)
                play("connected", waiter)
            else:
                play("rejected", waiter)
        elif holders:
            holders.pop(0)
            play("released")
        else:
            play("probe")
    return events


STORMS = [
    # name, policy text, seed, clients, server capacity
    (
        "storm_of_twelve_on_a_server_of_four",
        toml("[default]", 'initial_delay = "10ms"'),
        "2024",
        12,
        4,
    ),
    (
        "storm_of_twenty_on_a_server_of_three_decorrelated",
        toml("[default]", 'jitter = "decorrelated"', "[default.limiter]", "initial_limit = 4"),
        "99",
        20,
        3,
    ),
    (
        "storm_capped_by_max_limit",
        toml("[default]", "[default.limiter]", "max_limit = 2"),
        "5",
        8,
        6,
    ),
]


def limiter_cases():
    cases = []
    storms = [(n, t, seed, storm_events(t, seed, c, cap)) for n, t, seed, c, cap in STORMS]
    for name, text, seed, events in LIMITER_CASES + storms:
        limiter = Limiter(load_policy(text, None), int(seed))
        steps = []
        for event, waiter in events:
            act = getattr(limiter, event)
            granted, probe_in = act(waiter) if waiter is not None else act()
            step = {
                "event": event,
                "expect": {"granted": granted, "probe_in": probe_in, **limiter.state()},
            }
            if waiter is not None:
                step["waiter"] = waiter
            steps.append(step)
        cases.append({"name": name, "policy": text, "seed": seed, "steps": steps})
    return cases


# ---------------------------------------------------------------------------
# Self-checks of the reference against values computed by hand from the spec
# ---------------------------------------------------------------------------


def self_check():
    assert duration_seconds("50ms") == 50.0 / 1000.0 == 0.05
    assert duration_seconds("1.5m") == 90.0 and duration_seconds("2s") == 2.0
    assert duration_seconds("30s\n") is None
    assert SplitMix64(MASK64).state == MASK64
    none = {**DEFAULTS, "jitter": "none", "initial_delay": 1.0, "max_delay": 10.0}
    call = Call(none, 0)
    assert [call.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert classify(1040, {**DEFAULTS, "never_retry": [1040]}) == "fatal"


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def build_files():
    files = {
        "splitmix64.json": ("3.1", splitmix_cases()),
        "classification.json": ("2", classification_cases()),
        "effective_policy.json": ("1", effective_cases()),
        "decision.json": ("4", decision_cases()),
        "invalid_policy.json": ("1.3", invalid_cases()),
        "limiter.json": ("6", limiter_cases()),
    }
    out = {}
    for filename, (section, cases) in files.items():
        names = [case["name"] for case in cases]
        assert len(names) == len(set(names)), f"{filename}: duplicate case names"
        doc = {"spec": f"docs/spec.md section {section}", "cases": cases}
        # json writes floats with repr, so they round-trip exactly.
        out[filename] = (
            len(cases),
            json.dumps(doc, sort_keys=True, indent=2, allow_nan=False) + "\n",
        )
    return out


def main(argv):
    self_check()
    files = build_files()
    if "--check" in argv[1:]:
        stale = [
            name
            for name, (_, text) in files.items()
            if not (HERE / name).exists() or (HERE / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"{name} is stale: run python3 tests/vectors/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for name, (count, text) in files.items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}: {count} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
