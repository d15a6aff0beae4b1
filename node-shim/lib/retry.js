'use strict';
// Retrying a connect per a policy. Only connection establishment goes through
// here: connguard never retries a statement whose outcome is unknown.

const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { classify, errorCode, isNetworkError } = require('./classification');
const { newDecision } = require('./decision');
const { QueueTimeoutError, newWaiter } = require('./gate');
const { consoleLogger, logRetry, reportGiveUp } = require('./report');

/** Seconds on a monotonic clock, and a sleep of seconds: swapped for a fake in unit tests. */
const realClock = Object.freeze({
  now: () => performance.now() / 1000,
  sleep: (seconds, signal) => sleep(seconds * 1000, undefined, { signal }),
});

/** The failure path of one call; its decision is made at the first failure. */
class Call {
  constructor({ policy, service, target, logger = consoleLogger, clock = realClock, decision }) {
    this.policy = policy;
    this.service = service;
    this.target = target;
    this.logger = logger;
    this.clock = clock;
    this.decision = decision;
    this.start = clock.now();
    this.last = null; // the driver's last connection error
  }

  /** Seconds left before the deadline. */
  remaining() {
    return this.policy.deadline - (this.clock.now() - this.start);
  }

  /**
   * The verdict on a failed attempt, logged (a give-up annotates `error`), or
   * null: not a connection failure, not ours. `queue`: a capacity refusal
   * waits in the limiter's queue rather than sleeping.
   */
  failed(error, { queue = false } = {}) {
    const code = errorCode(error);
    if (code === null && !isNetworkError(error)) return null;
    this.last = error;
    this.decision ??= newDecision(this.policy);
    const elapsed = this.clock.now() - this.start;
    const verdict = this.decision.afterFailure(code, elapsed);
    const context = { service: this.service, target: this.target, code, error };
    if (verdict.retry) {
      const queued = queue && verdict.errorClass === 'capacity';
      logRetry(this.logger, { ...context, verdict, maxAttempts: this.policy.maxAttempts, queued });
    } else {
      const info = { attempts: verdict.attempt, elapsed, reason: verdict.reason, errorClass: verdict.errorClass };
      reportGiveUp(this.logger, { ...context, info });
    }
    return verdict;
  }

  /** What to reject with when the deadline passed in the limiter's queue. */
  waitedOut(limiter) {
    const elapsed = this.clock.now() - this.start;
    if (this.last === null) {
      const { limit, holding } = limiter;
      return new QueueTimeoutError({ target: this.target ?? '-', waited: elapsed, limit, holding });
    }
    const code = errorCode(this.last);
    const info = { attempts: this.decision.attempts, elapsed, reason: 'deadline', errorClass: classify(code, this.policy) };
    reportGiveUp(this.logger, { service: this.service, target: this.target, code, info, error: this.last });
    return this.last;
  }
}

/**
 * `await connect()`, retried per `policy` while it fails to connect. On give-up
 * the driver's own last error is thrown, with `error.connguard` telling
 * attempts, elapsed time and reason. `signal` aborts the sleeps between attempts.
 */
async function retryCall(policy, connect, options = {}) {
  const { service = policy.service, target, logger, clock, signal } = options;
  const call = new Call({ policy, service, target, logger, clock });
  signal?.throwIfAborted();
  for (;;) {
    try {
      return await connect();
    } catch (error) {
      const verdict = call.failed(error);
      if (verdict === null || !verdict.retry) throw error;
      await call.clock.sleep(verdict.delay, signal);
    }
  }
}

/**
 * retryCall through the target's gate: an attempt only on the limiter's turn,
 * and a caller refused for capacity waits in its queue instead of sleeping.
 * `onClose(connection, release)` makes the connection call release() once when
 * it closes. `signal` aborts the wait and sleeps, not an attempt under way.
 */
async function gatedCall(policy, connect, { gate, onClose, service = policy.service, target, logger, clock, signal }) {
  const call = new Call({ policy, service, target, logger, clock });
  const waiter = newWaiter();
  let event = 'acquire';
  for (;;) {
    if (!(await gate.turn(event, waiter, call.remaining(), signal))) throw call.waitedOut(gate.limiter);
    let connection;
    try {
      connection = await connect();
    } catch (error) {
      const verdict = call.failed(error, { queue: true });
      if (verdict === null || !verdict.retry) {
        // A capacity refusal teaches the limit even when it ends the call (spec 6).
        if (verdict !== null && verdict.errorClass === 'capacity') gate.rejected(waiter, () => {});
        gate.left(waiter);
        throw error;
      }
      if (verdict.errorClass === 'capacity') {
        event = 'rejected'; // back to the head of the queue: no blind sleep
      } else {
        gate.left(waiter);
        await call.clock.sleep(verdict.delay, signal);
        event = 'acquire';
      }
      continue;
    }
    gate.connected(waiter, (release) => onClose(connection, release));
    return connection;
  }
}

module.exports = { Call, gatedCall, realClock, retryCall };
