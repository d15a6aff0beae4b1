// Mirrors CLP's components/webui/packages/server/src/app.ts: the external plugins first (the
// database), then the application's, then the routes (two of CLP's, cut down:
// routes/api/archive-metadata/index.ts and the job submission of routes/api/search/index.ts).
// CLP loads each directory with @fastify/autoload, which registers a module's default export with
// its autoConfig as the options; this app registers the same modules by hand.
import {FastifyInstance} from "fastify";

import QueryJobDbManager from "./plugins/app/QueryJobDbManager.js";
import mysql, {autoConfig as mysqlConfig} from "./plugins/external/mysql.js";
import {envConfig} from "./settings.js";


/**
 * Registers all plugins and routes.
 *
 * @param fastify
 */
export default async function serviceApp (fastify: FastifyInstance) {
    fastify.decorate("config", envConfig());
    await fastify.register(mysql, mysqlConfig);

    fastify.register(QueryJobDbManager);

    fastify.post<{Body: {queryString: string}}>("/api/archive-metadata/sql", async (req) => {
        const [result] = await fastify.mysql.query(req.body.queryString);

        return result;
    });

    fastify.post<{Body: {dataset: string}}>("/api/search/query", async (req) => {
        const jobId = await fastify.QueryJobDbManager.submitJob(req.body, 0);

        return {jobId};
    });
}
