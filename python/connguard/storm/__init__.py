"""``connguard storm``: many clients, one small server, and how each strategy copes.

A storm is ``clients`` clients that all want a connection at once to a server
whose ``max_connections`` is far below that; each connects, runs
``SELECT SLEEP(hold)`` and closes. Clients run in worker processes
(:mod:`connguard.storm.worker`, one protocol for every language's worker);
the storm starts them together and measures what the server saw.
"""

from connguard.storm.measure import Outcome
from connguard.storm.run import ADAPTERS, STRATEGIES, run_storm
from connguard.storm.scenario import Scenario

__all__ = ["ADAPTERS", "STRATEGIES", "Outcome", "Scenario", "run_storm"]
