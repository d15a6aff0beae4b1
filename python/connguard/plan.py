"""``connguard plan FILE``: does a deployment's connection budget fit its server?

Every service's share is ``replicas x processes x connections per process``
(a process's connections: the smaller of its pool and its limiter's
``max_limit``); together they must fit ``max_connections`` minus the reserve
kept for admins and other clients. The plan prints that table, flags an
oversubscribed deployment, and proposes the per-service ``max_limit`` (policy
TOML) and per-account ``MAX_USER_CONNECTIONS`` (SQL) that fit.
"""

from __future__ import annotations

import argparse
import heapq
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from connguard import probe as probing
from connguard.deployment import Deployment, Service, load_deployment, with_max_connections

__all__ = ["Plan", "make_plan", "propose", "register", "render"]


def propose(services: Sequence[Service], budget: int) -> list[int] | None:
    """Each service's connections per process so that all fit ``budget``; None when even
    one per process does not.

    A deployment that fits keeps what it asked for. One that does not gives every
    service the same share of what it asked for, as nearly as whole connections
    allow: from one per process up, the next connection always goes to the service
    furthest below its share whose processes it fits.
    """
    if sum(s.connections for s in services) <= budget:
        return [s.per_process for s in services]
    left = budget - sum(s.process_count for s in services)
    if left < 0:
        return None
    given = [1] * len(services)
    # (share of what it asked for, position): the smallest share is served first.
    waiting = [(Fraction(1, s.per_process), i) for i, s in enumerate(services) if s.per_process > 1]
    heapq.heapify(waiting)
    while waiting:
        _, i = heapq.heappop(waiting)
        service = services[i]
        if service.process_count > left:
            continue  # one more each for its processes does not fit, now or later
        given[i] += 1
        left -= service.process_count
        if given[i] < service.per_process:
            heapq.heappush(waiting, (Fraction(given[i], service.per_process), i))
    return given


@dataclass(frozen=True)
class Plan:
    deployment: Deployment
    max_connections: int
    read_from: str  # the masked DSN max_connections was read from; empty: the file
    proposed: tuple[int, ...] | None  # per service, per process; None: nothing fits

    @property
    def budget(self) -> int:
        return self.max_connections - self.deployment.reserve

    @property
    def demand(self) -> int:
        return sum(s.connections for s in self.deployment.services)

    @property
    def fits(self) -> bool:
        return self.demand <= self.budget

    def accounts(self) -> dict[str, int]:
        """Each account's proposed MAX_USER_CONNECTIONS: its services' processes' caps."""
        caps: dict[str, int] = {}
        for service, limit in zip(self.deployment.services, self.proposed or (), strict=False):
            caps[service.account] = caps.get(service.account, 0) + service.process_count * limit
        return caps

    def policy_toml(self) -> str:
        """The proposed ``[service.NAME.limiter]`` tables."""
        tables = []
        for service, limit in zip(self.deployment.services, self.proposed or (), strict=False):
            lines = [f"[service.{_toml_key(service.name)}.limiter]", f"max_limit = {limit}"]
            if limit < service.initial_limit:
                lines.append(f"initial_limit = {limit}  # max_limit may not be below it")
            if not service.limiter_enabled:
                lines.append("enabled = true  # the cap needs the limiter on")
            tables.append("\n".join(lines))
        return "\n\n".join(tables)

    def statements(self) -> list[str]:
        return [
            f"ALTER USER {account} WITH MAX_USER_CONNECTIONS {cap};"
            for account, cap in self.accounts().items()
        ]

    def to_json(self) -> dict[str, Any]:
        services = []
        for i, service in enumerate(self.deployment.services):
            limit = self.proposed[i] if self.proposed else None
            services.append(
                {
                    "name": service.name,
                    "account": service.account,
                    "replicas": service.replicas,
                    "processes": service.processes,
                    "per_process": service.per_process,
                    "per_process_from": service.source,
                    "connections": service.connections,
                    "proposed_max_limit": limit,
                    "proposed_connections": None
                    if limit is None
                    else limit * service.process_count,
                }
            )
        return {
            "file": self.deployment.file,
            "max_connections": self.max_connections,
            "max_connections_from": self.read_from or "file",
            "reserve": self.deployment.reserve,
            "budget": self.budget,
            "demand": self.demand,
            "fits": self.fits,
            "services": services,
            "policy_toml": self.policy_toml() if self.proposed else None,
            "statements": self.statements(),
        }


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def make_plan(deployment: Deployment, read_from: str = "") -> Plan:
    """The plan of ``deployment``, whose max_connections must be known; ``read_from``
    names the server it was read from (masked), if it was."""
    if deployment.max_connections is None:
        raise ValueError("the deployment's max_connections is not known")
    proposed = propose(deployment.services, deployment.max_connections - deployment.reserve)
    return Plan(
        deployment,
        deployment.max_connections,
        read_from,
        None if proposed is None else tuple(proposed),
    )


