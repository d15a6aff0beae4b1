"""Finding the MariaDB programs the harness runs (search order: see connguard.testing.server)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from connguard.testing.errors import MariaDBNotFoundError

BIN_DIR_ENV = "CONNGUARD_TEST_MARIADB_BIN_DIR"

_SEARCH_DIRS = (
    "/usr/sbin",
    "/usr/bin",
    "/usr/libexec",
    "/usr/local/sbin",
    "/usr/local/bin",
)
# Preferred name first, then the legacy MySQL-compatible name.
_SERVER_NAMES = ("mariadbd", "mysqld")
_INSTALL_DB_NAMES = ("mariadb-install-db", "mysql_install_db")
_CLIENT_NAMES = ("mariadb", "mysql")
_ADMIN_NAMES = ("mariadb-admin", "mysqladmin")


@dataclass(frozen=True)
class Binaries:
    server: str
    install_db: str
    client: str
    admin: str
    basedir: str | None = None


def _search_dirs() -> list[str]:
    dirs: list[str] = []
    env_dir = os.environ.get(BIN_DIR_ENV)
    if env_dir:
        dirs.append(env_dir)
    dirs.extend(p for p in os.environ.get("PATH", "").split(os.pathsep) if p)
    dirs.extend(_SEARCH_DIRS)
    seen: set[str] = set()
    unique: list[str] = []
    for d in dirs:
        if d not in seen:
            seen.add(d)
            unique.append(d)
    return unique


def _find_program(names: tuple[str, ...], dirs: list[str]) -> str | None:
    for name in names:
        for d in dirs:
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


def find_binaries() -> Binaries:
    """Locate the MariaDB programs, raising :class:`MariaDBNotFoundError` if one is missing."""
    dirs = _search_dirs()
    found: dict[str, str] = {}
    missing: list[str] = []
    for key, names in (
        ("server", _SERVER_NAMES),
        ("install_db", _INSTALL_DB_NAMES),
        ("client", _CLIENT_NAMES),
        ("admin", _ADMIN_NAMES),
    ):
        path = _find_program(names, dirs)
        if path is None:
            missing.append(names[0])
        else:
            found[key] = path
    if missing:
        raise MariaDBNotFoundError(
            f"MariaDB program(s) not found: {', '.join(missing)} "
            f"(searched ${BIN_DIR_ENV}, PATH and {', '.join(_SEARCH_DIRS)}). "
            "Install the server and client with `apt-get install mariadb-server` "
            "(Debian/Ubuntu), or run `make setup`, or point "
            f"{BIN_DIR_ENV} at a directory holding mariadbd, mariadb-install-db, "
            "mariadb and mariadb-admin."
        )
    basedir: str | None = None
    env_dir = os.environ.get(BIN_DIR_ENV)
    if env_dir and os.path.dirname(found["install_db"]) == env_dir.rstrip("/"):
        parent = Path(env_dir).resolve().parent
        if (parent / "share").is_dir() and str(parent) != "/usr":
            basedir = str(parent)
    return Binaries(basedir=basedir, **found)
