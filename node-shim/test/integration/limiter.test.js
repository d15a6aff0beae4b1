'use strict';
// The process's limiter for the test server (docs/spec.md 6) against the real
// MariaDB: refused connects as the server counts them, and callers that leave.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { setTimeout: sleep } = require('node:timers/promises');
const { DEFAULT_POLICY, QueueTimeoutError, createConnection, createPool, giveUpInfo, parsePolicy } = require('../..');
const { targetKey } = require('../../lib/drivers/mysql2');
const { gateFor } = require('../../lib/gate');
const { admin, endAll, eventually, holdAll, recordingLogger, server } = require('./server');

const WITHOUT = parsePolicy('[default]\nmax_attempts = 100\n\n[default.limiter]\nenabled = false\n');
const WITH = parsePolicy('[default]\nmax_attempts = 100\n');

// This process's gate for the server (made here if no caller made it yet).
function gate() {
  return gateFor(targetKey(server().options), DEFAULT_POLICY).limiter;
}

// Refused connects the server counted while `run()` ran, once it is idle again.
async function refusedDuring(run) {
  const db = await admin();
  await eventually(async () => (await db.clients()) === 0, 'the server is idle before');
  const before = await db.refused();
  const failures = await run();
  await eventually(async () => (await db.clients()) === 0, 'the server is idle after');
  return { failures, refused: (await db.refused()) - before };
}

// 60 clients at once, each connecting, holding its connection for a 50 ms query, and closing it.
async function connectionStorm(policy) {
  const { options } = server();
  const results = await Promise.allSettled(Array.from({ length: 60 }, async () => {
    const connection = await createConnection(options, { policy, logger: recordingLogger() });
    try {
      await connection.query('SELECT SLEEP(0.05)');
    } finally {
      await connection.end();
    }
  }));
  return results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
}

// 100 queries at once on a pool of 50.
async function poolStorm(policy) {
  const pool = createPool({ ...server().options, connectionLimit: 50 }, { policy, logger: recordingLogger() });
  try {
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => pool.query('SELECT SLEEP(0.02)')));
    return results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
  } finally {
    await pool.end();
  }
}

test('the limiter puts fewer refused connects on the server than retrying without it', async (t) => {
  for (const [name, storm] of [['createConnection', connectionStorm], ['createPool', poolStorm]]) {
    const without = await refusedDuring(() => storm(WITHOUT));
    const limited = await refusedDuring(() => storm(WITH));
    t.diagnostic(`${name}: refused connects without the limiter ${without.refused}, with it ${limited.refused}`);
    assert.deepEqual([without.failures, limited.failures], [[], []]);
    assert.ok(limited.refused < without.refused, `${name}: ${limited.refused} >= ${without.refused}`);
    // Every connection the limiter saw open was seen closing: no slot leaked.
    await eventually(() => gate().holding === 0, `${name}: the limiter saw every close`);
    assert.deepEqual([gate().inUse, gate().queue], [0, []]);
  }
});

test('callers that give up or are cancelled leave the queue without leaking a slot', async () => {
  const { options, maxConnections } = server();
  const held = await holdAll(); // through connguard: the limiter counts them
  const short = parsePolicy('[default]\ndeadline = "300ms"\n');
  const logger = recordingLogger();
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    // Each outcome is caught at once: they settle in any order.
    const cancelled = createConnection(options, { logger, signal: controller.signal }).catch((e) => e);
    const timedOut = createConnection(options, { policy: short, logger }).catch((e) => e);
    const pool = createPool({ ...options, connectionLimit: 2 }, { policy: short, logger });
    const poolTimedOut = pool.query('SELECT 1').catch((e) => e);
    const closing = createPool({ ...options, connectionLimit: 2 }, { logger });
    const poolClosed = closing.query('SELECT 1').catch((e) => e);
    await sleep(100);
    assert.ok(gate().queue.length >= 3, `all four wait at the limiter, one perhaps probing: ${gate().queue}`);

    assert.equal((await cancelled).name, 'AbortError');
    for (const error of [await timedOut, await poolTimedOut]) {
      // The deadline passed in the queue: the last refusal, or never a turn at all.
      const ok = error instanceof QueueTimeoutError || (error.errno === 1040 && giveUpInfo(error).reason === 'deadline');
      assert.ok(ok, String(error));
    }
    await closing.end();
    assert.equal((await poolClosed).message, 'Pool is closed.');
    await pool.end();
    assert.deepEqual([gate().holding, gate().inUse, gate().queue], [maxConnections, maxConnections, []]);
  } finally {
    await endAll(held);
  }
  await eventually(() => gate().holding === 0, 'the limiter saw the held connections close');
  const connection = await createConnection(options, { logger });
  await connection.end();
});
