"""The ``connguard`` command: check a policy, explain an error code, show a schedule.

``storm`` imports its drivers and tools when it runs, so the rest of the
command works with no driver installed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable, Sequence
from typing import Any

from connguard import __version__, _native, plan, probe
from connguard.errors import PolicyError
from connguard.simulate.cli import register as register_simulate
from connguard.storm.scenario import (
    ADAPTERS,
    DEFAULT_SEED,
    HOLD_CAP,
    HOLD_DISTS,
    LOGNORMAL_SIGMA,
    MIX,
    PARETO_ALPHA,
    POOL_ADAPTER,
    STRATEGIES,
)

__all__ = ["main"]

_DURATION_KEYS = ("deadline", "connect_timeout", "initial_delay", "max_delay")


def _policy_lines(policy: _native.Policy, table: str) -> list[str]:
    """The effective policy as TOML a user could paste back."""
    lines = [f"[{table}]"]
    for key, value in policy.to_dict().items():
        if key == "limiter":
            continue  # its own table, below
        if key in _DURATION_KEYS:
            shown = json.dumps(_native.format_duration(float(value)))  # type: ignore[arg-type]
        elif isinstance(value, str):
            shown = json.dumps(value)
        else:
            shown = repr(value)
        lines.append(f"{key} = {shown}")
    limiter = policy.limiter
    lines += [
        f"[{table}.limiter]",
        f"enabled = {str(limiter.enabled).lower()}",
        f"initial_limit = {limiter.initial_limit}",
        f"max_limit = {limiter.max_limit}",
    ]
    return lines


def _check(args: argparse.Namespace) -> int:
    policies = _native.PolicySet.load(args.file)
    names = [args.service] if args.service else policies.service_names
    if args.json:
        services = {name: policies.service(name).to_dict() for name in names}
        shown: dict[str, Any] = {"file": args.file, "valid": True}
        if not args.service:
            shown["default"] = policies.defaults.to_dict()
        print(json.dumps({**shown, "services": services}, indent=2))
        return 0
    print(f"{args.file}: valid ({len(policies.service_names)} services)")
    if not args.service:
        print("\n" + "\n".join(_policy_lines(policies.defaults, "default")))
    for name in names:
        print("\n" + "\n".join(_policy_lines(policies.service(name), f"service.{name}")))
    return 0


# An error number is two bytes in the protocol's error packet.
_MAX_CODE = 65535


def _code(text: str) -> int | str:
    """An error number, or a symbolic name such as ``ER_CON_COUNT_ERROR``."""
    if not text.lstrip("+-").isdigit():
        if not text.replace("_", "").isalnum():
            raise ValueError(
                f"{text!r} is neither an error number nor a name such as ER_CON_COUNT_ERROR"
            )
        return text
    code = int(text)
    if not 1 <= code <= _MAX_CODE:
        raise ValueError(
            f"{text} is out of range: MySQL/MariaDB error numbers are 1 to {_MAX_CODE}"
        )
    return code


def _explain(args: argparse.Namespace) -> int:
    try:
        code = _code(args.code)
    except ValueError as exc:
        print(f"connguard explain: {exc}", file=sys.stderr)
        return 2
    info = _native.code_info(code)
    if info is None and isinstance(code, str):
        print(
            f"connguard explain: {code}: no error of that name in connguard's table "
            "(connguard explain takes a number for the others)",
            file=sys.stderr,
        )
        return 1
    if info is None:
        print(
            f"{code}: not in connguard's table, so {_native.classify(int(code))}: "
            "never retried (list it in retry_on to retry it)."
        )
        return 1
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


def _duration(text: str) -> float:
    seconds = _native.parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f'not a duration: {text!r}; write e.g. "50ms" or "2s"')
    return seconds


def _choices(all_of: Sequence[str], alone: str | None = None) -> Callable[[str], list[str]]:
    """A comma list of ``all_of``, or ``all``; ``alone`` is a choice that takes no company."""

    def parse(text: str) -> list[str]:
        if alone is not None and text == alone:
            return [alone]
        chosen = list(all_of) if text == "all" else text.split(",")
        unknown = [c for c in chosen if c not in all_of]
        if unknown:
            more = f", {alone}" if alone is not None else ""
            raise argparse.ArgumentTypeError(
                f"unknown {unknown}; one of {', '.join(all_of)}{more} or all"
            )
        return chosen

    return parse


def _count(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        return value

    return parse


def _storm_scenario(args: argparse.Namespace) -> Any:
    """The storm's Scenario from the arguments; ValueError (one line) for one it cannot run."""
    from connguard.storm.scenario import Scenario

    mix = args.adapter == [MIX]
    if (args.pool is None) != (args.queries is None):
        raise ValueError("--pool and --queries go together (the pool scenario)")
    if args.pool is not None and args.adapter != [POOL_ADAPTER]:
        raise ValueError(
            f"the pool scenario (--pool, --queries) runs with --adapter {POOL_ADAPTER} only"
        )
    scenario = Scenario(
        clients=args.clients,
        hold=args.hold,
        processes=args.processes,
        max_connections=args.max_connections,
        deadline=args.deadline,
        hold_dist=args.hold_dist,
        seed=args.seed,
        foreign=args.foreign,
        services=len(ADAPTERS) if mix else 1,
        pool=args.pool,
        queries=args.queries,
    )
    if "oracle" in args.strategy and min(scenario.shares()) < 1:
        raise ValueError(
            f"the oracle needs a free slot per process: {scenario.free} free slot(s) over "
            f"{scenario.workers} processes"
        )
    return scenario


