"""``connguard simulate``: many processes sharing one server, on a simulated clock.

Each simulated process has the engine's own :class:`~connguard._native.Limiter`
and each client the engine's own :class:`~connguard._native.Call`, driven as
the runtime drives them (:mod:`connguard.runner`, :mod:`connguard.gate`), but
against a model server (:mod:`.server`) and a model of the time each step
takes (:mod:`.timing`, measured on a real server by :mod:`.calibrate`). So it
answers what one machine cannot run: does the limiter converge, stay fair and
keep its probes bounded with hundreds of processes? docs/simulate.md says what
it models, what it reports and how it was calibrated against ``connguard storm``.

Tooling, not the library: nothing the adapters import imports this; the plot
needs matplotlib, the calibration aiomysql (both the ``storm`` extra).
"""

from connguard.simulate.report import Result
from connguard.simulate.run import simulate
from connguard.simulate.scenario import Scenario
from connguard.simulate.timing import Timing, TimingError, load_timing

__all__ = ["Result", "Scenario", "Timing", "TimingError", "load_timing", "simulate"]
