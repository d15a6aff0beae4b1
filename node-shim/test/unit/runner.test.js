'use strict';
// The promise runner over a Gate, its Tickets and Slots, with fake connect
// functions and connections; the real driver and server are in
// test/integration, a server that never answers in test/unit/deadline.test.js.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { setImmediate: tick } = require('node:timers/promises');
const { QueueTimeoutError, giveUpInfo, parsePolicy } = require('../..');
const mysql2 = require('../../lib/drivers/mysql2');
const { Gate } = require('../../lib/gate');
const { Reporter } = require('../../lib/report');
const { realClock, run } = require('../../lib/runner');
const { recordingLogger, refused, serverError, tooMany } = require('./fakes');

// A connection whose close() reports the release its slot asked for.
function connection(name) {
  return {
    name,
    release: null,
    close() {
      this.release();
    },
  };
}
// mysql2's reading of errors, with the fake connections' close hook.
const driver = {
  ...mysql2,
  onClose: (conn, release) => {
    conn.release = release;
  },
};

// Connect functions answered by script: each attempt takes the next outcome (an error throws).
function server(...outcomes) {
  const attempts = [];
  const connect = async () => {
    const outcome = outcomes.shift() ?? 'ok';
    attempts.push(outcome instanceof Error ? outcome.code : 'ok');
    if (outcome instanceof Error) throw outcome;
    return connection(attempts.length);
  };
  return { connect, attempts };
}

// The real clock, with its sleeps recorded.
function clock() {
  const slept = [];
  return { slept, now: realClock.now, sleep: (seconds, signal) => (slept.push(seconds), realClock.sleep(seconds, signal)) };
}

// Probes far off (the timer is unref'd and never fires in these tests) unless a test wants them.
const POLICY = '[default]\njitter = "none"\ninitial_delay = "5s"\nmax_delay = "5s"\ndeadline = "20s"\n';

function setup(text = POLICY, limiter = 'initial_limit = 1\nmax_limit = 1') {
  const policy = parsePolicy(`${text}[default.limiter]\n${limiter}\n`);
  const gate = new Gate(policy, 1n);
  const logger = recordingLogger();
  const time = clock();
  const reporter = new Reporter({ logger, service: 'api', target: 'mysql://app@db:3306/main' });
  const call = (attempt, { own = policy, signal } = {}) =>
    run({ policy: own, attempt, driver, ticket: gate.ticket(), reporter, signal, clock: time });
  const state = () => ({ limit: gate.limiter.limit, holding: gate.limiter.holding, inUse: gate.limiter.inUse, queued: gate.limiter.queue.length });
  return { gate, call, state, logger, time };
}

test('a close hands the slot to the next waiter at once, without a timer', async () => {
  const { call, state } = setup();
  const db = server();
  const first = await call(db.connect);
  const second = call(db.connect);
  await tick();
  assert.deepEqual([db.attempts.length, state()], [1, { limit: 1, holding: 1, inUse: 1, queued: 1 }]);
  first.close();
  assert.deepEqual(state(), { limit: 1, holding: 0, inUse: 1, queued: 0 }, 'granted within close()');
  assert.equal((await second).name, 2);
  second.then((c) => c.close());
  await tick();
  assert.deepEqual(state(), { limit: 1, holding: 0, inUse: 0, queued: 0 });
});

test('a capacity refusal waits at the head of the queue instead of sleeping', async () => {
  const { call, state, logger, time } = setup(POLICY, 'initial_limit = 2');
  const db = server('ok', tooMany());
  const first = await call(db.connect);
  const refusedOnce = call(db.connect);
  await tick();
  const later = call(db.connect);
  await tick();
  // The limit fell to what the server holds of ours; the refused caller keeps its turn.
  assert.deepEqual(state(), { limit: 1, holding: 1, inUse: 1, queued: 2 });
  first.close();
  assert.equal((await refusedOnce).name, 3, 'the refused caller went first');
  assert.deepEqual(time.slept, []);
  assert.equal(logger.lines[0].message, 'connguard retry: service=api target=mysql://app@db:3306/main ' +
    'code=1040 ER_CON_COUNT_ERROR (capacity) attempt 1/10, queued for a free slot: Too many connections');
  assert.deepEqual(logger.lines[0].fields, { connguard: { event: 'retry', code: 1040, attempt: 1, delay: null, service: 'api' } });
  (await refusedOnce).close();
  assert.equal((await later).name, 4);
});