# The embedded server's start arguments for a storm (beside the harness's back_log of
# 1024): a big storm's burst of connects waits in the listen queue for the server.
STORM_SERVER = {"back-log": 4096}


def _storm(args: argparse.Namespace) -> int:
    # Imported here: the storm needs rich, matplotlib and the drivers; the rest of the CLI does not.
    from pathlib import Path

    from connguard.storm.workers import missing_workers

    try:
        scenario = _storm_scenario(args)
    except ValueError as exc:
        print(f"connguard storm: {exc}", file=sys.stderr)
        return 2
    missing = missing_workers(list(ADAPTERS) if args.adapter == [MIX] else args.adapter)
    if missing:
        print(f"connguard storm: {missing}", file=sys.stderr)
        return 2
    try:
        from rich.console import Console

        from connguard.dsn import parse_dsn
        from connguard.storm.run import Server, pairs, run_storm
        from connguard.storm.table import metrics_table, progress, table
        from connguard.testing import MariaDBServer
        from connguard.testing.server import MIN_MAX_CONNECTIONS
    except ImportError as exc:
        print(f"connguard storm needs {exc.name}: pip install 'connguard[storm]'", file=sys.stderr)
        return 2

    console = Console(width=max(Console().width, 150))  # the table needs the room

    def storm(server: Server) -> list[Any]:
        with progress(console, pairs(args.adapter, args.strategy), scenario.clients) as advance:
            return run_storm(
                server, scenario, args.adapter, args.strategy, advance, metrics=args.metrics
            )

    if args.dsn:
        try:
            _, connect = parse_dsn(args.dsn)
            admin = parse_dsn(args.admin_dsn)[1] if args.admin_dsn else None
        except ValueError as exc:  # its text shows the DSN masked
            print(f"connguard storm: {exc}", file=sys.stderr)
            return 2
        outcomes = storm(Server(connect, admin))
    else:
        if args.max_connections < MIN_MAX_CONNECTIONS:
            print(
                f"connguard storm: the embedded MariaDB takes --max-connections "
                f"{MIN_MAX_CONNECTIONS} or more",
                file=sys.stderr,
            )
            return 2
        console.print(
            f"Starting a throwaway MariaDB with max_connections={args.max_connections}..."
        )
        with MariaDBServer(max_connections=args.max_connections, options=STORM_SERVER) as db:
            admin = {"host": db.host, "port": db.admin_port, "user": "root", "password": ""}
            outcomes = storm(Server(dict(db.connect_kwargs()), admin))
    console.print(table(scenario, outcomes))
    if args.metrics:
        console.print(metrics_table(outcomes))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"scenario": scenario.to_json(), "outcomes": [o.to_json() for o in outcomes]},
                indent=1,
            )
        )
        console.print(f"JSON written to {args.json}")
    if args.plot:
        from connguard.storm.plot import plot

        plot(scenario, outcomes, Path(args.plot))
        console.print(f"Plot written to {args.plot}")
    return 0


