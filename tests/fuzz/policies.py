"""Hostile policy files (docs/spec.md section 1), seeded and deterministic.

Most files are near-valid, so that every check of the validator is reached
rather than only the TOML parser's: a plausible policy with one or a few
hostile parts (types, ranges, durations, duplicates, unicode, NUL and control
characters, depth, size, garbage bytes and invalid UTF-8, TOML 1.1 syntax,
big and small numbers). The same seed and count give the same files on every
machine and Python version (random.Random's integer methods are stable).

    python3 tests/fuzz/policies.py --seed 1 --count 500 --out /tmp/policies
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

KEYS = (
    "max_attempts",
    "deadline",
    "connect_timeout",
    "initial_delay",
    "max_delay",
    "multiplier",
    "jitter",
    "retry_on",
    "never_retry",
)
LIMITER_KEYS = ("enabled", "initial_limit", "max_limit")
DURATION_KEYS = ("deadline", "connect_timeout", "initial_delay", "max_delay")
JITTERS = ("full", "equal", "decorrelated", "none")

# Integers around every bound of 1.1 and of 64 bits, in every TOML notation.
BOUNDARY_INTS = (
    "0", "1", "2", "-1", "+1", "999", "1000", "1001", "65535", "65536", "100000", "100001",
    "1_000", "01", "00", "-0", "+0", "0x0", "0x3E8", "0xFFFF", "0o1750", "0b1111101000",
    "0xff_ff", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "99999999999999999999999",
    "0x7FFFFFFFFFFFFFFF", "0x8000000000000000", "0xFFFFFFFFFFFFFFFF",
    "0o777777777777777777777", "0o1777777777777777777777",
    "0b" + "1" * 63, "0b1" + "0" * 63, "1__0", "_1", "1_", "0x", "0X10", "-0x1", "4294967296",
    "0x" + "0" * 124 + "1", "0x" + "0" * 125 + "1", "1" + "_0" * 62, "1" + "_0" * 63,
)  # fmt: skip
# Floats: overflow, underflow, subnormals, signed zeros, specials and bad forms.
BOUNDARY_FLOATS = (
    "1.0", "1.5", "2.0", "0.5", "0.999999999999", "1e0", "1E3", "1e308", "1.7976931348623157e308",
    "1.7976931348623159e308", "1e309", "-1e309", "1e-400", "4.9e-324", "2.5e-324", "2.4e-324",
    "-0.0", "+0.0", "0.0", "1e-7", "1e21", "123456789012345678901234567890.0", "inf", "+inf",
    "-inf", "nan", "+nan", "-nan", "Inf", "NaN", "1.", ".5", "1e", "1e+", "1.5e-3", "3.0e+2",
    "1_0.5", "1.0_5", "1e1_0", "0.1e-2", "1e+308", "1.0000000000000002", "1" + "0" * 400 + ".0",
    "1e20", "1e-6", "1.5e-7", "-1e21", "+1." + "0" * 123, "+1." + "0" * 124, "1." + "0" * 130,
)  # fmt: skip
GOOD_DURATIONS = ("50ms", "5s", "2m", "0.5s", "1.25m", "250ms", "30s", "1s", "100ms", "10m")
BAD_DURATIONS = (
    "0s", "0ms", "0.0m", "30", "30S", "30 s", " 30s", "30s ", "30s\\n", ".5s", "5.s", "-1s", "+1s",
    "1e3s", "1h", "1_000ms", "", "s", "ms", "1" * 400 + "s", "0." + "0" * 400 + "1s",
    "9" * 320 + "m", "1.5", "inf s", "nan", "0x10s", "00s", "007ms", "1.0000000000000001s",
    "\u0663s", "\uff13s",  # digits that are not ASCII: an Arabic-Indic and a fullwidth 3
)  # fmt: skip
# Key and table name material: plain, quoted with escapes, unicode, NUL and controls.
NAME_PARTS = (
    "api", "batch", "a", "x-y", "_", "-", "1", "0", "default", "service", "limiter", "max_attempts",
    "deadline", "enabled", "Service", "API", "a b", "café", "日本", "🙂", "\\u0000", "a\\u0000b",
    "\\u0001", "\\u001F", "\\u007F", "\\n", "\\t", "\\r", "\\b", "\\f", '\\"', "\\\\", "\\u2028",
    "\\uFEFF", "\\U0001F642", "\\u00e9", "e\\u0301", "", ".", "[", "]", "=", "#", "'",
)  # fmt: skip
# What TOML 1.1 added; a TOML v1.0 parser rejects each (spec 1).
TOML_1_1 = (
    "limiter = {\n  enabled = false\n}",
    "limiter = { enabled = false, }",
    "limiter = { enabled = false, # note\n}",
    "limiter = {\n}",
    "limiter = { initial_limit = 2,\n  max_limit = 4 }",
    'jitter = "\\e"',
    'jitter = "\\x66ull"',
    'jitter = """\\x66ull"""',
    '"\\x41" = 1',
    "deadline = 07:32",
    "deadline = 1979-05-27 07:32",
    "deadline = 1979-05-27T07:32Z",
    "deadline = 1979-05-27T07:32+01:00",
    "retry_on = [{ a = 1, }]",
)


@dataclass(frozen=True)
class PolicyCase:
    """One generated file: ``name`` is its index and what made it."""

    name: str
    data: bytes


class _Maker:
    """Makes the parts of one file from one random stream."""

    def __init__(self, rng: random.Random, good: float) -> None:
        self.r = rng
        self.good = good  # the share of values that are right

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, items: tuple[str, ...]) -> str:
        return items[self.r.randrange(len(items))]

    # -- names --------------------------------------------------------------

    def bare_name(self) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_-"
        return "".join(self.pick(tuple(alphabet)) for _ in range(self.r.randint(1, 8)))

    def name(self) -> str:
        """A key or table name as written: bare, basic-quoted or literal-quoted."""
        roll = self.r.random()
        if roll < 0.6:
            return self.bare_name()
        part = self.pick(NAME_PARTS)
        if roll < 0.9:
            return f'"{part}"'
        literal = part.replace("\\", "").replace("'", "")
        return f"'{literal}'"

    # -- values -------------------------------------------------------------

    def good_value(self, key: str) -> str:
        if key == "max_attempts":
            return str(self.r.randint(1, 1000))
        # Right values make a consistent policy (max_delay >= initial_delay, ...).
        if key == "initial_delay":
            return f'"{self.pick(("50ms", "100ms", "250ms", "0.5s", "1s"))}"'
        if key == "max_delay":
            return f'"{self.pick(("5s", "30s", "2m", "10m"))}"'
        if key in DURATION_KEYS:
            return f'"{self.pick(GOOD_DURATIONS)}"'
        if key == "multiplier":
            return self.pick(("1", "2", "1.5", "3.0", "1.0", "10", "2.5"))
        if key == "jitter":
            return f'"{self.pick(JITTERS)}"'
        if key == "enabled":
            return self.pick(("true", "false"))
        if key == "initial_limit":
            return str(self.r.randint(1, 20))
        if key == "max_limit":
            return str(self.r.randint(20, 100000))
        codes = [str(self.r.choice((1040, 1203, 1205, 2013, 1, 65535))) for _ in range(3)]
        return "[" + ", ".join(codes[: self.r.randint(0, 3)]) + "]"

    def scalar(self) -> str:
        """Any TOML scalar, valid or not, of any type."""
        makers: tuple[Callable[[], str], ...] = (
            lambda: self.pick(BOUNDARY_INTS),
            lambda: self.pick(BOUNDARY_FLOATS),
            lambda: f'"{self.pick(GOOD_DURATIONS + BAD_DURATIONS + JITTERS)}"',
            lambda: f"'{self.pick(GOOD_DURATIONS + JITTERS)}'",
            lambda: f'"""{self.pick(GOOD_DURATIONS + JITTERS)}"""',
            lambda: f'"{self.pick(NAME_PARTS)}"',
            lambda: self.pick(("true", "false", "True", "yes", "null")),
            lambda: self.pick(
                (
                    "1979-05-27",
                    "07:32:00",
                    "1979-05-27T07:32:00Z",
                    "1979-05-27 07:32:00.999",
                    "1979-05-27T07:32:00-07:00",
                    "1979-13-27",
                    "1979-02-30",
                    "1979-02-29",
                    "2000-02-29",
                    "1900-02-29",
                    "25:00:00",
                    "23:59:60",
                    "1979-05-27T07:32:60Z",
                    "07:32:00." + "1" * 64,
                    "07:32:00." + "1" * 65,
                )
            ),
        )
        return makers[self.r.randrange(len(makers))]()

    def array(self, depth: int = 0) -> str:
        items = []
        for _ in range(self.r.randint(0, 4)):
            if depth < 2 and self.chance(0.15):
                items.append(self.array(depth + 1))
            elif self.chance(0.6):
                items.append(self.pick(BOUNDARY_INTS))
            else:
                items.append(self.scalar())
        sep = self.pick((", ", ",", ",\n  ", " , "))
        trailing = "," if items and self.chance(0.2) else ""
        comment = " # codes\n" if self.chance(0.1) else ""
        return "[" + comment + sep.join(items) + trailing + "]"

    def inline_table(self, keys: tuple[str, ...]) -> str:
        pairs = self.pairs(keys, self.r.randint(0, 3))
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"

    def value(self, key: str) -> str:
        """The value of ``key``: right as often as ``good`` says, else anything."""
        if self.chance(self.good):
            return self.good_value(key)
        roll = self.r.random()
        if roll < 0.2 and key in DURATION_KEYS:
            return f'"{self.pick(BAD_DURATIONS)}"'
        if roll < 0.4 and key in ("retry_on", "never_retry"):
            return self.array()
        if roll < 0.5:
            return self.array()
        if roll < 0.55:
            return self.inline_table(LIMITER_KEYS if self.chance(0.5) else KEYS)
        return self.scalar()

    def key(self, keys: tuple[str, ...]) -> str:
        return self.pick(keys) if self.chance(0.5 + self.good / 2) else self.name()

    # -- tables -------------------------------------------------------------

    def pairs(self, keys: tuple[str, ...], count: int) -> list[str]:
        """``count`` lines ``key = value``: distinct keys with their own values as often
        as ``good`` says, else any key (maybe again) with another key's value."""
        lines = []
        for key in self.r.sample(keys, min(count, len(keys))):
            named = key if self.chance(self.good) else self.key(keys)
            lines.append(f"{named} = {self.value(key)}")
        return lines

    def table(self, header: str) -> list[str]:
        lines = [f"[{header}]", *self.pairs(KEYS, self.r.randint(0, 5))]
        if self.chance(0.25):
            lines.append(f"limiter = {self.inline_table(LIMITER_KEYS)}")
        elif self.chance(0.2):
            lines.append(f"limiter.{self.key(LIMITER_KEYS)} = {self.value('enabled')}")
        elif self.chance(0.3):
            lines += ["", f"[{header}.limiter]", *self.pairs(LIMITER_KEYS, self.r.randint(0, 3))]
        return lines

    def service_header(self) -> str:
        name = self.bare_name() if self.chance(0.7) else self.name()
        return f"service.{name}" if self.chance(0.9) else f"service . {name}"

    def document(self) -> str:
        """A plausible policy, its tables in random order, some lines odd."""
        blocks = []
        if self.chance(0.8):
            blocks.append(self.table("default"))
        for _ in range(self.r.randint(0, 3)):
            blocks.append(self.table(self.service_header()))
        if self.chance(0.1 * (1 - self.good)):
            blocks.append([f"[{self.name()}]", *self.pairs(KEYS, 1)])
        self.r.shuffle(blocks)
        top = []  # top-level keys precede every header
        if self.chance(0.1):
            key = self.pick(KEYS)
            top.append(f"service.{self.bare_name()}.{key} = {self.value(key)}")
        if self.chance(0.08 * (1 - self.good)):
            top.append(f"{self.pick(('default', 'service', 'x'))} = {self.scalar()}")
        lines = top + [line for block in blocks for line in (*block, "")]
        if self.chance(0.2):
            lines.insert(self.r.randint(0, len(lines)), "# " + self.pick(NAME_PARTS))
        return "\n".join(lines)


