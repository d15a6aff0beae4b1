'use strict';
// The retry loop with a fake clock and fake connect functions; the real driver
// and server are in test/integration.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { classify, errorCode, giveUpInfo, isNetworkError, parsePolicy, retryCall } = require('../..');

// mysql2's shapes: a server error packet, and Node's socket errors.
function serverError(errno, code, message) {
  return Object.assign(new Error(message), { errno, code, sqlState: 'HY000', sqlMessage: message, fatal: true });
}
const tooMany = () => serverError(1040, 'ER_CON_COUNT_ERROR', 'Too many connections');
const denied = () => serverError(1045, 'ER_ACCESS_DENIED_ERROR', "Access denied for user 'app'@'localhost' (using password: YES)");
function refused() {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { errno: -111, code: 'ECONNREFUSED', syscall: 'connect' });
}

function fakeClock() {
  const clock = { t: 100, slept: [], now: () => clock.t };
  clock.sleep = async (seconds) => {
    clock.slept.push(seconds);
    clock.t += seconds;
  };
  return clock;
}

function recordingLogger() {
  const lines = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

function failing(...errors) {
  let calls = 0;
  const connect = async () => {
    calls += 1;
    if (errors.length) throw errors.shift();
    return 'connection';
  };
  return { connect, calls: () => calls };
}

const policy = parsePolicy('[default]\nmax_attempts = 5\ndeadline = "10s"\njitter = "none"\ninitial_delay = "100ms"\n');
const target = 'mysql://app:s3cret@db:3306/main';

test('mysql2 errors: server codes, socket errors as network, unknown host as 2005, TLS as 2026', () => {
  assert.equal(errorCode(tooMany()), 1040);
  assert.equal(errorCode(refused()), null);
  assert.equal(isNetworkError(refused()), true);
  const timeout = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', errorno: 'ETIMEDOUT', syscall: 'connect' });
  assert.equal(isNetworkError(timeout), true);
  assert.equal(isNetworkError(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })), true);
  const unknownHost = Object.assign(new Error('getaddrinfo ENOTFOUND db'), { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo' });
  assert.equal(errorCode(unknownHost), 2005);
  assert.equal(classify(errorCode(unknownHost)), 'fatal');
  const again = Object.assign(new Error('getaddrinfo EAI_AGAIN db'), { errno: -3001, code: 'EAI_AGAIN', syscall: 'getaddrinfo' });
  assert.equal(errorCode(again), 2005);
  const tls = Object.assign(new Error('self-signed certificate'), { code: 'HANDSHAKE_SSL_ERROR', fatal: true });
  assert.equal(errorCode(tls), 2026);
  assert.equal(classify(2026), 'fatal');
  const noTls = Object.assign(new Error('Server does not support secure connection'), { code: 'HANDSHAKE_NO_SSL_SUPPORT', fatal: true });
  assert.equal(errorCode(noTls), 2026);
  assert.equal(errorCode(new TypeError('x')), null);
  assert.equal(isNetworkError(new Error('Pool is closed.')), false);
});

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
