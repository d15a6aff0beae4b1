'use strict';
// What the shared vectors (tests/vectors/limiter.json) leave out: the
// programming errors, and the events that change nothing.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Limiter, parsePolicy } = require('../..');

const policy = parsePolicy('[default]\njitter = "none"\n[default.limiter]\ninitial_limit = 1\n');

test('events out of order are programming errors, and change nothing', () => {
  const limiter = new Limiter(policy, 1n);
  assert.deepEqual(limiter.acquire('a'), { granted: ['a'], probeIn: null });
  assert.throws(() => limiter.acquire('a'), /already waiting or attempting/);
  limiter.acquire('b');
  assert.throws(() => limiter.acquire('b'), /already waiting or attempting/);
  assert.throws(() => limiter.connected('b'), /connected\(\) without a grant/);
  assert.throws(() => limiter.rejected('b'), /rejected\(\) without a grant/);
  assert.throws(() => limiter.released(), /released\(\) with no connection held/);
  assert.deepEqual([limiter.limit, limiter.holding, limiter.inUse, limiter.queue], [1, 0, 1, ['b']]);
});

test('leaving twice, or a waiter never seen, frees nothing more', () => {
  const limiter = new Limiter(policy, 1n);
  limiter.acquire('a');
  limiter.acquire('b');
  limiter.left('a');
  assert.deepEqual([limiter.inUse, limiter.queue], [1, []], 'b took the slot a freed');
  for (const waiter of ['a', 'x']) {
    assert.deepEqual(limiter.left(waiter), { granted: [], probeIn: null });
    assert.equal(limiter.inUse, 1);
  }
});

test('a probe timer that fires with nobody queued grants nothing and stays disarmed until needed', () => {
  const limiter = new Limiter(policy, 1n);
  limiter.acquire('a');
  assert.equal(limiter.acquire('b').probeIn, 0.05);
  limiter.left('b');
  assert.deepEqual(limiter.probe(), { granted: [], probeIn: null });
  assert.equal(limiter.acquire('c').probeIn, 0.1, 'the next timer takes the next delay of the schedule');
});

test('no timer while a probe is in flight; a refused probe arms the next one', () => {
  const limiter = new Limiter(policy, 1n);
  limiter.acquire('a');
  limiter.acquire('b');
  limiter.rejected('a');
  assert.deepEqual(limiter.probe(), { granted: ['a'], probeIn: null });
  assert.deepEqual(limiter.acquire('c'), { granted: [], probeIn: null });
  assert.deepEqual(limiter.rejected('a'), { granted: [], probeIn: 0.1 });
  assert.deepEqual(limiter.queue, ['a', 'b', 'c']);
});
