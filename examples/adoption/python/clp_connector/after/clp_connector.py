"""CLP's MCP server connector (y-scope/clp,
components/clp-mcp-server/clp_mcp_server/clp_connector.py), trimmed to its MariaDB
calls: a connection per call, ``async with ... as conn, conn.cursor() as cur:``. The
job config comes packed (CLP packs it with msgpack), and the results cache (MongoDB) is
left out."""

from typing import Any

import connguard.aiomysql


class ClpConnector:
    def __init__(self, db_conf: dict[str, Any]) -> None:
        # Configuration to be used in `aiomysql.connect` to MariaDB.
        self._db_conf = db_conf

    async def submit_query(self, job_config: bytes) -> str:
        async with connguard.aiomysql.connect(**self._db_conf) as conn, conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO query_jobs (type, job_config) VALUES (%s, %s);",
                (0, job_config),
            )
            await conn.commit()
            await cur.execute("SELECT LAST_INSERT_ID();")
            result = await cur.fetchone()
            query_id = str(result[0]) if result else None

        if query_id is None:
            err_msg = "Failed to retrieve the ID of the submitted query."
            raise RuntimeError(err_msg)
        return query_id

    async def read_job_status(self, query_id: str) -> int:
        async with connguard.aiomysql.connect(**self._db_conf) as conn, conn.cursor() as cur:
            await cur.execute("SELECT status FROM query_jobs WHERE id = %s;", (query_id,))
            result = await cur.fetchone()
            status = result[0] if result else None

        if status is None:
            err_msg = f"Query job with ID {query_id} not found."
            raise ValueError(err_msg)
        return status
