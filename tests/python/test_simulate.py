"""connguard simulate with no server: the event loop, the CPU and server models, the
engine's limiter and calls driven on the simulated clock, the measures, the timing
file and the command."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from connguard import Policy
from connguard.cli import main
from connguard.simulate import Scenario, Timing, TimingError, load_timing, simulate
from connguard.simulate.cpu import SERVER, Cpu
from connguard.simulate.loop import Loop
from connguard.simulate.report import convergence, jain, saturated_until
from connguard.simulate.server import ModelServer

# Exact steps (no spread), no warm-up: figures that arithmetic can check.
EXACT = replace(Timing(), spread=0.0, warmup=0.0)


def _limited(initial: int, most: int) -> Policy:
    limiter = {"initial_limit": initial, "max_limit": most}
    return Policy.from_dict({"deadline": "60s", "max_attempts": 1000, "limiter": limiter})


# The event loop and the models


def test_the_loop_runs_events_in_time_order_then_scheduling_order() -> None:
    loop = Loop(max_events=100, max_time=10.0)
    seen: list[tuple[float, str]] = []
    for name, when in (("c", 2.0), ("a", 1.0), ("b", 1.0)):
        loop.at(when, lambda name=name: seen.append((loop.now, name)))
    loop.at(-5.0, lambda: seen.append((loop.now, "past")))  # a time gone by runs now
    assert loop.run(lambda: False) is None
    assert seen == [(0.0, "past"), (1.0, "a"), (1.0, "b"), (2.0, "c")]


@pytest.mark.parametrize(("events", "until", "stopped"), [(3, 100.0, "events"), (100, 2.5, "time")])
def test_the_loop_stops_at_its_bounds(events: int, until: float, stopped: str) -> None:
    loop = Loop(max_events=events, max_time=until)

    def tick() -> None:
        loop.after(1.0, tick)  # forever, but for the bounds

    loop.at(0.0, tick)
    assert loop.run(lambda: False) == stopped
    assert loop.events <= events and loop.now <= until


@pytest.mark.parametrize(("cores", "expected"), [(None, [1.0, 1.0, 2.0]), (1, [2.0, 2.0, 3.0])])
def test_a_process_runs_one_step_at_a_time_and_the_cores_are_shared(
    cores: int | None, expected: list[float]
) -> None:
    loop = Loop(100, 100.0)
    cpu = Cpu(loop, processes=2, cores=cores, wake=0.0)
    done: list[float] = []
    cpu.run(0, 1.0, lambda: done.append(loop.now))
    cpu.run(1, 1.0, lambda: done.append(loop.now))
    cpu.run(0, 1.0, lambda: done.append(loop.now))  # after process 0's first step
    loop.run(lambda: False)
    assert sorted(done) == expected


def test_a_step_that_finds_its_process_idle_pays_the_wake() -> None:
    loop = Loop(100, 100.0)
    cpu = Cpu(loop, processes=1, cores=None, wake=0.5)  # half as much again
    done: list[float] = []

    def chained() -> None:  # submitted as the first step ends: no wake
        done.append(loop.now)
        cpu.run(0, 1.0, lambda: done.append(loop.now))

    cpu.run(0, 1.0, chained)  # wakes: 1.5
    cpu.run(0, 1.0, lambda: done.append(loop.now))  # queued behind it: 2.5
    loop.at(10.0, lambda: cpu.run(0, 1.0, lambda: done.append(loop.now)))  # idle again
    loop.run(lambda: False)
    assert done == [1.5, 2.5, 3.5, 11.5]


def test_server_steps_share_the_cores_but_not_a_process_queue() -> None:
    loop = Loop(100, 100.0)
    cpu = Cpu(loop, processes=1, cores=2, wake=0.0)
    done: list[float] = []
    for _ in range(3):
        cpu.run(SERVER, 1.0, lambda: done.append(loop.now))
    loop.run(lambda: False)
    assert done == pytest.approx([1.5, 1.5, 1.5])  # three on two cores: each at 2/3


def test_the_model_server_counts_at_accept_and_refuses_over_max_after_auth() -> None:
    server = ModelServer(max_connections=2, foreign=1)
    assert server.accept(0.0) and server.authenticated(0.0)  # 2 of 2
    # Two connects racing for no slot: counted at accept, both refused when checked.
    assert server.accept(0.1) and not server.accept(0.1)  # 3 counted; the 4th at accept
    assert not server.authenticated(0.2)
    assert server.refused == 2 and server.refused_at == [0.1, 0.2]
    server.leave(0.3)
    assert server.count == 2 and server.peak == 3
    assert server.trace[-1] == (0.3, 2)


# The measures


def test_jain_is_one_when_equal_and_one_over_n_when_one_takes_all() -> None:
    assert jain([2.0, 2.0, 2.0]) == pytest.approx(1.0)
    assert jain([3.0, 0.0, 0.0]) == pytest.approx(1 / 3)
    assert jain([]) is None


def test_convergence_is_first_entry_into_the_band_and_the_share_spent_there() -> None:
    # (time, limits, effective, wanting): free 10, band +-10%: 9 to 11.
    trace = [
        (0.0, 2, 2, 20),
        (1.0, 12, 12, 20),  # over the band
        (2.0, 10, 10, 20),  # in: converged at 2
        (4.0, 8, 8, 20),  # out for a second
        (5.0, 10, 10, 20),
        (6.0, 10, 5, 5),  # saturation ends at 6
        (9.0, 10, 0, 0),
    ]
    assert saturated_until(trace, 10) == 6.0
    entered, share = convergence(trace, 10, 0.1)
    assert entered == 2.0 and share == pytest.approx(3 / 4)
    never = [(0.0, 2, 2, 20), (3.0, 2, 2, 0), (4.0, 2, 0, 0)]
    assert convergence(never, 10, 0.1) == (None, None)


# The simulation


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    scenario = Scenario(processes=3, clients=30, hold_dist="lognormal", seed=7)
    first, again = simulate(scenario), simulate(scenario)
    assert first.to_json(traces=True) | {"wall": 0} == again.to_json(traces=True) | {"wall": 0}
    other = simulate(replace(scenario, seed=8))
    assert other.trace != first.trace


def test_every_client_is_served_and_every_attempt_is_a_connect_or_a_refusal() -> None:
    scenario = Scenario(processes=4, clients=25, rounds=2, max_connections=10)
    result = simulate(scenario)
    assert result.ok == 100 and result.failed == {} and result.stopped is None
    assert result.attempts == scenario.connections + result.refused
    assert result.refused > 0  # four limiters share ten slots: they find them by refusals
    assert result.ratio is not None and result.ratio >= 1.0  # nothing beats the ideal
    assert result.probes > 0 and result.probes_per_second == result.probes / result.makespan
    assert result.completions == sorted(result.completions) and len(result.completions) == 100
    assert result.jain is not None and 0.25 <= result.jain <= 1.0


def test_one_process_with_room_for_all_is_never_refused() -> None:
    """Slow start from initial_limit 2, one more per connect, and no other process:
    nothing to refuse, and every client holds at once within milliseconds."""
    result = simulate(Scenario(clients=8, max_connections=10), EXACT)
    assert result.ok == 8 and result.refused == 0
    assert max(limits for _, limits, _, _ in result.trace) >= 8
    assert result.jain == pytest.approx(1.0)
    assert 0.05 < result.makespan < 0.05 + 0.01  # one hold, and eight handshakes
    assert result.saturated == 0  # 8 clients never want all 10 slots


def test_the_limiter_is_the_engines_its_max_limit_caps_the_process() -> None:
    """A policy's max_limit of 3 holds the process to 3 connections on a server of 10:
    the engine's limiter, not the model, decides what is attempted."""
    no_close_race = replace(EXACT, free_delay=0.0)
    result = simulate(Scenario(clients=30, max_connections=10), no_close_race, _limited(1, 3))
    assert result.ok == 30 and result.refused == 0
    assert result.peak == 3
    assert max(limits for _, limits, _, _ in result.trace) == 3
    assert result.makespan >= 30 * 0.05 / 3