test('a full server is probed on the backoff schedule, one attempt at a time', async () => {
  const { call, state } = setup('[default]\njitter = "none"\ninitial_delay = "5ms"\n');
  const db = server(tooMany(), tooMany());
  const conn = await call(db.connect); // refused, probed after 5 ms, refused, probed after 10 ms
  assert.deepEqual(db.attempts, ['ER_CON_COUNT_ERROR', 'ER_CON_COUNT_ERROR', 'ok']);
  assert.deepEqual(state(), { limit: 1, holding: 1, inUse: 1, queued: 0 }, 'the probe that got in raised the limit');
  conn.close();
});

test('a transient failure leaves the queue, sleeps its delay and joins again at the tail', async () => {
  const { call, state, time } = setup('[default]\njitter = "none"\ninitial_delay = "20ms"\n');
  const db = server(refused());
  const failing = call(db.connect);
  await tick();
  assert.deepEqual(state(), { limit: 1, holding: 0, inUse: 0, queued: 0 }, 'its slot is free while it sleeps');
  const conn = await failing;
  assert.deepEqual([time.slept, db.attempts], [[0.02], ['ECONNREFUSED', 'ok']]);
  conn.close();
});

test('a fatal error or the last attempt frees the slot and rejects with the driver error', async () => {
  const { call, state } = setup('[default]\nmax_attempts = 1\n');
  const denied = serverError(1045, 'ER_ACCESS_DENIED_ERROR', 'Access denied');
  const db = server(denied, tooMany());
  await assert.rejects(call(db.connect), (error) => error === denied && giveUpInfo(error).reason === 'fatal');
  const error = await call(db.connect).catch((e) => e);
  assert.deepEqual([error.errno, giveUpInfo(error).reason], [1040, 'attempts']);
  // The refusal that ended the call still teaches the limit: the server held none of ours.
  assert.deepEqual(state(), { limit: 0, holding: 0, inUse: 0, queued: 0 }, 'a caller that gives up leaves, and the limit learns');
});

test('an error that is not a connection failure leaves the queue and propagates', async () => {
  const { call, state, logger } = setup();
  const bug = new TypeError('boom');
  await assert.rejects(call(async () => { throw bug; }), (error) => error === bug);
  assert.deepEqual([state().inUse, logger.lines.length], [0, 0]);
});

test('cancelled while queued, or while refused at the head, a waiter leaves and no slot leaks', async () => {
  const { call, state } = setup(POLICY, 'initial_limit = 2');
  const db = server('ok', tooMany());
  const held = await call(db.connect);
  const queued = new AbortController();
  const refusedWaiter = call(db.connect, { signal: queued.signal }); // refused, then at the head
  await tick();
  const behind = new AbortController();
  const other = call(db.connect, { signal: behind.signal });
  await tick();
  assert.deepEqual(state(), { limit: 1, holding: 1, inUse: 1, queued: 2 });
  behind.abort();
  await assert.rejects(other, { name: 'AbortError' });
  queued.abort(new Error('request cancelled'));
  await assert.rejects(refusedWaiter, /request cancelled/);
  assert.deepEqual(state(), { limit: 1, holding: 1, inUse: 1, queued: 0 });
  const already = AbortSignal.abort();
  await assert.rejects(call(db.connect, { signal: already }), { name: 'AbortError' });
  held.close();
  assert.deepEqual(state(), { limit: 1, holding: 0, inUse: 0, queued: 0 });
});

test('cancelled while sleeping after a transient failure, it has already left', async () => {
  const { call, state } = setup('[default]\ninitial_delay = "5s"\nmax_delay = "5s"\njitter = "none"\n');
  const controller = new AbortController();
  const db = server(refused());
  const sleeping = call(db.connect, { signal: controller.signal });
  await tick();
  controller.abort();
  await assert.rejects(sleeping, { name: 'AbortError' });
  assert.deepEqual(state(), { limit: 1, holding: 0, inUse: 0, queued: 0 });
});

