"""The storm's arithmetic, with no server: per-client holds, how clients, slots and
queries split over the processes, the ideal, the idle stretch, Jain's index, and
the storm command's refusals."""

from __future__ import annotations

import statistics

import pytest

from connguard.cli import main
from connguard.storm.measure import jain, longest_idle
from connguard.storm.scenario import HOLD_CAP, HOLD_DISTS, Scenario, draw_holds, split


@pytest.mark.parametrize("dist", HOLD_DISTS)
def test_holds_are_seeded_with_the_mean_and_under_the_cap(dist: str) -> None:
    holds = draw_holds(dist, 0.05, 2000, seed=7)
    assert holds == draw_holds(dist, 0.05, 2000, seed=7)  # reproducible
    assert len(holds) == 2000
    assert statistics.fmean(holds) == pytest.approx(0.05, rel=1e-9)
    assert max(holds) <= HOLD_CAP * 0.05 * (1 + 1e-12)
    assert min(holds) > 0
    if dist == "fixed":
        assert set(holds) == {0.05}
    else:
        assert holds != draw_holds(dist, 0.05, 2000, seed=8)
        assert statistics.pstdev(holds) > 0.02  # spread around the mean, as their shapes say


def test_the_shapes_differ_as_documented() -> None:
    lognormal = draw_holds("lognormal", 1.0, 20000, seed=1)
    pareto = draw_holds("pareto", 1.0, 20000, seed=1)
    # lognormal sigma 1: the median is exp(-1/2) of the mean.
    assert statistics.median(lognormal) == pytest.approx(0.61, abs=0.03)
    # pareto alpha 1.5 scaled to the mean: nothing under a third of it, a tail to the cap.
    assert min(pareto) >= 1 / 3 * 0.95
    assert max(pareto) == pytest.approx(HOLD_CAP)


@pytest.mark.parametrize("count", [1, 2, 5, 19])
def test_few_clients_still_get_the_mean_under_the_cap(count: int) -> None:
    for seed in range(50):
        holds = draw_holds("pareto", 0.05, count, seed)
        assert statistics.fmean(holds) == pytest.approx(0.05, rel=1e-9)
        assert max(holds) <= HOLD_CAP * 0.05 * (1 + 1e-12)


def test_free_slots_split_like_the_clients() -> None:
    assert split(10, 4) == [3, 3, 2, 2] and split(200, 3) == [67, 67, 66]
    scenario = Scenario(clients=30, processes=4, max_connections=10, foreign=3)
    assert scenario.free == 7 and scenario.shares() == [2, 2, 2, 1]
    assert scenario.split() == [8, 8, 7, 7]
    mix = Scenario(clients=52, processes=2, services=5)
    assert mix.workers == 10 and sum(mix.split()) == 52 and mix.shares() == [1] * 10
    assert mix.service_split() == [11, 11, 10, 10, 10]


def test_the_ideal_counts_foreign_slots_and_the_holds() -> None:
    base = Scenario(clients=200, hold=0.05, max_connections=10)
    assert base.ideal_makespan == pytest.approx(1.0)
    assert Scenario(clients=200, hold=0.05, foreign=6).ideal_makespan == pytest.approx(2.5)
    pareto = Scenario(clients=200, hold=0.05, hold_dist="pareto")
    assert pareto.ideal_makespan == pytest.approx(1.0)  # the same work, another shape
    pool = Scenario(clients=20, hold=0.01, processes=2, max_connections=10, pool=3, queries=600)
    assert pool.capacity == 6 and pool.pool_slots() == [3, 3]
    assert pool.ideal_makespan == pytest.approx(600 * 0.01 / 6)


def test_scenarios_it_cannot_run_are_refused() -> None:
    with pytest.raises(ValueError, match="free slot"):
        Scenario(max_connections=10, foreign=10)
    with pytest.raises(ValueError, match="pool size and a query count"):
        Scenario(pool=4)
    with pytest.raises(ValueError, match="one client per process"):
        Scenario(clients=8, services=5, processes=2)


def test_longest_idle_stretch() -> None:
    samples = [(0.0, 0), (0.1, 10), (0.2, 9), (0.3, 9), (0.5, 10), (0.9, 4)]
    # 0-0.1 idle, 0.2-0.5 idle (the longest), 0.9 onwards idle but after the last connect.
    assert longest_idle(samples, full=10, until=0.8) == pytest.approx(0.3)
    assert longest_idle(samples, full=10, until=0.95) == pytest.approx(0.3)
    assert longest_idle(samples, full=10, until=2.0) == pytest.approx(1.1)
    assert longest_idle([], full=10, until=1.0) == 0.0


def test_jain() -> None:
    assert jain([2.0, 2.0, 2.0]) == pytest.approx(1.0)
    assert jain([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert 0.25 < (jain([1.0, 2.0, 3.0, 4.0]) or 0) < 1.0
    assert jain([]) is None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--adapter", "cpp", "--pool", "4", "--queries", "100"], "python-sync only"),
        (["--adapter", "python-sync", "--pool", "4"], "go together"),
        (["--strategy", "oracle", "--processes", "4", "--foreign", "7"], "a free slot per"),
        (["--foreign", "10"], "free slot"),
        (["--max-connections", "5"], "10 or more"),
    ],
)
def test_storm_refuses_in_one_line(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["storm", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and says in err, err


def test_mix_is_an_adapter_alone(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["storm", "--adapter", "mix,cpp"])
    assert exit_.value.code == 2
    assert "mix" in capsys.readouterr().err
