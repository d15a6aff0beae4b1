import type { FastifyPluginAsync } from 'fastify';
import type { Connection, ConnectionOptions, Pool, PoolOptions } from 'mysql2/promise';
import type { format, escape } from 'mysql2';
import type { Logger, Policy } from './index';

export interface ConnguardMysqlOptions extends PoolOptions, ConnectionOptions {
  /** Required: the promise API, as @fastify/mysql's `promise: true`. */
  promise: true;
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

declare const connguardMysql: FastifyPluginAsync<ConnguardMysqlOptions>;
export { connguardMysql };
export default connguardMysql;
