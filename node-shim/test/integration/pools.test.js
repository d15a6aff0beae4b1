'use strict';
// Several pools of one process against the real MariaDB: pools and the
// limiter share the gate's queue, so a caller waiting for capacity gets a slot
// that another pool's idle connection held, and none is stranded until its
// deadline while connections sit idle.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { performance } = require('node:perf_hooks');
const { createConnection, createPool, parsePolicy } = require('../..');
const { targetKey } = require('../../lib/drivers/mysql2');
const { gateFor } = require('../../lib/gate');
const { admin, eventually, recordingLogger, server } = require('./server');

const DEADLINE = 10;
const policy = parsePolicy(`[default]\ndeadline = "${DEADLINE}s"\nmax_attempts = 1000\n`);
const FREE = 20; // the server's max_connections during these tests: every slot is free

const seconds = (since) => (performance.now() - since) / 1000;

// `count` queries at once, the i-th on pools[pick(i)]: the seconds each took, or why it failed.
async function queries(pools, count, pick) {
  const results = await Promise.allSettled(Array.from({ length: count }, async (_, i) => {
    const started = performance.now();
    await pools[pick(i)].query('SELECT SLEEP(0.005)');
    return seconds(started);
  }));
  return {
    failed: results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)),
    slowest: Math.max(0, ...results.filter((r) => r.status === 'fulfilled').map((r) => r.value)),
  };
}

// No caller failed (a stranded one fails at its deadline), none waited half of it.
function noneStranded({ failed, slowest }, what) {
  assert.deepEqual(failed, [], what);
  assert.ok(slowest < DEADLINE / 2, `${what}: a caller waited ${slowest.toFixed(2)}s of its ${DEADLINE}s deadline`);
}

// Runs `body(pools)` with 4 pools of 10 (40 > FREE) over the test server at max_connections = FREE.
async function withPools(body) {
  const db = await admin();
  const pools = Array.from({ length: 4 }, () => createPool({ ...server().options, connectionLimit: 10 }, { policy, logger: recordingLogger() }));
  try {
    await db.withMaxConnections(FREE, () => body(pools));
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
  const limiter = gateFor(targetKey(server().options), policy).limiter;
  await eventually(() => limiter.holding === 0, 'the limiter saw every pooled connection close');
  assert.deepEqual([limiter.inUse, limiter.queue], [0, []]);
}

test('4 pools of 10 over 20 free slots: 400 short queries at once all succeed, none stranded', async (t) => {
  // Pool by pool, the gate's queue holds pool 0's callers first: pools 0 and 1 take every slot, finish
  // their queries and leave their connections idle while the callers of pools 2 and 3 wait.
  for (const [name, pick] of [['interleaved', (i) => i % 4], ['pool by pool', (i) => Math.floor(i / 100)]]) {
    await withPools(async (pools) => {
      const started = performance.now();
      const outcome = await queries(pools, 400, pick);
      t.diagnostic(`${name}: 400 queries in ${seconds(started).toFixed(2)}s, slowest ${outcome.slowest.toFixed(2)}s`);
      noneStranded(outcome, name);
    });
  }
});

test('callers of other pools and createConnection take the slots of connections left idle', async () => {
  const { options } = server();
  await withPools(async (pools) => {
    // The first two pools open 10 connections each, all the server allows, and leave them idle.
    const held = await Promise.all(Array.from({ length: FREE }, (_, i) => pools[i % 2].getConnection()));
    for (const connection of held) connection.release();
    assert.equal(pools[0].pool._freeConnections.length + pools[1].pool._freeConnections.length, FREE);
    const started = performance.now();
    const connection = await createConnection(options, { policy, logger: recordingLogger() });
    await connection.end();
    assert.ok(seconds(started) < DEADLINE / 2, `createConnection waited ${seconds(started).toFixed(2)}s`);
    noneStranded(await queries(pools.slice(2), 200, (i) => i % 2), 'the other two pools');
  });
});
