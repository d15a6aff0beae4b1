// connguard/fastify for import: the plugin is the default export, and the named ones.
import type { ConnguardMysqlPlugin } from './fastify.js';

export type { ConnguardMysqlOptions, ConnguardMysqlPlugin, MySQLPromiseConnection, MySQLPromisePool } from './fastify.js';

declare const connguardMysql: ConnguardMysqlPlugin;
export { connguardMysql, connguardMysql as fastifyMysql };
export default connguardMysql;