# -- hostile parts, each making a whole file from a plausible one ---------------


def _valid(m: _Maker) -> str:
    return m.document()


def _types_and_ranges(m: _Maker) -> str:
    m.good = m.r.choice((0.5, 0.8, 0.95))
    return m.document()


def _duplicates(m: _Maker) -> str:
    lines = m.document().split("\n")
    keyed = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    if keyed:
        at = m.r.choice(keyed)
        lines.insert(m.r.randint(at, len(lines)), lines[at])
    else:
        lines += ["[default]", "[default]"]
    if m.chance(0.3):
        lines += ["[service.api]", "limiter = {}", "[service.api.limiter]"]
    if m.chance(0.2):
        lines += ["[[service.api]]"] if m.chance(0.5) else ["[[default]]"]
    return "\n".join(lines)


def _unicode_and_controls(m: _Maker) -> str:
    text = m.document()
    raw = ("\x00", "\x01", "\x1f", "\x7f", "\t", "\r", "\u2028", "\u0085", "\ufeff", "é", "🙂")
    for _ in range(m.r.randint(1, 3)):
        at = m.r.randint(0, len(text))
        if m.chance(0.5):  # a name with an escape, where a key may stand
            name = f'"{m.pick(NAME_PARTS)}"'
            text = (
                f"{text}\n[default]\n{name} = 1\n" if m.chance(0.5) else f"[service.{name}]\n{text}"
            )
        else:
            text = text[:at] + m.pick(raw) + text[at:]
    return text


