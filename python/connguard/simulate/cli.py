"""``connguard simulate``: the command line of the simulation.

Registered by :func:`register` in ``connguard``'s parser; the simulation, its
plot (matplotlib) and the timing measurement (an embedded MariaDB and
aiomysql) are imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connguard import _native
from connguard.simulate.scenario import BAND, DEFAULT_SEED, MAX_EVENTS, MAX_TIME
from connguard.storm.scenario import HOLD_DISTS

__all__ = ["register"]


def _duration(text: str) -> float:
    seconds = _native.parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f'not a duration: {text!r}; write e.g. "50ms" or "2s"')
    return seconds


def _whole(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        return value

    return parse


def _seed(text: str) -> int:
    value = _whole(0)(text)
    if value >= 2**64:
        raise argparse.ArgumentTypeError("a seed is an integer from 0 to 2**64-1")
    return value


def _cores(text: str) -> int | None:
    return None if text == "none" else _whole(1)(text)


# --cores left out: the timing's own (argparse converts string defaults only).
_TIMINGS = object()


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("a fraction between 0 and 1, e.g. 0.1")
    return value


def register(commands: Any) -> None:
    """Adds ``connguard simulate`` to the CLI's subcommands."""
    command = commands.add_parser(
        "simulate",
        help="many processes sharing one server, on a simulated clock: the engine's own "
        "limiter and calls against a model server",
    )
    add = command.add_argument
    add("--processes", type=_whole(1), default=1, help="processes (default: %(default)s)")
    add("--clients", type=_whole(1), default=200, help="clients per process (default: %(default)s)")
    add(
        "--rounds",
        type=_whole(1),
        default=1,
        help="connections each client opens in turn (default: %(default)s)",
    )
    add("--hold", type=_duration, default=0.05, help='mean hold of a connection (default: "50ms")')
    add(
        "--hold-dist",
        choices=HOLD_DISTS,
        default="fixed",
        help="how holds spread around --hold, as connguard storm draws them",
    )
    add("--max-connections", type=_whole(1), default=10, help="the server's (default: %(default)s)")
    add(
        "--foreign",
        type=_whole(0),
        default=0,
        help="connections another tenant holds throughout (default: %(default)s)",
    )
    add(
        "--deadline",
        type=_duration,
        help="each call's deadline in the storm's policy (default: \"60s\"; not with --policy)",
    )
    add("--policy", help="the processes' policy file (default: the storm's policy)")
    add("--service", help="with --policy: this service's policy")
    add("--timing", help="a TOML file with a [timing] table (default: the built-in timing)")
    add(
        "--cores",
        type=_cores,
        default=_TIMINGS,
        help="cores the processes and the server share, or none: a core per process "
        "(default: the timing's)",
    )
    add("--seed", type=_seed, default=DEFAULT_SEED, help="0 to 2**64-1 (default: %(default)s)")
    add(
        "--band",
        type=_fraction,
        default=BAND,
        help="convergence: limits within this fraction of the free slots (default: %(default)s)",
    )
    add(
        "--max-events",
        type=_whole(1),
        default=MAX_EVENTS,
        help="stop after this many events (default: %(default)s)",
    )
    add(
        "--max-time",
        type=_duration,
        default=MAX_TIME,
        help='stop at this simulated time (default: "3600s")',
    )
    add("--json", help="write the result, with its traces, as JSON to this file")
    add("--plot", help="write a PNG of connections, limits, refusals, probes and completions")
    add(
        "--measure-timing",
        metavar="FILE",
        help="measure the timing on a throwaway embedded MariaDB (python-async clients), write "
        "it to FILE as TOML, and exit",
    )
    command.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from connguard.simulate.run import simulate
    from connguard.simulate.scenario import Scenario
    from connguard.simulate.timing import Timing, TimingError, load_timing

    if args.measure_timing:
        return _measure(Path(args.measure_timing))
    if args.policy is None and args.service is not None:
        return _usage("--service goes with --policy")
    if args.policy is not None and args.deadline is not None:
        return _usage("--deadline sets the storm's policy; with --policy, the file's deadline")
    try:
        timing = load_timing(args.timing) if args.timing else Timing()
    except TimingError as exc:
        print(f"connguard simulate: {exc}", file=sys.stderr)
        return 2
    if args.cores is not _TIMINGS:
        timing = replace(timing, cores=args.cores)
    policy = None
    if args.policy is not None:
        from connguard.policy import load_policy

        policy = load_policy(args.policy, args.service)  # a PolicyError: main() reports it
    try:
        scenario = Scenario(
            processes=args.processes,
            clients=args.clients,
            rounds=args.rounds,
            hold=args.hold,
            hold_dist=args.hold_dist,
            max_connections=args.max_connections,
            foreign=args.foreign,
            deadline=policy.deadline if policy is not None else (args.deadline or 60.0),
            seed=args.seed,
            band=args.band,
            max_events=args.max_events,
            max_time=args.max_time,
        )
    except ValueError as exc:
        return _usage(str(exc))
    if args.plot:
        try:
            from connguard.simulate.plot import plot
        except ImportError as exc:
            return _usage(f"--plot needs {exc.name}: pip install 'connguard[storm]'")
    result = simulate(scenario, timing, policy)
    print("\n".join(result.lines()))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_json(traces=True)))
        print(f"JSON written to {args.json}")
    if args.plot:
        plot(result, Path(args.plot))
        print(f"Plot written to {args.plot}")
    return 0 if result.stopped is None else 1


def _usage(problem: str) -> int:
    print(f"connguard simulate: {problem}", file=sys.stderr)
    return 2


def _measure(path: Path) -> int:
    try:
        import aiomysql  # noqa: F401  (the measuring process's driver)

        from connguard.simulate.calibrate import measure
        from connguard.testing import MariaDBServer
        from connguard.testing.errors import MariaDBServerError
    except ImportError as exc:
        return _usage(f"measuring needs {exc.name}: pip install 'connguard[storm]'")
    print("Starting a throwaway MariaDB with max_connections=10 to measure...")
    try:
        with MariaDBServer(max_connections=10) as db:
            admin = {"host": db.host, "port": db.admin_port, "user": "root", "password": ""}
            timing = measure(dict(db.connect_kwargs()), admin, db.pid)
    except (MariaDBServerError, RuntimeError) as exc:
        print(f"connguard simulate: {exc}", file=sys.stderr)
        return 1
    path.write_text(timing.to_toml())
    print(f"Timing written to {path}:\n{timing.to_toml()}", end="")
    return 0
