// Compiled by `npm run lint` (tsc --noEmit): the declarations as a TypeScript user writes them.
import Fastify from 'fastify';
import { createConnection, createPool, giveUpInfo, loadPolicy, PoolTimeoutError } from 'connguard';
import connguardMysql, { type MySQLPromisePool } from 'connguard/fastify';

declare module 'fastify' {
  interface FastifyInstance {
    mysql: MySQLPromisePool;
  }
}

export async function example(): Promise<void> {
  const policy = loadPolicy('connguard.toml', { service: 'webui' });
  const pool = createPool({ host: '127.0.0.1', connectionLimit: 5 }, { policy });
  const [rows] = await pool.query('SELECT 1');
  const connection = await createConnection('mysql://app@127.0.0.1/main', { service: 'webui' });
  await connection.end();
  try {
    await pool.getConnection();
  } catch (error) {
    const attempts: number | undefined = giveUpInfo(error)?.attempts;
    if (error instanceof PoolTimeoutError) console.log(error.waited, attempts, rows);
  }
  const app = Fastify();
  await app.register(connguardMysql, { promise: true, connectionString: 'mysql://app@127.0.0.1/main', service: 'webui' });
  await app.mysql.query('SELECT NOW()');
}
