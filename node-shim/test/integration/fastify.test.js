'use strict';

const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const { test } = require('node:test');
const { setTimeout: sleep } = require('node:timers/promises');
const Fastify = require('fastify');
const fastifyMysql = require('@fastify/mysql');
const fp = require('fastify-plugin');
const connguardMysql = require('../../lib/fastify');
const { CHANNELS, QueueTimeoutError, createConnection, giveUpInfo, parsePolicy } = require('../..');
const { admin, endAll, eventually, holdAll, recordingLogger, server } = require('./server');

// A Fastify app whose pino log lines (JSON) are kept.
function app() {
  const lines = [];
  const stream = { write: (line) => lines.push(JSON.parse(line)) };
  return { fastify: Fastify({ logger: { level: 'warn', stream } }), lines };
}

test('without connguard: @fastify/mysql registered while the server is full fails to start', async () => {
  const held = await holdAll();
  const { fastify } = app();
  try {
    fastify.register(fastifyMysql, { promise: true, ...server().options });
    const error = await fastify.ready().catch((e) => e);
    assert.equal(error.errno, 1040, String(error));
  } finally {
    await fastify.close().catch(() => undefined);
    await endAll(held);
  }
});

test('connguard/fastify registered while the server is full starts once a connection frees', async () => {
  const { options, password } = server();
  const policy = parsePolicy('[default]\ndeadline = "8s"\n');
  const held = await holdAll();
  const release = setTimeout(() => held.pop().end(), 500);
  const { fastify, lines } = app();
  fastify.get('/now', async () => {
    const [[row]] = await fastify.mysql.query('SELECT 1 + 1 AS two');
    return row;
  });
  try {
    const started = performance.now();
    fastify.register(connguardMysql, { promise: true, ...options, connectionLimit: 5, policy, service: 'webui' });
    await fastify.ready();
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds >= 0.4 && seconds < policy.deadline, `started after ${seconds}s`);

    const retries = lines.filter((l) => l.connguard?.event === 'retry');
    assert.ok(retries.length >= 1, JSON.stringify(lines));
    assert.match(retries[0].msg, /^connguard retry: service=webui target=mysql:\/\/\S+ code=1040 ER_CON_COUNT_ERROR \(capacity\)/);
    assert.equal(retries[0].level, 40); // pino's warn
    assert.ok(lines.every((l) => !JSON.stringify(l).includes(password)));

    const response = await fastify.inject('/now');
    assert.deepEqual(response.json(), { two: 2 });
    const connection = await fastify.mysql.getConnection();
    connection.release();
    assert.equal(typeof fastify.mysql.pool.end, 'function');
    assert.equal(fastify.mysql.escape("it's"), "'it\\'s'");
  } finally {
    clearTimeout(release);
    await fastify.close();
    await endAll(held);
  }
});

test('type "connection" and named instances, as @fastify/mysql has them', async () => {
  const { options } = server();
  const { fastify } = app();
  try {
    fastify.register(connguardMysql, { promise: true, type: 'connection', name: 'main', ...options });
    fastify.register(connguardMysql, { promise: true, name: 'reports', connectionString: `mysql://${options.user}:${encodeURIComponent(options.password)}@${options.host}:${options.port}/${options.database}` });
    await fastify.ready();
    const [[row]] = await fastify.mysql.main.connection.query('SELECT 3 AS three');
    assert.equal(row.three, 3);
    const [[other]] = await fastify.mysql.reports.query('SELECT 4 AS four');
    assert.equal(other.four, 4);
  } finally {
    await fastify.close();
  }
});

test('a fatal code fails registration at once; the callback API is refused with a clear message', async () => {
  const { fastify } = app();
  fastify.register(connguardMysql, { promise: true, ...server().options, password: 'not-the-password' });
  const error = await fastify.ready().catch((e) => e);
  assert.equal(error.errno, 1045);

  const { fastify: callbacks } = app();
  callbacks.register(connguardMysql, { ...server().options });
  await assert.rejects(callbacks.ready(), /supports the promise API only/);
});

