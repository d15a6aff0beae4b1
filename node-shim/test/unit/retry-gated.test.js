'use strict';
// retryCall with a target: through the process's gate for that server, with
// fake connect functions and connections; each test has a server of its own
// (a gate per target, for the whole process).

const assert = require('node:assert/strict');
const net = require('node:net');
const { test } = require('node:test');
const { setImmediate: tick } = require('node:timers/promises');
const mysql = require('mysql2');
const { PromiseConnection } = require('mysql2/promise');
const { parsePolicy, retryCall } = require('../..');
const { targetKey } = require('../../lib/drivers/mysql2');
const { gateFor } = require('../../lib/gate');
const { recordingLogger, tooMany } = require('./fakes');

const policy = parsePolicy('[default]\ninitial_delay = "10ms"\njitter = "none"\n\n[default.limiter]\ninitial_limit = 1\nmax_limit = 1\n');

// The limiter of the process's gate for mysql2 options `options`.
const limiterOf = (options) => gateFor(targetKey(options), policy).limiter;
const state = (limiter) => ({ holding: limiter.holding, inUse: limiter.inUse, queued: limiter.queue.length });

// A connection of some other driver, which tells its close to whoever listens.
function otherConnection() {
  const listeners = [];
  return { on: (_event, listener) => listeners.push(listener), close: () => listeners.forEach((l) => l()) };
}
const onClose = (connection, release) => connection.on('close', release);

test('with a target, a call waits at the gate for its server: a close hands the slot on', async () => {
  const target = { host: 'gated-1.test', user: 'app', password: 's3cret' };
  const limiter = limiterOf(target);
  const first = await retryCall(policy, async () => otherConnection(), { target, onClose });
  const second = retryCall(policy, async () => otherConnection(), { target, onClose });
  await tick();
  assert.deepEqual(state(limiter), { holding: 1, inUse: 1, queued: 1 }, 'max_limit 1: the second waits');
  first.close();
  (await second).close();
  assert.deepEqual(state(limiter), { holding: 0, inUse: 0, queued: 0 });
});

test('a URL target shares the gate of the same server given as options, and is masked in log lines', async () => {
  const limiter = limiterOf({ host: 'gated-2.test', port: 3310 });
  const logger = recordingLogger();
  const failures = [tooMany()];
  const connect = async () => {
    if (failures.length) throw failures.shift();
    return otherConnection();
  };
  const connection = await retryCall(policy, connect, { target: 'mysql://app:s3cret@GATED-2.test:3310/main', onClose, logger });
  assert.deepEqual(state(limiter), { holding: 1, inUse: 1, queued: 0 });
  assert.match(logger.lines[0].message, /^connguard retry: service=default target=mysql:\/\/app:\*\*\*@GATED-2\.test:3310\/main code=1040 .* queued for a free slot/);
  connection.close();
  assert.equal(limiter.holding, 0);
});

test('a mysql2 connection releases its slot when its socket closes, with no onClose given', async () => {
  const target = { host: 'gated-3.test' };
  const limiter = limiterOf(target);
  const core = mysql.createConnection({ stream: new net.Socket() });
  core.on('error', () => {});
  await retryCall(policy, async () => new PromiseConnection(core), { target });
  assert.equal(limiter.holding, 1);
  core.stream.destroy();
  await new Promise((resolve) => core.stream.once('close', resolve));
  assert.equal(limiter.holding, 0);
});

test('a connection connguard cannot watch gives its slot back at once; a failing onClose too, and rejects', async () => {
  const target = { host: 'gated-4.test' };
  const limiter = limiterOf(target);
  const connection = otherConnection();
  assert.equal(await retryCall(policy, async () => connection, { target }), connection);
  assert.deepEqual(state(limiter), { holding: 0, inUse: 0, queued: 0 });
  const broken = new Error('onClose failed');
  const failing = () => {
    throw broken;
  };
  await assert.rejects(retryCall(policy, async () => otherConnection(), { target, onClose: failing }), (e) => e === broken);
  assert.deepEqual(state(limiter), { holding: 0, inUse: 0, queued: 0 });
});

test('without a target, or with the limiter disabled, a call goes through no gate', { timeout: 5000 }, async () => {
  const disabled = parsePolicy('[default.limiter]\nenabled = false\n');
  // At max_limit 1 a gate would hold the second call until the first closes: none does.
  for (const [own, options] of [[policy, {}], [disabled, { target: { host: 'gated-5.test' } }]]) {
    const both = await Promise.all([1, 2].map(() => retryCall(own, async () => otherConnection(), { ...options, onClose })));
    assert.equal(both.length, 2);
  }
});

test('a target that is neither options nor a URL with a host is refused, showing no password', async () => {
  for (const target of ['db-primary', 'db:3306', 'mysql://app:s3cret@db host/main']) {
    const error = await retryCall(policy, async () => otherConnection(), { target }).catch((e) => e);
    assert.ok(error instanceof TypeError, String(error));
    assert.match(error.message, /^connguard retryCall: target must be mysql2 connection options or a URL/);
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes('s3cret'));
  }
});
