'use strict';
// Metrics (docs/spec.md 8.2) of storms against the real MariaDB: the refused
// connects connguard counts are the ones the server counts.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Metrics, createConnection, createPool, parsePolicy } = require('../..');
const { resetGates } = require('../../testing');
const { admin, eventually, recordingLogger, server } = require('./server');

const { maxConnections } = server();
// Twice the server's connections at once before the first success: it refuses some of the first round.
const FIRST_ROUND = 2 * maxConnections;
const policy = parsePolicy(`[default]\nmax_attempts = 100\n\n[default.limiter]\ninitial_limit = ${FIRST_ROUND}\n`);

// The errors of the promises that reject.
const rejections = async (promises) => (await Promise.allSettled(promises))
  .filter((r) => r.status === 'rejected').map((r) => String(r.reason));

// One series' value, summed over its label sets.
const total = (snapshot, name, labels = {}) => snapshot
  .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
  .reduce((sum, s) => sum + s.value, 0);

/**
 * `run()` (the errors of its callers, once every connection has closed),
 * through a fresh gate, counted by Metrics: the counters, and the connects
 * the server refused meanwhile (the runner's refusal counter: the 1040s sent to the
 * test account).
 */
async function storm(run) {
  const db = await admin();
  const metrics = new Metrics();
  resetGates(); // a limit learnt by an earlier storm would let no first round be refused
  await eventually(async () => (await db.clients()) === 0, 'the server is idle before');
  const before = await db.refused();
  metrics.start();
  const errors = await run();
  metrics.stop();
  assert.deepEqual(errors, []);
  await eventually(async () => (await db.clients()) === 0, 'the server is idle after');
  const snapshot = metrics.snapshot();
  const failures = total(snapshot, 'connguard_attempt_failures_total');
  return {
    refused: (await db.refused()) - before,
    capacity: total(snapshot, 'connguard_attempt_failures_total', { class: 'capacity' }),
    failures,
    attempts: total(snapshot, 'connguard_attempts_total'),
    connects: total(snapshot, 'connguard_connects_total'),
    giveUps: total(snapshot, 'connguard_give_ups_total'),
  };
}

test(`createConnection, ${3 * maxConnections} callers: connguard's refused connects are the server's`, async (t) => {
  const { options } = server();
  const callers = 3 * maxConnections;
  const counted = await storm(() => rejections(Array.from({ length: callers }, async () => {
    const connection = await createConnection(options, { policy, logger: recordingLogger() });
    try {
      await connection.query('SELECT SLEEP(0.05)');
    } finally {
      await connection.end();
    }
  })));
  t.diagnostic(JSON.stringify(counted));
  const { refused, capacity, failures, attempts, connects, giveUps } = counted;
  assert.ok(capacity > 0, 'the first round was refused in part');
  assert.equal(capacity, refused);
  assert.deepEqual([connects, attempts, failures, giveUps], [callers, connects + failures, capacity, 0]);
});

test(`createPool of ${FIRST_ROUND}, 100 queries: the same, and only attempts made are counted`, async (t) => {
  const counted = await storm(async () => {
    const pool = createPool({ ...server().options, connectionLimit: FIRST_ROUND }, { policy, logger: recordingLogger() });
    try {
      return await rejections(Array.from({ length: 100 }, () => pool.query('SELECT SLEEP(0.02)')));
    } finally {
      await pool.end();
    }
  });
  t.diagnostic(JSON.stringify(counted));
  const { refused, capacity, failures, attempts, connects, giveUps } = counted;
  assert.ok(capacity > 0, 'the first round was refused in part');
  assert.equal(capacity, refused);
  assert.deepEqual([attempts, failures, giveUps], [connects + failures, capacity, 0]);
});
