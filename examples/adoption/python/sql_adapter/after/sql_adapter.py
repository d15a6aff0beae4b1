"""CLP's SQL adapter (y-scope/clp, components/clp-py-utils/clp_py_utils/sql_adapter.py),
trimmed to its connects: mysql.connector's or mariadb's, alone or through a SQLAlchemy
QueuePool, and the handling of their errors. Its config model is reduced to what
``get_mysql_connection_params`` returns."""

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import mariadb
import mysql.connector
from mysql.connector import errorcode
from sqlalchemy import pool
from sqlalchemy.dialects.mysql import mariadbconnector, mysqlconnector

import connguard.mariadb
import connguard.mysql_connector


@dataclass
class Database:
    type: str  # "mariadb" or "mysql"
    host: str
    port: int
    user: str
    password: str
    name: str
    auto_commit: bool = False
    compress: bool = True

    def get_mysql_connection_params(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.name,
            "compress": self.compress,
            "autocommit": self.auto_commit,
        }


class DummyCloseableObject:
    def close(self):
        pass


class ConnectionPoolWrapper:
    def __init__(self, pool: pool.QueuePool, logger: logging.Logger):
        self.pool = pool
        self.time_of_last_exception_log = None
        self.error_reporting_interval = 60  # one minute
        self.logger = logger

    def connect(self):
        try:
            return self.pool.connect()
        except (mariadb.Error, mysql.connector.Error):
            current_time = time.time()
            if (
                self.time_of_last_exception_log is None
                or current_time - self.time_of_last_exception_log > self.error_reporting_interval
            ):
                self.time_of_last_exception_log = current_time
                self.logger.exception("Failed to connect to database.")
            return DummyCloseableObject()

    def alive(self):
        with contextlib.closing(self.connect()) as db_conn:
            if isinstance(db_conn, DummyCloseableObject):
                return False
        return True


class SqlAdapter:
    def __init__(self, database_config: Database):
        self.database_config = database_config

    def create_connection(self):
        if self.database_config.type == "mysql":
            return self._create_mysql_connection()
        if self.database_config.type == "mariadb":
            return self._create_mariadb_connection()
        raise NotImplementedError

    def create_connection_pool(self, logger: logging.Logger, pool_size: int):
        if self.database_config.type == "mysql":
            dialect = mysqlconnector.dialect()
        elif self.database_config.type == "mariadb":
            dialect = mariadbconnector.dialect()
        else:
            raise NotImplementedError
        return ConnectionPoolWrapper(
            pool.QueuePool(
                self.create_connection,
                pool_size=pool_size,
                dialect=dialect,
                max_overflow=0,
                pre_ping=True,
            ),
            logger,
        )

    def _create_mysql_connection(self):
        try:
            connection = connguard.mysql_connector.connect(
                **self.database_config.get_mysql_connection_params()
            )
        except mysql.connector.Error as err:
            if err.errno == errorcode.ER_ACCESS_DENIED_ERROR:
                logging.exception("Database access denied.")
            elif err.errno == errorcode.ER_BAD_DB_ERROR:
                logging.exception(
                    'Specified database "%s" does not exist.', self.database_config.name
                )
            else:
                logging.exception(err)
            raise err
        else:
            return connection

    def _create_mariadb_connection(self):
        try:
            connection = connguard.mariadb.connect(
                **self.database_config.get_mysql_connection_params()
            )
        except mariadb.Error as err:
            logging.exception(f"Error connecting to MariaDB: {err}")
            raise err
        else:
            return connection
