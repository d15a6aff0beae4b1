'use strict';
// One call to connect, event by event (docs/spec.md 7): a state machine with
// no clock, no timers and no I/O. A runner (lib/runner.js) feeds it events
// with `t`, the seconds since the call started, and performs the actions each
// answers, in order. Every retry, queue and give-up decision is made here.

const { Decision } = require('./decision');

/** An event the call cannot take in its phase: a runner's programming error. The call is unchanged. */
class CallError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CallError';
  }
}

/**
 * Actions are plain objects named by `do`, with the fields of spec 7 (and of
 * tests/vectors/call.json): join, connected, rejected, left; wait {until};
 * attempt {timeout}; sleep {delay}; retry {attempt, max_attempts, code,
 * class, delay, elapsed}; give_up {reason, attempts, elapsed, code, class,
 * attempted}; done {attempts, elapsed}.
 */
class Call {
  /** `gated`: the call goes through a gate's ticket (the limiter is on and the target known). */
  constructor(policy, seed, gated) {
    this.policy = policy;
    this.decision = new Decision(policy, seed);
    this.gated = gated;
    this.phase = 'idle'; // waiting (at the gate), attempting, sleeping, done
    this.last = null; // {code, class} of the last failed attempt
  }

  start() {
    this.expect('start', 'idle');
    if (this.gated) return [{ do: 'join' }, this.queue()];
    return this.attempt(0);
  }

  /** The gate gave the ticket its turn. */
  granted(t) {
    this.expect('granted', 'waiting');
    return this.attempt(t);
  }

  succeeded(t) {
    this.expect('succeeded', 'attempting');
    this.phase = 'done';
    const attempts = this.decision.afterSuccess();
    return [...(this.gated ? [{ do: 'connected' }] : []), { do: 'done', attempts, elapsed: t }];
  }

  /** `code`: the server's error number, or null for a network error. */
  failed(t, code) {
    this.expect('failed', 'attempting');
    const verdict = this.decision.afterFailure(code, t);
    this.last = { code, class: verdict.errorClass };
    const queued = this.gated && verdict.errorClass === 'capacity';
    const actions = [];
    // The limiter hears of every refusal before anything else, a give-up included.
    if (this.gated) actions.push({ do: queued ? 'rejected' : 'left' });
    if (!verdict.retry) {
      if (queued) actions.push({ do: 'left' });
      return [...actions, this.giveUp(verdict.reason, t)];
    }
    actions.push({
      do: 'retry',
      attempt: verdict.attempt,
      max_attempts: this.policy.maxAttempts,
      code,
      class: verdict.errorClass,
      // Queued: the caller waits for a freed slot instead of sleeping the delay it drew.
      delay: queued ? null : verdict.delay,
      elapsed: t,
    });
    if (queued) return [...actions, this.queue()];
    this.phase = 'sleeping';
    return [...actions, { do: 'sleep', delay: verdict.delay }];
  }

  woke(t) {
    this.expect('woke', 'sleeping');
    if (t >= this.policy.deadline) return [this.giveUp('deadline', t)]; // overslept: out of the gate, nothing to leave
    if (this.gated) return [{ do: 'join' }, this.queue()]; // back at the queue's tail
    return this.attempt(t);
  }

  /** The deadline passed at the gate. */
  expired(t) {
    this.expect('expired', 'waiting');
    return this.expire(t);
  }

  /** Cancelled, or the attempt raised something that is not a connection failure: no record. */
  abandoned(t) {
    this.expect('abandoned', 'waiting', 'attempting', 'sleeping');
    const inGate = this.gated && this.phase !== 'sleeping';
    this.phase = 'done';
    return inGate ? [{ do: 'left' }] : [];
  }

  expect(event, ...phases) {
    if (!phases.includes(this.phase)) throw new CallError(`connguard Call: ${event} while ${this.phase}`);
  }

  attempt(t) {
    const left = this.policy.deadline - t;
    if (left <= 0) return this.expire(t); // granted as the deadline passed: nothing left to try with
    this.phase = 'attempting';
    return [{ do: 'attempt', timeout: Math.min(this.policy.connectTimeout, left) }];
  }

  queue() {
    this.phase = 'waiting';
    return { do: 'wait', until: this.policy.deadline };
  }

  expire(t) {
    return [{ do: 'left' }, this.giveUp('deadline', t)];
  }

  giveUp(reason, t) {
    this.phase = 'done';
    return {
      do: 'give_up',
      reason,
      attempts: this.decision.attempts,
      elapsed: t,
      code: this.last?.code ?? null,
      class: this.last?.class ?? null,
      attempted: this.last !== null,
    };
  }
}

module.exports = { Call, CallError };
