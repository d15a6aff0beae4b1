"""The ``connguard`` command: check a policy, explain an error code, show a schedule."""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence

from connguard import _native
from connguard.errors import PolicyError

__all__ = ["main"]

_DURATION_KEYS = ("deadline", "connect_timeout", "initial_delay", "max_delay")


def _policy_lines(policy: _native.Policy) -> list[str]:
    """The effective policy as TOML lines a user could paste back."""
    lines = []
    for key, value in policy.to_dict().items():
        if key in _DURATION_KEYS:
            shown = json.dumps(_native.format_duration(float(value)))  # type: ignore[arg-type]
        elif isinstance(value, str):
            shown = json.dumps(value)
        else:
            shown = repr(value)
        lines.append(f"{key} = {shown}")
    return lines


def _check(args: argparse.Namespace) -> int:
    policies = _native.PolicySet.load(args.file)
    names = [args.service] if args.service else policies.service_names
    print(f"{args.file}: valid ({len(policies.service_names)} services)")
    if not args.service:
        print("\n[default]")
        print("\n".join(_policy_lines(policies.defaults)))
    for name in names:
        print(f"\n[service.{name}]")
        print("\n".join(_policy_lines(policies.service(name))))
    return 0


def _explain(args: argparse.Namespace) -> int:
    info = _native.code_info(args.code)
    if info is None:
        print(
            f"{args.code}: not in connguard's table, so {_native.classify(args.code)}: "
            "never retried (list it in retry_on to retry it)."
        )
        return 0
    retried = "never retried" if info.error_class == "fatal" else "retried"
    print(f"{info.code} {info.name}: {info.error_class} ({retried})")
    print(f"  what it means: {info.meaning}")
    print(f"  what to do:    {info.advice}")
    return 0


def _schedule(args: argparse.Namespace) -> int:
    policies = _native.PolicySet.load(args.file)
    policy = policies.service(args.service) if args.service else policies.defaults
    seed = args.seed if args.seed is not None else random.getrandbits(64)
    schedule = _native.Schedule(policy, seed)
    delays = [schedule.next() for _ in range(policy.max_attempts - 1)]
    if args.json:
        print(
            json.dumps(
                {
                    "service": args.service,
                    "seed": str(seed),
                    "jitter": policy.jitter,
                    "delays": delays,
                },
                indent=2,
            )
        )
        return 0
    print(
        f"service {args.service or 'default'}, seed {seed}, jitter {policy.jitter}; "
        "delays after failed attempts (1040 each), deadline ignored:"
    )
    total = 0.0
    print(f"{'after attempt':>13}  {'sleep':>10}  {'slept in all':>12}")
    for attempt, delay in enumerate(delays, start=1):
        total += delay
        print(f"{attempt:>13}  {delay:>9.4f}s  {total:>11.4f}s")
    return 0


def _seed(text: str) -> int:
    value = int(text, 0)
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError("a seed is an integer from 0 to 2**64-1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connguard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate a policy file, print each effective policy")
    check.add_argument("file")
    check.add_argument("--service", help="only this service")
    check.set_defaults(run=_check)

    explain = commands.add_parser(
        "explain", help="what a MySQL/MariaDB error code means to connguard"
    )
    explain.add_argument("code", type=int)
    explain.set_defaults(run=_explain)

    schedule = commands.add_parser("schedule", help="the delays a policy would sleep")
    schedule.add_argument("file")
    schedule.add_argument("--service")
    schedule.add_argument("--seed", type=_seed, help="random seed (default: a random one, printed)")
    schedule.add_argument("--json", action="store_true", help="print JSON")
    schedule.set_defaults(run=_schedule)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PolicyError as exc:
        print(f"connguard: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
