'use strict';
// Delay before each retry (docs/spec.md 3.2).

const { SplitMix64 } = require('./splitmix64');

/** min(max_delay, initial_delay * multiplier^(n-1)) for retry n >= 1. */
function baseDelay(policy, n) {
  return Math.min(policy.maxDelay, policy.initialDelay * policy.multiplier ** (n - 1));
}

/** The delays of one call's retries. */
class Schedule {
  constructor(policy, seed) {
    this.policy = policy;
    this.rng = new SplitMix64(seed);
    this.previous = policy.initialDelay; // d_(n-1) for decorrelated; d_0 = initial_delay
    this.retries = 0;
  }

  /** Delay of the next retry; draws exactly one u whatever the jitter, so streams stay aligned. */
  next() {
    this.retries += 1;
    const { initialDelay, maxDelay, jitter } = this.policy;
    const u = this.rng.nextUnit();
    const b = baseDelay(this.policy, this.retries);
    let d = b;
    if (jitter === 'full') d = u * b;
    else if (jitter === 'equal') d = b / 2 + (u * b) / 2;
    else if (jitter === 'decorrelated') d = Math.min(maxDelay, initialDelay + u * (3 * this.previous - initialDelay));
    this.previous = d;
    return d;
  }
}

module.exports = { Schedule, baseDelay };