def _table(plan: Plan) -> list[str]:
    services = plan.deployment.services
    proposed = plan.proposed or [None] * len(services)
    rows = [("service", "replicas", "processes", "per process", "connections", "proposed")]
    for service, limit in zip(services, proposed, strict=True):
        rows.append(
            (
                service.name,
                str(service.replicas),
                str(service.processes),
                f"{service.per_process} ({service.source})",
                str(service.connections),
                "-" if limit is None else f"{limit} -> {limit * service.process_count}",
            )
        )
    processes = sum(s.process_count for s in services)
    after = sum(s.process_count * p for s, p in zip(services, plan.proposed or (), strict=False))
    total = f"-> {after}" if plan.proposed else "-"
    rows.append(("total", "", str(processes), "", str(plan.demand), total))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i in (0, 3) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def render(plan: Plan) -> str:
    """The plan as text for a person."""
    deployment = plan.deployment
    source = f"read from {plan.read_from}" if plan.read_from else "from the file"
    lines = [
        f"{deployment.file}: {len(deployment.services)} services, max_connections "
        f"{plan.max_connections} ({source})",
        "",
        *_table(plan),
        "",
        f"budget: max_connections {plan.max_connections} - reserve {deployment.reserve} "
        f"= {plan.budget}",
    ]
    if deployment.reserve == 0:
        lines.append("  (reserve 0: nothing kept for admins, migrations, cron jobs, other clients)")
    if plan.fits:
        spare = plan.budget - plan.demand
        lines.append(f"fits: {plan.demand} of {plan.budget} connections ({spare} spare)")
    else:
        lines.append(
            f"OVERSUBSCRIBED: {plan.demand} connections asked for, {plan.budget} available "
            f"({plan.demand / plan.budget:.1f}x)"
        )
    if plan.proposed is None:
        processes = sum(s.process_count for s in deployment.services)
        return "\n".join(
            [
                *lines,
                f"It does not fit even at 1 connection per process ({processes} processes). Run "
                "fewer processes or replicas, raise max_connections, or put a proxy that "
                "multiplexes connections in front (ProxySQL, MariaDB MaxScale): see docs/scale.md.",
            ]
        )
    verb = "that keep it so" if plan.fits else "that fit"
    return "\n".join(
        [
            *lines,
            "",
            f"limiter caps {verb}, for the policy file:",
            "",
            plan.policy_toml(),
            "",
            f"account caps {verb}, to run as an admin (over its cap an account is refused with",
            "1203 or 1226, which connguard retries):",
            "",
            *plan.statements(),
        ]
    )


def _run(args: argparse.Namespace) -> int:
    deployment = load_deployment(args.file)
    total, read_from = None, ""
    if args.dsn:
        try:
            found = probing.probe(args.dsn, deadline=args.deadline)
        except (ValueError, RuntimeError) as exc:
            print(f"connguard plan: {exc}", file=sys.stderr)
            return 2
        total, read_from = found.number("max_connections"), found.target
        if total is None:
            shown = probing.render(found)
            print(f"connguard plan: max_connections not read:\n{shown}", file=sys.stderr)
            return 2
        if deployment.max_connections not in (None, total):
            print(
                f"connguard plan: {deployment.file} says max_connections "
                f"{deployment.max_connections}, the server {total}: planning with the server's",
                file=sys.stderr,
            )
    plan = make_plan(with_max_connections(deployment, total), read_from)
    print(json.dumps(plan.to_json(), indent=2) if args.json else render(plan))
    return 0 if plan.fits else 1


def register(commands: Any) -> None:
    """Adds ``connguard plan`` to the CLI's subcommands."""
    command = commands.add_parser(
        "plan",
        help="a deployment's connection budget (services x replicas x processes x "
        "connections) against max_connections, and limits that fit",
    )
    command.add_argument("file", help="a TOML file with a [deployment] table (a policy file too)")
    command.add_argument(
        "--dsn", help="read max_connections from this server (as connguard probe does)"
    )
    command.add_argument(
        "--deadline",
        type=probing.deadline,
        default=probing.DEFAULT_DEADLINE,
        help='with --dsn: how long to wait for a slot on a full server (default: "10s")',
    )
    command.add_argument("--json", action="store_true", help="print JSON")
    command.set_defaults(run=_run)