def _depth(m: _Maker) -> str:
    """Nesting around every parser's limit: values (256 in toml++) and dotted keys."""
    n = m.r.choice((1, 78, 79, 80, 81, 200, 254, 255, 256, 257, 300, 1000, 5000))
    roll = m.r.randrange(5)
    if roll == 0:
        inner = m.pick(("", "1", "1040", '"x"', "{}"))
        value = "[" * n + inner + "]" * n
        return f"[default]\nretry_on = {value}\n"
    if roll == 1:
        value = "{ a = " * n + "1" + " }" * n
        return f"[default]\nlimiter = {value}\n"
    if roll == 2:
        value = "".join(m.pick(("[", "{ a = ")) for _ in range(n))
        return f"[service.api]\nmax_attempts = 3\nnever_retry = {value}\n"
    parts = ".".join(m.pick(("a", "b", '"c"', "'d'")) for _ in range(n))
    if roll == 3:
        return f"[default]\n{parts} = 1\n"
    return f"[{m.pick(('default', 'service', 'service.api'))}.{parts}]\nx = 1\n"


def _size(m: _Maker) -> str:
    roll = m.r.randrange(3)
    if roll == 0:
        services = m.r.randint(100, 1500)
        return "".join(
            f'[service.s{i}]\nmax_attempts = {1 + i % 1000}\ndeadline = "{1 + i % 60}s"\n\n'
            for i in range(services)
        )
    if roll == 1:
        codes = ", ".join(str(1 + i % 65535) for i in range(m.r.randint(1000, 20000)))
        return f"[default]\nretry_on = [{codes}]\n"
    return f'[default]\njitter = "{"x" * m.r.randint(10_000, 200_000)}"\n'