def _seed(text: str) -> int:
    value = int(text, 0)
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError("a seed is an integer from 0 to 2**64-1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connguard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"connguard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate a policy file, print each effective policy")
    check.add_argument("file")
    check.add_argument("--service", help="only this service")
    check.add_argument("--json", action="store_true", help="print JSON (durations in seconds)")
    check.set_defaults(run=_check)

    explain = commands.add_parser(
        "explain", help="what a MySQL/MariaDB error code means to connguard"
    )
    explain.add_argument("code", help="an error number (1040) or name (ER_CON_COUNT_ERROR)")
    explain.set_defaults(run=_explain)

    schedule = commands.add_parser("schedule", help="the delays a policy would sleep")
    schedule.add_argument("file")
    schedule.add_argument("--service")
    schedule.add_argument("--seed", type=_seed, help="random seed (default: a random one, printed)")
    schedule.add_argument("--json", action="store_true", help="print JSON")
    schedule.set_defaults(run=_schedule)

    storm = commands.add_parser(
        "storm", help="many clients at once against a small server: how each strategy copes"
    )
    storm.add_argument("--dsn", help="a server of yours (default: a throwaway embedded MariaDB)")
    storm.add_argument("--admin-dsn", help="with --dsn: a privileged account for server counters")
    storm.add_argument(
        "--max-connections",
        type=_count(1),
        default=10,
        help="the server's (the embedded one takes 10 or more; default: %(default)s)",
    )
    storm.add_argument("--clients", type=_count(1), default=200)
    storm.add_argument(
        "--hold", type=_duration, default=0.05, help='each client\'s mean hold, e.g. "50ms"'
    )
    storm.add_argument(
        "--hold-dist",
        choices=HOLD_DISTS,
        default="fixed",
        help=(
            "how the holds spread around --hold: fixed (all equal), lognormal (sigma "
            f"{LOGNORMAL_SIGMA:g}) or pareto (alpha {PARETO_ALPHA:g}, minimum a third of the "
            f"mean); none over {HOLD_CAP:g}x --hold, scaled so their mean is --hold exactly; "
            "drawn by the orchestrator from --seed"
        ),
    )
    storm.add_argument(
        "--seed", type=_seed, default=DEFAULT_SEED, help="for --hold-dist (default: %(default)s)"
    )
    storm.add_argument(
        "--processes",
        type=_count(1),
        default=1,
        help="worker processes the clients are split over (per service with --adapter mix)",
    )
    storm.add_argument("--deadline", type=_duration, default=60.0, help="each client's deadline")
    storm.add_argument(
        "--foreign",
        type=_count(0),
        default=0,
        help="plain connections of the client account held through the whole storm: "
        "another tenant's load, leaving max_connections - N free slots",
    )
    storm.add_argument(
        "--adapter",
        type=_choices(list(ADAPTERS), alone=MIX),
        default=["python-async"],
        help=f"{', '.join(ADAPTERS)}, a comma list, or all (one after the other); or "
        f"{MIX}: all five at once on one server, each its own service with its own "
        "processes, the clients split evenly over them",
    )
    storm.add_argument(
        "--strategy",
        type=_choices(STRATEGIES),
        default=list(STRATEGIES),
        help=f"{', '.join(STRATEGIES)}, a comma list, or all (the default). oracle: "
        "a semaphore of the process's share of the free slots around the plain driver "
        "(the best a client can do knowing the free capacity); tenacity and connguard "
        "rows show their makespan over the oracle's of the same run (x oracle)",
    )
    storm.add_argument(
        "--pool",
        type=_count(1),
        help=f"the pool scenario (--adapter {POOL_ADAPTER} only): each process runs a pool "
        "of this size and its share of --queries over its --clients threads; connguard is "
        "connguard.pool.Pool, oracle a fixed pool of min(pool, share) plain connections, "
        "none and tenacity SQLAlchemy's QueuePool over the plain or tenacity's connect",
    )
    storm.add_argument(
        "--queries",
        type=_count(1),
        help="with --pool: SELECT SLEEP(hold) queries in all, split over the processes "
        "and round-robin over their threads",
    )
    storm.add_argument(
        "--metrics",
        action="store_true",
        help="print the metrics connguard produced (its Prometheus series summed over each "
        "row's processes; only the connguard strategy goes through it) after the table, "
        "and put them in --json",
    )
    storm.add_argument("--json", help="write the results as JSON to this file")
    storm.add_argument("--plot", help="write a PNG of connections and completions over time")
    storm.set_defaults(run=_storm)
    probe.register(commands)
    plan.register(commands)
    register_simulate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return code
    except PolicyError as exc:
        print(f"connguard: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader left (`connguard check ... | head`): no traceback, and none at
        # exit either, when Python flushes stdout again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
