// Mirrors CLP's components/webui/packages/server/src/plugins/external/mysql.ts.
import {
    fastifyMysql,
    MySQLPromisePool,
} from "connguard/fastify";
import {FastifyInstance} from "fastify";

import {serverSettings} from "../../settings.js";


// The typing of `@fastify/mysql` needs to be manually specified.
// See https://github.com/fastify/fastify-mysql#typescript
declare module "fastify" {
    interface FastifyInstance {
        mysql: MySQLPromisePool;
    }
}

export const autoConfig = (fastify: FastifyInstance) => {
    return {
        database: serverSettings.SqlDbName,
        host: serverSettings.SqlDbHost,
        password: fastify.config.CLP_DB_PASS,
        port: serverSettings.SqlDbPort,
        promise: true,
        service: "webui",
        user: fastify.config.CLP_DB_USER,
    };
};

export default fastifyMysql;
