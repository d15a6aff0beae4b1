// Compiled by `npm run lint` (tsc --noEmit): the declarations as a TypeScript user writes them.
import { subscribe } from 'node:diagnostics_channel';
import Fastify from 'fastify';
import {
  Call, CallError, CHANNELS, type ConnguardEvent, createConnection, createPool, giveUpInfo, Limiter, loadPolicy, Metrics,
  PoolTimeoutError, QueueTimeoutError, retryCall,
} from 'connguard';
import connguardMysql, { connguardMysql as named, type MySQLPromisePool } from 'connguard/fastify';
import { resetGates, setTesting } from 'connguard/testing';

declare module 'fastify' {
  interface FastifyInstance {
    mysql: MySQLPromisePool;
  }
}

export async function example(): Promise<void> {
  const policy = loadPolicy('connguard.toml', { service: 'webui' });
  const pool = createPool({ host: '127.0.0.1', connectionLimit: 5 }, { policy });
  const [rows] = await pool.query('SELECT 1');
  const limited: boolean = policy.limiter.enabled && policy.limiter.maxLimit >= policy.limiter.initialLimit;
  const connection = await createConnection('mysql://app@127.0.0.1/main', { service: 'webui', signal: AbortSignal.timeout(1000) });
  await connection.end();
  try {
    await pool.getConnection();
  } catch (error) {
    const attempts: number | undefined = giveUpInfo(error)?.attempts;
    if (error instanceof PoolTimeoutError) console.log(error.waited, attempts, rows);
    if (error instanceof QueueTimeoutError) console.log(error.waited, limited);
  }
  const limiter = new Limiter<number>(policy, 1n);
  const { granted, probeIn }: { granted: number[]; probeIn: number | null } = limiter.acquire(1);
  console.log(granted, probeIn, limiter.queue.length);
  const call = new Call(policy, 1n, false);
  for (const action of call.start()) {
    if (action.do === 'attempt') console.log(action.timeout.toFixed(3), call.phase);
  }
  try {
    call.woke(0);
  } catch (error) {
    if (error instanceof CallError) console.log(error.message);
  }
  const viaRetry = await retryCall(policy, ({ timeout, signal }) => createConnection({ connectTimeout: timeout * 1000 }, { signal }));
  await viaRetry.end();
  await retryCall(policy, () => createConnection('mysql://app@127.0.0.1/main'));
  const app = Fastify();
  await app.register(connguardMysql, { promise: true, connectionString: 'mysql://app@127.0.0.1/main', service: 'webui' });
  await app.mysql.query('SELECT NOW()');
  const built = { promise: true, host: '127.0.0.1', port: 3306, connectionLimit: 5, service: 'webui' }; // promise: boolean
  await Fastify().register(named, built);
  await Fastify().register(named, () => built); // options from the instance, as @fastify/autoload's autoConfig

  subscribe(CHANNELS.failed, (message) => {
    const event = message as ConnguardEvent;
    if (event.name === 'failed') console.log(event.class, event.code ?? 'network', event.target);
  });
  const metrics = new Metrics().start();
  setTesting(true, { attempts: 3 });
  resetGates();
  for (const series of metrics.snapshot()) {
    if ('buckets' in series) console.log(series.count, series.buckets.at(-1)?.[0]);
    else console.log(series.name, series.labels.service, series.value);
  }
  metrics.stop();
  setTesting(false);
}
