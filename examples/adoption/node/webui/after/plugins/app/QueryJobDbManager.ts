// Mirrors CLP's components/webui/packages/server/src/plugins/app/QueryJobDbManager/index.ts
// (its job submission; CLP encodes the job's config with @msgpack/msgpack, this with JSON).
import type {MySQLPromisePool} from "connguard/fastify";
import {FastifyInstance} from "fastify";
import fp from "fastify-plugin";
import {ResultSetHeader} from "mysql2";

import {serverSettings} from "../../settings.js";


/**
 * Class for managing jobs in the CLP package query scheduler database.
 */
class QueryJobDbManager {
    readonly #sqlPool: MySQLPromisePool;

    readonly #tableName: string;

    private constructor (sqlPool: MySQLPromisePool, tableName: string) {
        this.#sqlPool = sqlPool;
        this.#tableName = tableName;
    }

    static create (fastify: FastifyInstance): QueryJobDbManager {
        return new QueryJobDbManager(fastify.mysql, serverSettings.SqlDbQueryJobsTableName);
    }

    async submitJob (jobConfig: object, jobType: number): Promise<number> {
        const [result] = await this.#sqlPool.query<ResultSetHeader>(
            `INSERT INTO ${this.#tableName} (job_config, type) VALUES (?, ?)`,
            [
                Buffer.from(JSON.stringify(jobConfig)),
                jobType,
            ]
        );

        return result.insertId;
    }
}

declare module "fastify" {
    interface FastifyInstance {
        QueryJobDbManager: QueryJobDbManager;
    }
}

export default fp(
    (fastify) => {
        fastify.decorate("QueryJobDbManager", QueryJobDbManager.create(fastify));
    },
    {
        name: "QueryJobDbManager",
    }
);
