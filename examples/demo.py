"""`make demo`: error 1040 and connguard's answer to it, on a throwaway MariaDB.

Starts the embedded server at max_connections=10, fills it, shows a plain
mariadb.connect failing with 1040, then retry_call waiting and succeeding when
a held connection is released.
"""

from __future__ import annotations

import logging
import threading
import time

import mariadb

import connguard
from connguard.testing import MariaDBServer


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="  %(levelname)s %(message)s")
    policy = connguard.Policy.from_dict(
        {"initial_delay": "50ms", "max_delay": "400ms", "deadline": "10s", "max_attempts": 50}
    )
    print("Starting a throwaway MariaDB with max_connections=10 ...")
    with MariaDBServer(max_connections=10) as server:
        kwargs = server.connect_kwargs()
        held = [mariadb.connect(**kwargs) for _ in range(10)]
        print(f"{server.safe_dsn}: holding {len(held)} connections, the server is full.\n")

        print("1. A plain mariadb.connect, as services do today:")
        try:
            mariadb.connect(**kwargs)
        except mariadb.Error as exc:
            print(f"  failed at once: error {exc.errno}: {exc}\n")

        print(
            "2. connguard.retry_call(policy, mariadb.connect, ...); "
            "one held connection is released after 1 s:"
        )
        threading.Timer(1.0, held.pop().close).start()
        start = time.monotonic()
        conn = connguard.retry_call(policy, mariadb.connect, target=server.dsn, **kwargs)
        print(f"  connected after {time.monotonic() - start:.2f}s.\n")

        for c in [conn, *held]:
            c.close()
    print("Done: the server is stopped and its data directory removed.")


if __name__ == "__main__":
    main()
