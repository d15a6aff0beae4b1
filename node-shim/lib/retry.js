'use strict';
// Retrying a connect per a policy. Only connection establishment goes through
// here: connguard never retries a statement whose outcome is unknown.

const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { errorCode, isNetworkError } = require('./classification');
const { newDecision } = require('./decision');
const { consoleLogger, logRetry, reportGiveUp } = require('./report');

/** Seconds on a monotonic clock, and a sleep of seconds: swapped for a fake in unit tests. */
const realClock = Object.freeze({
  now: () => performance.now() / 1000,
  sleep: (seconds) => sleep(seconds * 1000),
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
  }

  /** Seconds to wait before the next attempt, or null: reject with `error` (annotated if ours). */
  failed(error) {
    const code = errorCode(error);
    if (code === null && !isNetworkError(error)) return null; // not a connection failure: not ours
    this.decision ??= newDecision(this.policy);
    const elapsed = this.clock.now() - this.start;
    const verdict = this.decision.afterFailure(code, elapsed);
    const context = { service: this.service, target: this.target, code, error };
    if (verdict.retry) {
      logRetry(this.logger, { ...context, verdict, maxAttempts: this.policy.maxAttempts });
      return verdict.delay;
    }
    const info = { attempts: verdict.attempt, elapsed, reason: verdict.reason, errorClass: verdict.errorClass };
    reportGiveUp(this.logger, { ...context, info });
    return null;
  }
}

/**
 * `await connect()`, retried per `policy` while it fails to connect. On give-up
 * the driver's own last error is thrown, with `error.connguard` telling
 * attempts, elapsed time and reason.
 */
async function retryCall(policy, connect, options = {}) {
  const { service = policy.service, target, logger, clock } = options;
  const call = new Call({ policy, service, target, logger, clock });
  for (;;) {
    try {
      return await connect();
    } catch (error) {
      const delay = call.failed(error);
      if (delay === null) throw error;
      await call.clock.sleep(delay);
    }
  }
}

module.exports = { Call, realClock, retryCall };