def _toml_1_1(m: _Maker) -> str:
    lines = m.document().split("\n")
    header = m.pick(("[service.new]", "[service.new.limiter]", "[other]"))
    lines.insert(m.r.randint(0, len(lines)), f"{header}\n{m.pick(TOML_1_1)}")
    return "\n".join(lines)


def _numbers(m: _Maker) -> str:
    key = m.pick(("multiplier", "max_attempts", "deadline", "retry_on", "initial_limit"))
    number = m.pick(BOUNDARY_INTS + BOUNDARY_FLOATS)
    value = f"[{number}]" if key == "retry_on" else number
    table = "[service.numbers.limiter]" if key == "initial_limit" else "[service.numbers]"
    return f"{m.document()}\n{table}\n{key} = {value}\n"


def _durations(m: _Maker) -> str:
    key = m.pick(DURATION_KEYS)
    quote = m.pick(('"', "'", '"""'))
    text = m.pick(BAD_DURATIONS + GOOD_DURATIONS)
    if quote != '"':
        text = text.replace("\\n", "\n")
    return f"[service.durations]\n{key} = {quote}{text}{quote}\n{m.document()}"


# Invalid UTF-8: a lone continuation, a truncated sequence, an overlong
# encoding, an encoded surrogate, a code point past U+10FFFF, bytes never used.
_BAD_UTF8 = (
    b"\x80",
    b"\xc3",
    b"\xe6\x97",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xff",
)


