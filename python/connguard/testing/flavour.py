"""MariaDB or MySQL: where a server counts the connects it refused with 1040, and
whether an admin connection takes one of the slots ``max_connections`` limits.

What the servers count (their sources and manuals):

* MySQL 8 refuses a connect in two places: at accept time, when
  ``connection_count`` already exceeds ``max_connections`` (connections to the
  admin interface, ``admin_address``/``admin_port``, excepted); and after
  authentication, for an account without ``CONNECTION_ADMIN`` or ``SUPER``,
  when ``connection_count > max_connections`` (the one extra slot is kept for
  such accounts). Both increment ``Connection_errors_max_connections``, "the
  number of connections refused because the server max_connections limit was
  reached" (MySQL 8.0/8.4 manual, Server Status Variables); only the second
  increments ``Aborted_connects``, which also counts every other failed login.
  So MySQL's refusals are ``Connection_errors_max_connections``.
* MariaDB counts a 1040 refused to an account without ``CONNECTION ADMIN`` in
  ``Aborted_connects``; its ``Connection_errors_max_connections`` counts only
  the connects refused at accept time, when even the extra slot is taken
  (tests/python/integration/test_server.py shows both). So MariaDB's refusals
  are ``Aborted_connects``, in a run where no login fails otherwise.
* Admin connections: MySQL's admin interface accepts connections beyond
  ``max_connections`` but still counts them in ``connection_count``, so they
  show in ``Threads_connected`` and take a slot from every other account.
  MariaDB's ``extra_port`` counts its connections apart
  (``extra_max_connections``), not in ``Threads_connected``. Any other admin
  connection is an ordinary one, counted like a client's.
"""

from __future__ import annotations

__all__ = ["FLAVOURS", "REFUSED_STATUS", "admin_counted", "flavour_of"]

FLAVOURS = ("mariadb", "mysql")

#: The ``SHOW GLOBAL STATUS`` counter of each flavour's 1040 refusals.
REFUSED_STATUS = {"mariadb": "Aborted_connects", "mysql": "Connection_errors_max_connections"}


def flavour_of(version: str, version_comment: str) -> str:
    """``"mariadb"`` or ``"mysql"`` from ``VERSION()`` and ``@@version_comment``
    (MariaDB says so in either; MySQL, Percona Server and the rest are MySQL)."""
    return "mariadb" if "mariadb" in f"{version} {version_comment}".lower() else "mysql"


def admin_counted(flavour: str, extra_port: int, admin_port: int, client_port: int) -> bool:
    """Whether a connection to ``admin_port`` takes one of ``max_connections``' slots
    (and shows in ``Threads_connected``): always, but on MariaDB's ``extra_port``
    (``extra_port`` non-zero, and the admin on another port than the clients)."""
    return not (flavour == "mariadb" and extra_port > 0 and admin_port != client_port)
