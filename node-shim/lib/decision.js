'use strict';
// Whether to retry after a failed attempt, and after how long (docs/spec.md 4).

const { randomBytes } = require('node:crypto');
const { classify } = require('./classification');
const { Schedule } = require('./schedule');
const { SplitMix64 } = require('./splitmix64');

/** The state of one call: attempt count, generator and previous delay. Calls never share one. */
class Decision {
  constructor(policy, seed) {
    this.policy = policy;
    this.schedule = new Schedule(policy, seed);
    this.attempts = 0;
    this.ended = false;
  }

  /**
   * After failed attempt k (counted here), `elapsed` seconds after the first
   * attempt started; code null is a network error. `delay` is the sleep when
   * retrying, the delay that would have crossed the deadline when giving up for
   * it, else 0; `reason` is set when giving up.
   */
  afterFailure(code, elapsed) {
    this.checkOpen();
    const attempt = ++this.attempts;
    const errorClass = classify(code, this.policy);
    const giveUp = (reason, delay) => {
      this.ended = true;
      return { retry: false, delay, reason, errorClass, attempt };
    };
    // Steps 1-5; u is drawn only once steps 1 and 2 let the call go on.
    if (errorClass === 'fatal') return giveUp('fatal', 0);
    if (attempt >= this.policy.maxAttempts) return giveUp('attempts', 0);
    const delay = this.schedule.next();
    if (elapsed + delay >= this.policy.deadline) return giveUp('deadline', delay);
    return { retry: true, delay, reason: null, errorClass, attempt };
  }

  /** Ends the call; the attempts made, the successful one included. */
  afterSuccess() {
    this.checkOpen();
    this.ended = true;
    return ++this.attempts;
  }

  checkOpen() {
    if (this.ended) throw new Error('connguard Decision: the call has already ended');
  }
}

// Process-wide seed source from the OS's entropy; each call draws its own seed.
const seeds = new SplitMix64(randomBytes(8).readBigUInt64LE());

/** A seed from the process-wide source, for a call or a limiter. */
function newSeed() {
  return seeds.next();
}

module.exports = { Decision, newSeed };
