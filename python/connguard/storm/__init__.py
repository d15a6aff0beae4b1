"""``connguard storm``: many clients, one small server, and how each strategy copes.

A storm is ``clients`` clients that all want a connection at once to a server
whose ``max_connections`` is far below that; each connects, runs
``SELECT SLEEP(hold)`` and closes. Clients run in worker processes
(:mod:`connguard.storm.worker`, one protocol for every language's worker);
the storm starts them together (:mod:`connguard.storm.run`) and measures what
the server saw (:mod:`connguard.storm.measure`), against the ideal and against
the ``oracle`` strategy: a fixed pool of exactly the process's share of the
server's free capacity. docs/storm.md says what each option and column means.

Tooling, not the library: nothing here is imported by the adapters, and the
submodules import their drivers and tools (the ``storm`` extra) themselves.
"""