def test_a_full_server_and_a_short_deadline_make_clients_give_up() -> None:
    result = simulate(Scenario(clients=40, max_connections=10, foreign=8, deadline=0.2))
    assert result.ok < 40 and sum(result.failed.values()) == 40 - result.ok
    assert set(result.failed) <= {"1040", "waited"}
    assert result.ratio is None


def test_a_server_that_frees_late_refuses_the_slot_handed_on() -> None:
    """The close race: the server counts a closed connection out free_delay after its end
    of stream; longer than the next connect's handshake, the slot handed on is refused,
    the limit drops to what is in use, and the process runs on fewer slots."""
    prompt = simulate(Scenario(clients=60), replace(EXACT, free_delay=0.0))
    late = simulate(Scenario(clients=60), replace(EXACT, free_delay=0.005))
    assert late.refused >= prompt.refused + 3
    assert late.makespan > 1.2 * prompt.makespan


def test_contended_cores_slow_the_processes_down() -> None:
    scenario = Scenario(processes=4, clients=40, max_connections=151, hold=0.01)
    cpu = replace(Timing(), setup_cpu=0.002)
    own = statistics.median(simulate(replace(scenario, seed=s), cpu).makespan for s in (1, 2, 3))
    shared = statistics.median(
        simulate(replace(scenario, seed=s), replace(cpu, cores=1)).makespan for s in (1, 2, 3)
    )
    assert shared > 1.5 * own


def test_a_bound_stops_the_run_and_says_which() -> None:
    result = simulate(Scenario(processes=2, clients=100, max_events=500))
    assert result.stopped == "events" and result.events == 500
    assert result.ok < 200 and result.failed.get("unfinished", 0) > 0


