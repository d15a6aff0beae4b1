"""The storm's results for people: a rich table and a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connguard.storm.measure import Outcome
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


def table(scenario: Scenario, outcomes: Sequence[Outcome]) -> Table:
    result = Table(
        title=(
            f"{scenario.clients} clients x SELECT SLEEP({scenario.hold:g}) over "
            f"{scenario.processes} process(es), max_connections={scenario.max_connections}; "
            f"ideal makespan {scenario.ideal_makespan:.2f}s"
        )
    )
    for column in (
        "adapter",
        "strategy",
        "ok",
        "failed",
        "refused",
        "makespan",
        "x ideal",
        "p50 wait",
        "p99 wait",
        "peak conns",
    ):
        result.add_column(column, justify="left" if column in ("adapter", "strategy") else "right")
    for o in outcomes:
        failed = ", ".join(f"{code}: {n}" for code, n in sorted(o.failed.items())) or "-"
        result.add_row(
            o.adapter,
            o.strategy,
            f"{o.ok}/{o.clients}",
            failed,
            "-" if o.refused is None else str(o.refused),
            _seconds(o.makespan),
            "fails" if o.ratio is None else f"{o.ratio:.2f}x",
            _seconds(o.wait_p50),
            _seconds(o.wait_p99),
            "-" if o.peak_connections is None else str(o.peak_connections),
        )
    return result
