// Compiled by pack.test.js (tsc, strict, module nodenext) in a fresh project that installed the packed tarball.
import Fastify from 'fastify';
import { createConnection, createPool, giveUpInfo, loadPolicy, Metrics, parsePolicy, PoolTimeoutError, type Policy } from 'connguard';
import { connguardMysql, type MySQLPromisePool } from 'connguard/fastify';
import { resetGates, setTesting } from 'connguard/testing';

declare module 'fastify' {
  interface FastifyInstance {
    mysql: MySQLPromisePool;
  }
}

export async function example(): Promise<void> {
  const policy: Policy = loadPolicy('connguard.toml', { service: 'webui' });
  const deadline: number = parsePolicy('[default]\ndeadline = "3s"\n').deadline;
  const pool = createPool({ host: '127.0.0.1', connectionLimit: 5 }, { policy });
  const [rows] = await pool.query('SELECT 1');
  const connection = await createConnection('mysql://app@127.0.0.1/main', { service: 'webui', signal: AbortSignal.timeout(1000) });
  await connection.end();
  try {
    await pool.getConnection();
  } catch (error) {
    const attempts: number | undefined = giveUpInfo(error)?.attempts;
    if (error instanceof PoolTimeoutError) console.log(error.waited, attempts, rows, deadline);
  }
  const app = Fastify();
  await app.register(connguardMysql, { promise: true, connectionString: 'mysql://app@127.0.0.1/main', service: 'webui' });
  await app.mysql.query('SELECT NOW()');
  const options = { promise: true, host: '127.0.0.1', user: 'app', service: 'webui' }; // promise: boolean
  await Fastify().register(connguardMysql, options);
  setTesting(true, { attempts: 2 });
  resetGates();
  const series: number = new Metrics().start().snapshot().length;
  console.log(series);
}