@pytest.mark.parametrize(
    "bad",
    [
        {"processes": 0},
        {"hold_dist": "normal"},
        {"foreign": 10},
        {"band": 1.0},
        {"seed": 2**64},
        {"max_time": 0.0},
    ],
)
def test_a_scenario_it_cannot_run_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Scenario(**bad)  # type: ignore[arg-type]


# The timing file


def test_a_timing_file_round_trips_and_keeps_defaults_for_keys_it_leaves_out(
    tmp_path: Path,
) -> None:
    timing = replace(Timing(), setup_cpu=0.0012, cores=2, spread=0.25)
    path = tmp_path / "timing.toml"
    path.write_text(timing.to_toml())
    assert load_timing(path).to_json() == pytest.approx(timing.to_json())
    path.write_text('[timing]\nwarmup = "0ms"\n')
    assert load_timing(path) == replace(Timing(), warmup=0.0)


@pytest.mark.parametrize(
    ("text", "table", "key", "allowed"),
    [
        ('[timing]\nconnect = "1ms"\n', "timing", "connect", "open_cpu"),
        ("[timing]\nsetup_cpu = 0.001\n", "timing", "setup_cpu", "duration string"),
        ('[timing]\nsetup_cpu = "1 ms"\n', "timing", "setup_cpu", "duration string"),
        ("[timing]\ncores = 0\n", "timing", "cores", "integer >= 1"),
        ("[timing]\ncores = true\n", "timing", "cores", "integer >= 1"),
        ("[timing]\nspread = 1.5\n", "timing", "spread", "from 0 up to"),
        ('[timings]\nwarmup = "1ms"\n', "", "timings", "[timing] only"),
        ('warmup = "1ms"\n', "", "warmup", "[timing] only"),
        ("timing = 3\n", "", "timing", "a [timing] table"),
        ("[timing\n", "", "", "a TOML file"),
    ],
)
def test_a_bad_timing_file_names_file_table_key_and_what_is_allowed(
    tmp_path: Path, text: str, table: str, key: str, allowed: str
) -> None:
    path = tmp_path / "timing.toml"
    path.write_text(text)
    with pytest.raises(TimingError) as raised:
        load_timing(path)
    error = raised.value
    assert (error.file, error.table, error.key) == (str(path), table, key)
    assert allowed in error.allowed
    where = f"{path}: " + (f"[{table}] " if table else "") + (f"{key}: " if key else "")
    assert str(error) == f"{where}{error.problem} (allowed: {error.allowed})"


def test_a_missing_timing_file_is_a_timing_error(tmp_path: Path) -> None:
    with pytest.raises(TimingError, match="cannot be read"):
        load_timing(tmp_path / "none.toml")


# The command


def test_the_command_prints_the_measures_and_writes_json_and_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, picture = tmp_path / "sim.json", tmp_path / "sim.png"
    args = ["simulate", "--processes", "3", "--clients", "20", "--hold", "20ms", "--seed", "5"]
    assert main([*args, "--json", str(report), "--plot", str(picture)]) == 0
    out = capsys.readouterr().out
    assert "3 process(es) x 20 clients x SELECT SLEEP(0.02), max_connections=10" in out
    for measure in ("makespan", "refused", "probes", "convergence", "fairness"):
        assert f"  {measure} " in out
    shown = json.loads(report.read_text())
    assert shown["ok"] == 60 and shown["scenario"]["seed"] == 5
    assert len(shown["refused_at"]) == shown["refused"]
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_the_command_takes_a_policy_and_a_timing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "connguard.toml"
    policy.write_text(
        '[service.api]\ndeadline = "5s"\nmax_attempts = 100\nlimiter = { max_limit = 2 }\n'
    )
    timing = tmp_path / "timing.toml"
    timing.write_text('[timing]\nfree_delay = "0ms"\nspread = 0\n')
    report = tmp_path / "sim.json"
    args = ["simulate", "--clients", "10", "--policy", str(policy), "--service", "api"]
    assert main([*args, "--timing", str(timing), "--cores", "1", "--json", str(report)]) == 0
    shown = json.loads(report.read_text())
    assert shown["peak"] <= 2 and shown["scenario"]["deadline"] == 5.0
    assert shown["timing"]["cores"] == 1 and shown["timing"]["free_delay"] == 0.0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--service", "api"], "--service goes with --policy"),
        (["--policy", "p.toml", "--deadline", "5s"], "--deadline"),
        (["--max-connections", "10", "--foreign", "10"], "foreign connections"),
    ],
)
def test_the_command_refuses_what_it_cannot_run(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", *args]) == 2
    assert says in capsys.readouterr().err


def test_a_bad_timing_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    timing = tmp_path / "timing.toml"
    timing.write_text('[timing]\nsetup_cpu = "fast"\n')
    assert main(["simulate", "--timing", str(timing)]) == 2
    err = capsys.readouterr().err
    assert f"{timing}: [timing] setup_cpu: not a duration" in err


def test_a_run_stopped_by_a_bound_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--max-events", "100"]) == 1
    assert "stopped by the events bound" in capsys.readouterr().out
