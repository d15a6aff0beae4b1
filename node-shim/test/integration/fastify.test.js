'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const Fastify = require('fastify');
const fastifyMysql = require('@fastify/mysql');
const connguardMysql = require('../../lib/fastify');
const { parsePolicy } = require('../..');
const { endAll, holdAll, server } = require('./server');

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

test('a pluginTimeout shorter than the deadline is warned about', async () => {
  const lines = [];
  const stream = { write: (line) => lines.push(JSON.parse(line)) };
  const fastify = Fastify({ logger: { level: 'warn', stream }, pluginTimeout: 2000 });
  try {
    fastify.register(connguardMysql, { promise: true, ...server().options });
    await fastify.ready();
    assert.match(lines[0].msg, /pluginTimeout \(2000 ms\) is shorter than the policy deadline \(30s\)/);
  } finally {
    await fastify.close();
  }
});
