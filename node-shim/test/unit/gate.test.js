'use strict';
// The Gate closing idle pooled connections for callers the limiter cannot
// admit (lib/gate.js), with a fake pool whose closes complete when the test
// says; the real pools and server are in test/integration/pools.test.js.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { parsePolicy } = require('../..');
const { Gate } = require('../../lib/gate');

// A gate at max_limit 2, holding two connections that sit idle in a fake pool.
function twoIdle() {
  const gate = new Gate(parsePolicy('[default.limiter]\ninitial_limit = 2\nmax_limit = 2\n'), 1n);
  const slots = new Map();
  for (const name of ['a', 'b']) {
    const ticket = gate.ticket();
    ticket.join();
    slots.set(name, ticket.connected(name));
  }
  const idle = ['a', 'b'];
  const closing = [];
  const reclaimIdle = () => {
    const connection = idle.shift() ?? null;
    if (connection !== null) closing.push(connection);
    return connection;
  };
  gate.addReclaimer(reclaimIdle);
  // A closing connection's socket closes: its slot is released.
  const closed = () => slots.get(closing.shift()).release();
  return { gate, reclaimIdle, closing, closed };
}

test('a waiter the limiter cannot admit gets the slot of an idle connection, one close per waiter', () => {
  const { gate, closing, closed } = twoIdle();
  const first = gate.ticket();
  first.join();
  assert.deepEqual([closing, gate.limiter.queue], [['a'], [first]], 'one idle connection closes for the one waiter');
  const second = gate.ticket();
  second.join();
  assert.deepEqual(closing, ['a', 'b']);
  closed();
  assert.deepEqual([first.turn, gate.limiter.queue], [true, [second]], 'the close hands its slot to the head');
  first.left();
  assert.deepEqual([second.turn, closing], [true, ['b']], 'room again: nothing more closes');
  closed();
  assert.deepEqual([gate.limiter.holding, gate.limiter.inUse, gate.closing.size], [0, 1, 0]);
});

test('a close under way counts for the waiter it was for; a removed pool is left alone', () => {
  const { gate, reclaimIdle, closing } = twoIdle();
  const waiter = gate.ticket();
  waiter.join();
  gate.reclaim(); // e.g. a connection back in some pool: the close under way already covers the waiter
  assert.deepEqual(closing, ['a']);
  gate.removeReclaimer(reclaimIdle);
  gate.ticket().join();
  assert.deepEqual(closing, ['a']);
});
