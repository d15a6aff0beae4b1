"""Run by `make calibrate`, not `make test`: in a fresh CI run the 4-process case missed
(makespan 1.62 s simulated vs 1.32 s measured, 23%), so the match is not yet robust.

The simulation against the real storm at small scale (issue 17): the storm's
connguard clients (python-async) on the embedded server, 1 and 4 processes sharing
max_connections=10, and the simulation of the same scenario with the timing measured
on that server: median makespan and median refusals within 15% of the storm's."""

from __future__ import annotations

import pytest

from connguard.simulate import Scenario
from connguard.simulate.calibrate import measure
from connguard.simulate.versus import against_storm
from connguard.storm.run import Server
from connguard.testing import MariaDBServer

pytestmark = pytest.mark.integration

# Medians over this many storms (about 2 s each) and simulations (milliseconds each).
RUNS = 7
SEEDS = 31
TOLERANCE = 0.15
# Under about a dozen refusals 15% is less than two: a count that small is held to two.
FEWEST = 2


@pytest.mark.parametrize("processes", [1, 4])
def test_the_simulation_matches_the_storm(processes: int, mariadb_server: MariaDBServer) -> None:
    connect = dict(mariadb_server.connect_kwargs())
    admin = {
        "host": mariadb_server.host,
        "port": mariadb_server.admin_port,
        "user": "root",
        "password": "",
    }
    timing = measure(connect, admin, mariadb_server.pid)
    assert timing.cores is not None and timing.setup_cpu > 0 and timing.warmup > 0
    scenario = Scenario(
        processes=processes,
        clients=200 // processes,
        max_connections=mariadb_server.max_connections,
        deadline=30,
    )
    versus = against_storm(Server(connect, admin), scenario, timing, RUNS, SEEDS)
    shown = (
        f"storm {versus.storm}, simulated {versus.simulated}; medians: makespan "
        f"{versus.storm_makespan:.3f}s vs {versus.simulated_makespan:.3f}s, refused "
        f"{versus.storm_refused} vs {versus.simulated_refused}; timing {timing}"
    )
    assert abs(versus.makespan_error) <= TOLERANCE, shown
    assert versus.storm_refused > 0, shown  # both sides refuse: the comparison means something
    allowed = max(TOLERANCE * versus.storm_refused, FEWEST)
    assert abs(versus.simulated_refused - versus.storm_refused) <= allowed, shown
    mariadb_server.wait_for_connections(0)