def _garbage(m: _Maker) -> bytes:
    data = bytearray(m.document().encode())
    for _ in range(m.r.randint(1, 3)):
        at = m.r.randint(0, len(data))
        roll = m.r.randrange(6)
        if roll == 0:
            data[at:at] = m.r.choice(_BAD_UTF8)
        elif roll == 1:
            data[at:at] = bytes(m.r.randrange(256) for _ in range(m.r.randint(1, 4)))
        elif roll == 2:
            del data[at : at + m.r.randint(1, 3)]
        elif roll == 3:
            data[at:at] = m.r.choice((b"=", b"[", b"]", b"{", b"}", b'"', b"'", b",", b".", b"#"))
        elif roll == 4:
            data = data.replace(b"\n", b"\r\n") if m.chance(0.5) else data[: max(at, 1)]
        else:
            data[0:0] = b"\xef\xbb\xbf"  # a BOM: at the start it is allowed
    return bytes(data)


# (what, weight, maker): the weights add up to 100.
_PARTS: tuple[tuple[str, int, Callable[[_Maker], str | bytes]], ...] = (
    ("valid", 8, _valid),
    ("types", 14, _types_and_ranges),
    ("duplicates", 8, _duplicates),
    ("unicode", 12, _unicode_and_controls),
    ("depth", 7, _depth),
    ("size", 2, _size),
    ("toml11", 10, _toml_1_1),
    ("numbers", 14, _numbers),
    ("durations", 10, _durations),
    ("garbage", 15, _garbage),
)


def generate(seed: int, count: int) -> Iterator[PolicyCase]:
    """``count`` files from ``seed``: the same ones on every run."""
    rng = random.Random(seed)
    names = [what for what, _, _ in _PARTS]
    weights = [weight for _, weight, _ in _PARTS]
    makers = {what: make for what, _, make in _PARTS}
    for index in range(count):
        what = rng.choices(names, weights)[0]
        made = makers[what](_Maker(random.Random(rng.getrandbits(64)), good=1.0))
        data = made if isinstance(made, bytes) else made.encode("utf-8", "surrogatepass")
        yield PolicyCase(f"{seed}-{index:05d}-{what}", data)


def write(cases: Iterator[PolicyCase], directory: Path) -> list[Path]:
    """Writes each case to ``directory``/NAME.toml; the paths, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases:
        path = directory / f"{case.name}.toml"
        path.write_bytes(case.data)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for path in write(generate(args.seed, args.count), args.out):
        print(path)


if __name__ == "__main__":
    main()
