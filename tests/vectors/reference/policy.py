"""Spec 1: the policy file, its keys, durations, defaults and errors."""

import math
import re
import tomllib

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
# The limits of 1.3 that tomllib does not keep: numbers (64-bit integers,
# finite floats, at most 126 characters) and depth (a value inside at most 255
# arrays or inline tables). Like key_lines, these scanners understand what the
# vectors use: one statement a line, no '#' or brackets inside strings.
# ---------------------------------------------------------------------------

MAX_DEPTH = 256
MAX_NUMBER = 126
STRING_RE = re.compile(r'"(?:\\.|[^"\\])*"|\'[^\']*\'')
NUMBER_RE = re.compile(r"[=\[,{]\s*([+-]?[0-9][0-9A-Za-z_.+-]*)")


def number_problem(token):
    if token.count(":") or re.match(r"\d{4}-", token):
        return False  # a date or a time
    if len(token) > MAX_NUMBER:
        return True
    digits = token.replace("_", "")
    try:
        return not -(2**63) <= int(digits, 0) < 2**63
    except ValueError:
        return math.isinf(float(digits))


def limit_lines(text):
    """Lines where a number or a value's depth breaks the limits, in order."""
    found, depth = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        code = STRING_RE.sub('""', line).split("#")[0]
        if depth == 0 and code.lstrip().startswith("["):
            continue  # a table header
        if any(number_problem(token) for token in NUMBER_RE.findall(code)):
            found.append(number)
        for c in code.partition("=")[2] if depth == 0 else code:
            if c in "[{" or (c not in "]} \t," and depth >= MAX_DEPTH):
                if depth >= MAX_DEPTH:
                    found.append(number)
                depth += c in "[{"
            elif c in "]}":
                depth -= 1
    return found


def load_policy(text, service):
    """The effective policy (dict of 1.1 keys) or a PolicyError."""
    limits = limit_lines(text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        m = re.search(r"at line (\d+)", str(error))
        # Ended too early: the line of the text's last character.
        line = int(m.group(1)) if m else text[:-1].count("\n") + 1
        raise PolicyError("syntax", line=min([line, *limits])) from None
    if limits:
        raise PolicyError("syntax", line=limits[0])
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
        elif name == "deployment":  # connguard plan's (docs/scale.md): not a policy
            if not isinstance(value, dict):
                fail_at("wrong_type", "", "deployment")
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
