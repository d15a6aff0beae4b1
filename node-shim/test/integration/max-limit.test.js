'use strict';
// max_limit against the real MariaDB: a hard cap on the connections and
// attempts one process has at a server (docs/spec.md 6), as the server counts
// them. In a file of its own: the first policy to reach a server sets its
// limits for the process.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { setTimeout: sleep } = require('node:timers/promises');
const mysql = require('mysql2/promise');
const { createConnection, createPool, parsePolicy, retryCall } = require('../..');
const { admin, eventually, recordingLogger, server } = require('./server');

const MAX = 3;
const policy = parsePolicy(`[default]\ndeadline = "20s"\n\n[default.limiter]\nmax_limit = ${MAX}\n`);
const CALLERS = 20;
const HOLD_MS = 30;

// The most connections of the test account (mid-handshake included) the server
// showed while `run()` ran, sampled every few ms, at most 10000 times.
async function peakDuring(run) {
  const db = await admin();
  let running = true;
  let peak = 0;
  let samples = 0;
  await eventually(async () => (await db.connections()) === 0, 'no connection of the test account before');
  const sampler = (async () => {
    for (; running && samples < 10_000; samples += 1) {
      peak = Math.max(peak, await db.connections());
      await sleep(2);
    }
  })();
  const results = await Promise.allSettled([run()]).finally(() => {
    running = false;
  });
  await sampler;
  if (results[0].status === 'rejected') throw results[0].reason;
  return { peak, samples };
}

// CALLERS at once, each getting a connection, holding it HOLD_MS and giving it back.
async function callers(get, giveBack) {
  const results = await Promise.allSettled(Array.from({ length: CALLERS }, async () => {
    const connection = await get();
    await sleep(HOLD_MS);
    await giveBack(connection);
  }));
  assert.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)), []);
}

test(`createConnection: ${CALLERS} callers, never more than max_limit = ${MAX} connections and attempts on the server`, async (t) => {
  const { options } = server();
  const logger = recordingLogger();
  const { peak, samples } = await peakDuring(() => callers(() => createConnection(options, { policy, logger }), (c) => c.end()));
  t.diagnostic(`createConnection: at most ${peak} connection(s) in ${samples} samples`);
  assert.ok(peak >= 1 && peak <= MAX, `the server showed ${peak} connections of this process`);
  assert.deepEqual(logger.lines, [], 'nothing refused, nothing retried');
});

test(`createPool (connectionLimit 10): never more than max_limit = ${MAX} on the server`, async (t) => {
  const logger = recordingLogger();
  const pool = createPool({ ...server().options, connectionLimit: 10 }, { policy, logger });
  try {
    const { peak, samples } = await peakDuring(() => callers(() => pool.getConnection(), (c) => c.release()));
    t.diagnostic(`createPool: at most ${peak} connection(s) in ${samples} samples`);
    assert.ok(peak >= 1 && peak <= MAX, `the server showed ${peak} connections of this process`);
    assert.equal(pool.pool._allConnections.length, MAX, 'the pool opened max_limit connections, not connectionLimit');
    assert.deepEqual(logger.lines, []);
  } finally {
    await pool.end();
  }
});

test('retryCall with a target: the same cap for mysql2 connections opened by hand', async (t) => {
  const { options } = server();
  const logger = recordingLogger();
  const connect = ({ timeout }) => mysql.createConnection({ ...options, connectTimeout: timeout * 1000 });
  const { peak, samples } = await peakDuring(() => callers(() => retryCall(policy, connect, { target: options, logger }), (c) => c.end()));
  t.diagnostic(`retryCall: at most ${peak} connection(s) in ${samples} samples`);
  assert.ok(peak >= 1 && peak <= MAX, `the server showed ${peak} connections of this process`);
  assert.deepEqual(logger.lines, []);
});
