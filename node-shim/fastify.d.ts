// connguard/fastify for require() (and TypeScript's CommonJS): the plugin is module.exports
// itself, as @fastify/mysql's is. fastify.d.mts declares the same for import.
import type { FastifyPluginAsync } from 'fastify';
import type { Connection, ConnectionOptions, Pool, PoolOptions } from 'mysql2/promise';
import type { format, escape } from 'mysql2';
import type { Logger, Policy } from './index';

declare namespace connguardMysql {
  export interface ConnguardMysqlOptions extends PoolOptions, ConnectionOptions {
    /**
     * Must be true: only the promise API is supported (registration fails otherwise). Typed
     * boolean so that options built apart from the call, where `true` widens, are accepted.
     */
    promise: boolean;
    type?: 'pool' | 'connection';
    name?: string;
    connectionString?: string;
    policy?: Policy;
    service?: string;
    /** Default: the Fastify logger. */
    logger?: Logger;
  }

  interface BaseClient {
    format: typeof format;
    escape: typeof escape;
    escapeId: (value: any, forbidQualified?: boolean) => string;
  }

  /** fastify.mysql after `type: 'pool'` (the default), as @fastify/mysql's MySQLPromisePool. */
  export type MySQLPromisePool = Pick<Pool, 'query' | 'execute' | 'getConnection'> & { pool: Pool } & BaseClient;
  /** fastify.mysql after `type: 'connection'`, as @fastify/mysql's MySQLPromiseConnection. */
  export type MySQLPromiseConnection = Pick<Connection, 'query' | 'execute'> & { connection: Connection } & BaseClient;

  export type ConnguardMysqlPlugin = FastifyPluginAsync<ConnguardMysqlOptions>;

  export const connguardMysql: ConnguardMysqlPlugin;
  /** The same plugin under @fastify/mysql's name for it. */
  export const fastifyMysql: ConnguardMysqlPlugin;
  export { connguardMysql as default };
}

declare function connguardMysql(
  ...params: Parameters<connguardMysql.ConnguardMysqlPlugin>
): ReturnType<connguardMysql.ConnguardMysqlPlugin>;
export = connguardMysql;