test('a pluginTimeout shorter than the deadline is said at registration', async () => {
  const lines = [];
  const stream = { write: (line) => lines.push(JSON.parse(line)) };
  const fastify = Fastify({ logger: { level: 'warn', stream }, pluginTimeout: 2000 });
  try {
    fastify.register(connguardMysql, { promise: true, ...server().options });
    await fastify.ready();
    assert.match(lines[0].msg, /startup gives up after 1\.8s, before Fastify's pluginTimeout \(2000 ms\)/);
  } finally {
    await fastify.close();
  }
});

test("a plugin declaring dependencies: ['@fastify/mysql'] registers after connguard/fastify", async () => {
  const jobs = fp(async (instance) => {
    instance.decorate('jobs', { count: async () => (await instance.mysql.query('SELECT 2 AS n'))[0][0].n });
  }, { name: 'jobs', dependencies: ['@fastify/mysql'] });

  const alone = Fastify();
  alone.register(jobs);
  await assert.rejects(alone.ready(), { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' }); // what the check catches

  const fastify = Fastify();
  try {
    fastify.register(connguardMysql, { promise: true, ...server().options });
    fastify.register(jobs);
    await fastify.ready();
    assert.equal(fastify.hasPlugin('@fastify/mysql'), true);
    assert.equal(await fastify.jobs.count(), 2);
  } finally {
    await fastify.close();
  }
});

/**
 * The attempts of calls for `service`, counted from their events, and the
 * test account's connections seen by the server once every held one is
 * closed and another caller has gone through the gate: a startup still
 * waiting there would have had its turn, and its connection would count.
 */
async function aftermath(held, service) {
  let attempts = 0;
  const count = (event) => {
    if (event.service === service) attempts += 1;
  };
  dc.subscribe(CHANNELS.attempt, count);
  try {
    const db = await admin();
    await endAll(held);
    const other = await createConnection(server().options, { logger: recordingLogger() });
    await other.end();
    await eventually(async () => (await db.connections()) === 0, 'the test account has no connection left');
    return attempts;
  } finally {
    dc.unsubscribe(CHANNELS.attempt, count);
  }
}

test('a startup that outlives the pluginTimeout gives up before it and leaves no connection', async () => {
  const held = await holdAll();
  const logger = recordingLogger();
  const fastify = Fastify({ pluginTimeout: 1500 });
  try {
    fastify.register(connguardMysql, { promise: true, ...server().options, service: 'outlived', logger });
    const error = await fastify.ready().then(() => assert.fail('started on a full server'), (e) => e);
    // Before Fastify's timeout, with connguard's own answer. This process holds every slot
    // (holdAll's connections share its gate), so the startup queues: it gives up unattempted,
    // or with the server's 1040 when a probe came in time (the probe's delay is drawn).
    if (error instanceof QueueTimeoutError) {
      assert.equal(error.code, 'CONNGUARD_QUEUE_TIMEOUT');
    } else {
      assert.equal(error.errno, 1040, String(error));
      assert.equal(giveUpInfo(error).reason, 'deadline');
    }
    assert.equal(await aftermath(held, 'outlived'), 0, 'no attempt after the startup gave up');
  } finally {
    await endAll(held);
    await fastify.close();
  }
});

test('an instance closed after an enclosing plugin timed out stops the startup and leaves no connection', async () => {
  const held = await holdAll();
  const logger = recordingLogger();
  const fastify = Fastify({ pluginTimeout: 1000 });
  // The enclosing plugin's timer started 300 ms before connguard's: Fastify gives up on it first.
  fastify.register(async (app) => {
    await sleep(300);
    await app.register(connguardMysql, { promise: true, ...server().options, service: 'abandoned', logger });
  });
  try {
    const error = await fastify.ready().then(() => assert.fail('started on a full server'), (e) => e);
    assert.equal(error.code, 'FST_ERR_PLUGIN_TIMEOUT', String(error));
    assert.ok(!logger.lines.some((line) => line.level === 'error'), 'the startup was still retrying');
    await fastify.close(); // as an app does when it cannot start (CLP's webui: close-with-grace)
    assert.equal(await aftermath(held, 'abandoned'), 0, 'no attempt after the instance closed');
  } finally {
    await endAll(held);
  }
});
