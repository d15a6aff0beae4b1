'use strict';
// retryCall (one call, no gate: the limiter is disabled, so `target` only
// names the server) with a fake clock and fake connect functions; gated calls
// are in retry-gated.test.js, the real driver and server in test/integration.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { giveUpInfo, parsePolicy, retryCall } = require('../..');
const { denied, fakeClock, recordingLogger, refused, serverError, tooMany } = require('./fakes');

function failing(...errors) {
  const caps = [];
  const connect = async ({ timeout, signal }) => {
    caps.push([timeout, signal instanceof AbortSignal]);
    if (errors.length) throw errors.shift();
    return 'connection';
  };
  return { connect, calls: () => caps.length, caps };
}

const policy = parsePolicy(
  '[default]\nmax_attempts = 5\ndeadline = "10s"\njitter = "none"\ninitial_delay = "100ms"\n\n[default.limiter]\nenabled = false\n',
);
const target = 'mysql://app:s3cret@db:3306/main';

test('capacity and network errors are retried with the schedule, then the connection is returned', async () => {
  const clock = fakeClock();
  const logger = recordingLogger();
  const { connect, calls } = failing(tooMany(), refused());
  assert.equal(await retryCall(policy, connect, { clock, logger, target, service: 'api' }), 'connection');
  assert.equal(calls(), 3);
  assert.deepEqual(clock.slept, [0.1, 0.2]);
  assert.deepEqual(logger.lines.map((l) => l.level), ['warn', 'warn']);
  assert.equal(
    logger.lines[0].message,
    'connguard retry: service=api target=mysql://app:***@db:3306/main code=1040 ER_CON_COUNT_ERROR (capacity) ' +
      'attempt 1/5, next in 0.100s: Too many connections',
  );
  assert.match(logger.lines[1].message, / code=network \(transient\) attempt 2\/5, next in 0\.200s: connect ECONNREFUSED/);
  assert.deepEqual(logger.lines[0].fields, { connguard: { event: 'retry', code: 1040, attempt: 1, delay: 0.1, service: 'api' } });
});

test('each attempt is handed its cap: connect_timeout, or what the deadline leaves', async () => {
  const tight = parsePolicy('[default]\ndeadline = "6s"\nconnect_timeout = "5s"\njitter = "none"\ninitial_delay = "1s"\n');
  const clock = fakeClock();
  const { connect, caps } = failing(tooMany(), refused());
  await retryCall(tight, connect, { clock, logger: recordingLogger() });
  // At t = 0, 1 and 3 s (delays 1 s, 2 s): caps 5 s, 5 s, then 3 s.
  assert.deepEqual(caps, [[5, true], [5, true], [3, true]]);
});

test('a fatal code gives up on the first attempt with the driver\'s own error, annotated', async () => {
  const clock = fakeClock();
  const logger = recordingLogger();
  const error = denied();
  const { connect, calls } = failing(error);
  await assert.rejects(retryCall(policy, connect, { clock, logger, target }), (thrown) => thrown === error);
  assert.equal(calls(), 1);
  assert.deepEqual(clock.slept, []);
  const info = giveUpInfo(error);
  assert.deepEqual([info.attempts, info.reason, info.errorClass, info.code, info.elapsed], [1, 'fatal', 'fatal', 1045, 0]);
  assert.match(info.advice, /^1045 ER_ACCESS_DENIED_ERROR: Check the credentials/);
  assert.equal(Object.keys(error).includes('connguard'), false, 'not enumerable: the error serialises as before');
  assert.equal(logger.lines.length, 1);
  assert.equal(logger.lines[0].level, 'error');
  assert.equal(
    logger.lines[0].message,
    'connguard gave up after 1 attempt in 0.000s (reason: fatal; last error 1045 ER_ACCESS_DENIED_ERROR, fatal; ' +
      "service=default target=mysql://app:***@db:3306/main): Access denied for user 'app'@'localhost' (using password: YES)",
  );
  assert.ok(!logger.lines[0].message.includes('s3cret'));
});

test('gives up for attempts and for the deadline', async () => {
  const attempts = failing(tooMany(), tooMany(), tooMany(), tooMany(), tooMany());
  const error = await retryCall(policy, attempts.connect, { clock: fakeClock(), logger: recordingLogger() }).catch((e) => e);
  assert.deepEqual([attempts.calls(), giveUpInfo(error).reason, giveUpInfo(error).attempts], [5, 'attempts', 5]);

  const short = parsePolicy('[default]\ndeadline = "250ms"\njitter = "none"\ninitial_delay = "100ms"\n');
  const deadline = failing(tooMany(), tooMany(), tooMany());
  const clock = fakeClock();
  const late = await retryCall(short, deadline.connect, { clock, logger: recordingLogger() }).catch((e) => e);
  // 0.1 s, then t = 0.1 + 0.2 >= 0.25: no third attempt
  assert.deepEqual([deadline.calls(), giveUpInfo(late).reason, clock.slept], [2, 'deadline', [0.1]]);
});

test('errors that are not connection failures propagate at once, untouched and unlogged', async () => {
  const logger = recordingLogger();
  const bug = new TypeError('options.host.trim is not a function');
  const { connect, calls } = failing(bug);
  await assert.rejects(retryCall(policy, connect, { clock: fakeClock(), logger }), (thrown) => thrown === bug);
  assert.deepEqual([calls(), logger.lines.length, giveUpInfo(bug)], [1, 0, undefined]);
});

test('retry_on and never_retry of the policy apply', async () => {
  const custom = parsePolicy('[default]\nretry_on = [1205]\nnever_retry = [1040]\n');
  const deadlock = failing(serverError(1205, 'ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout'));
  assert.equal(await retryCall(custom, deadlock.connect, { clock: fakeClock(), logger: recordingLogger() }), 'connection');
  const full = failing(tooMany());
  const error = await retryCall(custom, full.connect, { clock: fakeClock(), logger: recordingLogger() }).catch((e) => e);
  assert.deepEqual([full.calls(), giveUpInfo(error).reason], [1, 'fatal']);
});
