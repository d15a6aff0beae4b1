// Compiled by pack.test.js (tsc, strict, module nodenext) as an ES module: connguard/fastify's
// default export registered with options built apart from the call, as @fastify/autoload's
// autoConfig gives them.
import Fastify, { type FastifyInstance } from 'fastify';
import connguardMysql, { type MySQLPromisePool } from 'connguard/fastify';

declare module 'fastify' {
  interface FastifyInstance {
    mysql: MySQLPromisePool;
  }
}

const autoConfig = (_fastify: FastifyInstance) => {
  return { host: '127.0.0.1', promise: true, service: 'webui', user: 'app' };
};

export async function example(): Promise<void> {
  const app = Fastify();
  await app.register(connguardMysql, autoConfig);
  await app.register(connguardMysql, { ...autoConfig(app), name: 'reports' });
  const [rows] = await app.mysql.query('SELECT NOW()');
  console.log(rows);
}
