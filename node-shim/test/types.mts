// Compiled by `npm run lint` (tsc --noEmit) as an ES module: connguard/fastify's import types.
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import connguardMysql, { type ConnguardMysqlOptions, fastifyMysql, type MySQLPromisePool } from 'connguard/fastify';

declare module 'fastify' {
  interface FastifyInstance {
    mysql: MySQLPromisePool;
  }
}

export async function example(password: string): Promise<void> {
  const app = Fastify();
  // Built apart from the call: `promise` is a boolean here, as in a config function's result.
  const options = { host: '127.0.0.1', port: 3306, user: 'app', password, database: 'main', promise: true, service: 'webui' };
  await app.register(connguardMysql, options);
  await app.register(fastifyMysql, { ...options, name: 'reports' });
  const typed: ConnguardMysqlOptions = options;
  await app.register(connguardMysql, () => typed);
  await app.register(fp(async (instance) => {
    await instance.mysql.query('SELECT 1');
  }, { name: 'jobs', dependencies: ['@fastify/mysql'] }));
}
