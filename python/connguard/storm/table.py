"""The storm's results for people: a rich table and a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connguard.storm.measure import Outcome
from connguard.storm.metrics import Reading
from connguard.storm.scenario import Scenario


@contextmanager
def progress(
    console: Console, pairs: Sequence[tuple[str, str]], clients: int
) -> Iterator[Callable[[str, str], None]]:
    """A bar per (adapter, strategy); yields the callback counting one finished client."""
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bars:
        tasks = {pair: bars.add_task(f"{pair[0]} / {pair[1]}", total=clients) for pair in pairs}

        def advance(adapter: str, strategy: str) -> None:
            bars.advance(tasks[(adapter, strategy)])

        yield advance


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}s"


def _times(value: float | None, failed: bool) -> str:
    if value is None:
        return "fails" if failed else "-"
    return f"{value:.2f}x"


def title(scenario: Scenario) -> str:
    """What the storm was, in one line."""
    holds = "" if scenario.hold_dist == "fixed" else f" ({scenario.hold_dist} holds, mean)"
    who = (
        f"{scenario.clients} clients x SELECT SLEEP({scenario.hold:g}){holds} over "
        f"{scenario.processes} process(es)"
    )
    if scenario.services > 1:
        who += f" per service, {scenario.services} services"
    if scenario.pool is not None:
        who = (
            f"{scenario.queries} queries x SELECT SLEEP({scenario.hold:g}){holds} by "
            f"{scenario.clients} threads, a pool of {scenario.pool} in each of "
            f"{scenario.processes} process(es)"
        )
    server = f"max_connections={scenario.max_connections}"
    if scenario.foreign:
        server += f", {scenario.foreign} foreign ({scenario.free} free)"
    return f"{who}, {server}; ideal makespan {scenario.ideal_makespan:.2f}s"


def table(scenario: Scenario, outcomes: Sequence[Outcome]) -> Table:
    result = Table(title=title(scenario))
    columns = ["adapter", "strategy", "ok", "failed"]
    if scenario.pool is not None:
        columns += ["stranded", "queries"]
    columns += ["refused", "makespan", "x ideal", "x oracle", "p50 wait", "p99 wait"]
    columns += ["peak conns", "longest idle"]
    if scenario.services > 1:
        columns.append("Jain")
    for column in columns:
        result.add_column(column, justify="left" if column in ("adapter", "strategy") else "right")
    for o in outcomes:
        failed = ", ".join(f"{code}: {n}" for code, n in sorted(o.failed.items())) or "-"
        incomplete = o.ok != o.clients
        cells = {
            "adapter": "total" if o.service == "total" else o.adapter,
            "strategy": o.strategy,
            "ok": f"{o.ok}/{o.clients}",
            "failed": failed,
            "stranded": "-" if o.stranded is None else str(o.stranded),
            "queries": "-" if o.queries is None else str(o.queries),
            "refused": "-" if o.refused is None else str(o.refused),
            "makespan": _seconds(o.makespan),
            # A service's ideal is not its own: the services share the server.
            "x ideal": "-" if o.service == "service" else _times(o.ratio, incomplete),
            "x oracle": _times(o.x_oracle, incomplete and o.oracle is not None),
            "p50 wait": _seconds(o.wait_p50),
            "p99 wait": _seconds(o.wait_p99),
            "peak conns": "-" if o.peak_connections is None else str(o.peak_connections),
            "longest idle": _seconds(o.idle),
            "Jain": "-" if o.jain is None else f"{o.jain:.3f}",
        }
        result.add_row(*(cells[c] for c in columns), end_section=o.service == "total")
    return result


def _counts(counts: dict[tuple[str, ...], int]) -> str:
    return ", ".join(f"{' '.join(key)}: {n}" for key, n in sorted(counts.items()) if n) or "-"


def _check(capacity: int, refused: int | None) -> str:
    if refused is None:
        return f"{capacity} / -"
    return f"{capacity} {'=' if capacity == refused else '!='} {refused}"


METRICS_COLUMNS = (
    "adapter",
    "strategy",
    "attempts",
    "failures",
    "give-ups",
    "connects",
    "retried",
    "p50 connect",
    "p99 connect",
    "capacity / refused",
)


def metrics_table(outcomes: Sequence[Outcome]) -> Table:
    """Each row's metrics (``--metrics``), summed over its processes."""
    result = Table(
        title="metrics, summed over each row's processes",
        caption="failures by class and code, give-ups by reason; p50/p99 connect estimated "
        "from the histogram's buckets; capacity / refused: attempts refused for capacity "
        "vs the server's count, equal when nothing else connects to it",
    )
    for column in METRICS_COLUMNS:
        result.add_column(column, justify="left" if column in ("adapter", "strategy") else "right")
    for o in outcomes:
        cells = dict.fromkeys(METRICS_COLUMNS, "-")
        cells["adapter"] = "total" if o.service == "total" else o.adapter
        cells["strategy"] = o.strategy
        if o.metrics is None:
            cells["failures"] = "no snapshot from a worker"
        elif not o.metrics:
            cells["failures"] = "not through connguard"
        else:
            read = Reading(o.metrics)
            cells |= {
                "attempts": str(read.attempts),
                "failures": _counts(read.failures),
                "give-ups": _counts(read.give_ups),
                "connects": str(read.connects),
                "retried": str(read.retried),
                "p50 connect": _seconds(read.duration(0.5)),
                "p99 connect": _seconds(read.duration(0.99)),
                "capacity / refused": _check(read.capacity_failures, o.refused),
            }
        result.add_row(*cells.values(), end_section=o.service == "total")
    return result