test('the deadline in the queue: QueueTimeoutError with no attempt made, else the driver\'s last error', async () => {
  // The gate's probes are 5 s apart (its policy came first); these callers give up after 200 ms.
  const { call, state, logger } = setup(POLICY, 'initial_limit = 2');
  const own = parsePolicy('[default]\ndeadline = "200ms"\ninitial_delay = "10ms"\njitter = "none"\n');
  const db = server('ok', tooMany());
  const held = await call(db.connect);
  const refusedFirst = call(db.connect, { own }).catch((e) => e);
  await tick();
  const neverTried = await call(db.connect, { own }).catch((e) => e);
  assert.ok(neverTried instanceof QueueTimeoutError, String(neverTried));
  assert.equal(neverTried.code, 'CONNGUARD_QUEUE_TIMEOUT');
  assert.match(neverTried.message, /this process holds 1 connection\(s\) there and may open 1;/);
  // Both callers give up within the same millisecond or so, in either order.
  const gaveUp = logger.lines.filter((l) => l.level === 'error').map((l) => l.message).sort();
  assert.equal(gaveUp.length, 2);
  // libuv runs timers on a millisecond clock cached per loop turn: the deadline's may fire
  // up to a millisecond before performance.now() reaches it (0.199 s seen in CI).
  assert.match(gaveUp[0], new RegExp(
    '^connguard gave up after 0 attempts in 0\\.(?:19\\d|2\\d\\d)s \\(reason: deadline; no attempt, waited in the ' +
    "limiter's queue; service=api target=mysql://app@db:3306/main\\): connguard waited 0\\.2\\ds"));
  const last = await refusedFirst;
  assert.equal(last.errno, 1040);
  assert.deepEqual([giveUpInfo(last).reason, giveUpInfo(last).attempts, giveUpInfo(last).errorClass], ['deadline', 1, 'capacity']);
  assert.match(gaveUp[1], /^connguard gave up after 1 attempt in 0\.(?:19\d|2\d\d)s \(reason: deadline; last error 1040/);
  assert.deepEqual(db.attempts, ['ok', 'ER_CON_COUNT_ERROR']);
  assert.deepEqual(state(), { limit: 1, holding: 1, inUse: 1, queued: 0 });
  held.close();
  assert.equal(state().holding, 0);
});

test('a connection reporting its close twice releases its slot once', async () => {
  const { call, state } = setup(POLICY, 'initial_limit = 2');
  const db = server();
  const a = await call(db.connect);
  await call(db.connect);
  a.close();
  a.close();
  assert.deepEqual(state().holding, 1);
});

test('an attempt is cut off at its cap, min(connect_timeout, deadline - t), as a network error', async () => {
  const { call, state, logger } = setup('[default]\njitter = "none"\ndeadline = "500ms"\nconnect_timeout = "300ms"\ninitial_delay = "50ms"\n');
  const caps = [];
  // Hangs until its signal aborts, then fails with the reason, as the mysql2 module does.
  const hang = ({ timeout, signal }) => {
    caps.push(timeout);
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  };
  const started = realClock.now();
  const error = await call(hang).catch((e) => e);
  const elapsed = realClock.now() - started;
  assert.deepEqual([error.code, error.syscall, giveUpInfo(error).reason, giveUpInfo(error).code], ['ETIMEDOUT', 'connect', 'deadline', null]);
  // 0.3 s, a 50 ms sleep, then what the deadline leaves: 0.15 s.
  assert.equal(caps.length, 2);
  assert.equal(caps[0], 0.3);
  assert.ok(Math.abs(caps[1] - 0.15) < 0.05, `second cap ${caps[1]}`);
  assert.ok(elapsed >= 0.45 && elapsed < 0.6, `gave up after ${elapsed}s`);
  assert.match(logger.lines[0].message, /code=network \(transient\) attempt 1\/10, next in 0\.050s: connect ETIMEDOUT$/);
  assert.deepEqual(state(), { limit: 1, holding: 0, inUse: 0, queued: 0 });
});

test('a ticket granted before it waits finds its turn; a slot is released once', async () => {
  const gate = new Gate(parsePolicy('[default.limiter]\ninitial_limit = 1\nmax_limit = 1\n'), 1n);
  const ticket = gate.ticket();
  ticket.join();
  assert.equal(await ticket.wait(0, undefined), true, 'granted within join()');
  const slot = ticket.connected();
  const next = gate.ticket();
  next.join();
  assert.equal(await next.wait(0.01, undefined), false, 'no room: the wait runs out, and the ticket stays queued');
  assert.deepEqual(gate.limiter.queue, [next]);
  slot.release();
  slot.release();
  assert.deepEqual([gate.limiter.holding, gate.limiter.inUse, gate.limiter.queue], [0, 1, []]);
  next.left();
  assert.equal(gate.limiter.inUse, 0);
});
