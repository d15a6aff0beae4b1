'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const mysql = require('mysql2/promise');
const { PoolTimeoutError, createPool, giveUpInfo, parsePolicy } = require('../..');
const { endAll, holdAll, recordingLogger, server } = require('./server');

const sleeps = (pool) => Promise.allSettled(Array.from({ length: 100 }, () => pool.query('SELECT SLEEP(0.02)')));

test('without connguard: 100 concurrent queries on a 50-connection pool hit 1040', async (t) => {
  const pool = mysql.createPool({ ...server().options, connectionLimit: 50 });
  try {
    const results = await sleeps(pool);
    const failed = results.filter((r) => r.status === 'rejected');
    t.diagnostic(`without connguard: ${failed.length} of 100 failed`);
    assert.ok(failed.length > 0);
    assert.ok(failed.every((r) => r.reason.errno === 1040), String(failed[0]?.reason));
  } finally {
    await pool.end();
  }
});

test('with connguard: the same 100 queries all succeed', async (t) => {
  const { options, password } = server();
  const logger = recordingLogger();
  const pool = createPool({ ...options, connectionLimit: 50 }, { logger, service: 'api' });
  try {
    const results = await sleeps(pool);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(failed.map((r) => String(r.reason)), []);
    t.diagnostic(`with connguard: ${logger.lines.length} retries logged`);
    assert.ok(logger.lines.length > 0, 'the server refused some connects: they were retried');
    assert.ok(logger.lines.every((l) => l.level === 'warn' && l.fields.connguard.code === 1040));
    assert.ok(logger.lines.every((l) => !l.message.includes(password)));
  } finally {
    await pool.end();
  }
});

test('without the limiter, getConnection and execute retry a refused new connection', async () => {
  const { options } = server();
  const held = await holdAll();
  const logger = recordingLogger();
  const policy = parsePolicy('[default.limiter]\nenabled = false\n');
  const pool = createPool({ ...options, connectionLimit: 2 }, { policy, logger });
  const release = setTimeout(() => endAll(held.splice(0, 2)), 500);
  try {
    const connection = await pool.getConnection();
    const [[row]] = await pool.execute('SELECT ? AS n', [7]);
    assert.equal(row.n, 7);
    connection.release();
    assert.ok(logger.lines.some((l) => l.fields.connguard.event === 'retry'));
  } finally {
    clearTimeout(release);
    await pool.end();
    await endAll(held);
  }
});

test('a SQL error passes through untouched and is never retried', async () => {
  const logger = recordingLogger();
  const pool = createPool({ ...server().options, connectionLimit: 2 }, { logger });
  let acquired = 0;
  pool.on('acquire', () => {
    acquired += 1;
  });
  try {
    const error = await pool.query('SELEC 1').catch((e) => e);
    assert.equal(error.errno, 1064);
    assert.equal(error.code, 'ER_PARSE_ERROR');
    assert.equal(giveUpInfo(error), undefined);
    const executed = await pool.execute('SELECT * FROM no_such_table').catch((e) => e);
    assert.equal(executed.errno, 1146);
    assert.equal(acquired, 2, 'one connection per statement: no second try');
    assert.deepEqual(logger.lines, []);
  } finally {
    await pool.end();
  }
});

test('a fatal code from a new pooled connection fails at once', async () => {
  const { options, password } = server();
  const logger = recordingLogger();
  const pool = createPool({ ...options, password: 'not-the-password' }, { logger });
  try {
    const error = await pool.query('SELECT 1').catch((e) => e);
    assert.equal(error.errno, 1045);
    assert.deepEqual([giveUpInfo(error).attempts, giveUpInfo(error).reason], [1, 'fatal']);
    for (const text of [error.message, ...logger.lines.map((l) => l.message)]) {
      assert.ok(!text.includes('not-the-password') && !text.includes(password), text);
    }
  } finally {
    await pool.end();
  }
});

test('PoolTimeoutError when the deadline passes while queued; the pool still works after', async () => {
  const { options } = server();
  const policy = parsePolicy('[default]\ndeadline = "500ms"\n');
  const pool = createPool({ ...options, connectionLimit: 1 }, { policy, logger: recordingLogger() });
  try {
    const held = await pool.getConnection();
    const started = performance.now();
    const error = await pool.getConnection().catch((e) => e);
    const waited = (performance.now() - started) / 1000;
    assert.ok(error instanceof PoolTimeoutError, String(error));
    assert.equal(error.size, 1);
    assert.equal(error.deadline, 0.5);
    assert.ok(waited >= 0.45, `waited ${waited}s`);
    assert.match(error.message, /^connguard pool for mysql:\/\/\S+ \(size 1\): no connection became free within/);
    const queued = pool.query('SELECT 2 AS two');
    held.release(); // to the next caller in mysql2's queue: the timed-out one left it
    const [[row]] = await queued;
    assert.equal(row.two, 2);
  } finally {
    await pool.end();
  }
});
