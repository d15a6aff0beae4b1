'use strict';
// connguard/testing (docs/spec.md 8.4): no sleep, no probe delay, attempts
// capped, a fresh gate per test. Asserts attempts and outcomes, not time.

const assert = require('node:assert/strict');
const { afterEach, test } = require('node:test');
const { giveUpInfo, parsePolicy, retryCall } = require('../..');
const { targetKey } = require('../../lib/drivers/mysql2');
const { gateFor } = require('../../lib/gate');
const { realClock } = require('../../lib/runner');
const { resetGates, setTesting } = require('../../testing');
const { recordingLogger, scripted } = require('./fakes');

afterEach(() => setTesting(false));

// The real clock, with the sleeps the runner asks for recorded.
function recordingClock() {
  const slept = [];
  return { slept, now: realClock.now, sleep: (seconds, signal) => (slept.push(seconds), realClock.sleep(seconds, signal)) };
}

const ELEVEN = parsePolicy('[default]\nmax_attempts = 11\njitter = "none"\n');

test('a call failing 10 times then connecting makes 11 attempts and returns its connection, sleeping 0 each time', async () => {
  setTesting(true);
  const { connect, attempts } = scripted([...Array(10).fill(2013), 'ok']);
  const clock = recordingClock();
  const connection = await retryCall(ELEVEN, connect, { clock, logger: recordingLogger() });
  assert.equal(typeof connection.close, 'function');
  assert.deepEqual([attempts(), clock.slept], [11, Array(10).fill(0)]);
});

test('attempts caps max_attempts: the call gives up for attempts', async () => {
  setTesting(true, { attempts: 3 });
  const { connect, attempts } = scripted(Array(11).fill(2013));
  const error = await retryCall(ELEVEN, connect, { logger: recordingLogger() }).catch((e) => e);
  assert.deepEqual([attempts(), giveUpInfo(error).reason, giveUpInfo(error).attempts], [3, 'attempts', 3]);
});

test('off again, a call sleeps its delays and makes its attempts', async () => {
  setTesting(true, { attempts: 1 });
  setTesting(false);
  const { connect, attempts } = scripted([2013, 'ok']);
  const clock = { slept: [], now: () => 0, sleep: async (seconds) => clock.slept.push(seconds) };
  await retryCall(ELEVEN, connect, { clock, logger: recordingLogger() });
  assert.deepEqual([attempts(), clock.slept], [2, [0.05]]);
});

// A probe an hour away: were it not fired at once, the call would wait at the gate until aborted.
const SLOW_PROBE = parsePolicy(
  '[default]\njitter = "none"\ninitial_delay = "60m"\nmax_delay = "60m"\ndeadline = "120m"\n\n[default.limiter]\ninitial_limit = 1\nmax_limit = 1\n',
);

test('a gated call refused for capacity is let in by a probe at once', async () => {
  setTesting(true);
  resetGates();
  const { connect, onClose, attempts } = scripted([1040, 'ok']);
  const logger = recordingLogger();
  const signal = AbortSignal.timeout(5000);
  const connection = await retryCall(SLOW_PROBE, connect, { target: { host: 'testing.test' }, onClose, logger, signal });
  assert.equal(attempts(), 2);
  assert.match(logger.lines[0].message, /queued for a free slot/);
  connection.close();
});

test('resetGates: the next call to a server gets a fresh gate, configured by its policy', async () => {
  const target = { host: 'reset.test' };
  const { connect, onClose } = scripted(['ok']);
  const held = await retryCall(SLOW_PROBE, connect, { target, onClose, logger: recordingLogger() });
  const before = gateFor(targetKey(target), ELEVEN);
  assert.deepEqual([before.limiter.holding, before.limiter.maxLimit], [1, 1]);
  resetGates();
  const after = gateFor(targetKey(target), ELEVEN);
  assert.notEqual(after, before);
  assert.deepEqual([after.limiter.holding, after.limiter.maxLimit], [0, 1000]);
  held.close();
  assert.equal(after.limiter.holding, 0, 'a slot goes back to the gate it came from');
});

test('setTesting refuses what it cannot mean', () => {
  assert.throws(() => setTesting('yes'), TypeError);
  assert.throws(() => setTesting(true, { attempts: 0 }), RangeError);
  assert.throws(() => setTesting(true, { attempts: 2.5 }), RangeError);
});
