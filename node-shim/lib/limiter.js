'use strict';
// Load control per process and target server (docs/spec.md section 6): who may
// attempt a connection now, and when to probe a server that is full. The C++
// engine's Limiter (native/src/limiter.cpp), event for event.

const { Schedule } = require('./schedule');
const { SplitMix64 } = require('./splitmix64');

// 2^17 - 1 is above every max_limit: the streak's growth reaches any cap.
const STREAK_CAP = 17;
// A probe's delay is the schedule's times min(8, 1 + holding).
const PROBE_SCALE_CAP = 8;

/**
 * A state machine with no clock and no timers: an adapter reports events and
 * carries out what each answers, `{ granted, probeIn }`: the waiters that may
 * attempt a connection now (in order), and the seconds after which to call
 * probe(), or null. Waiters are any values comparable with ===.
 */
class Limiter {
  /** `policy.limiter` gives the limits; probes are paced by the policy's backoff schedule, seeded by `seed`. */
  constructor(policy, seed) {
    this.policy = policy;
    this.seeds = new SplitMix64(seed);
    this.probes = new Schedule(policy, this.seeds.next());
    this.limit = policy.limiter.initialLimit;
    this.maxLimit = policy.limiter.maxLimit;
    this.holding = 0;
    this.inFlight = new Set();
    this.queue = [];
    this.probing = undefined;
    this.timerArmed = false;
    this.slowStart = true;
    this.streak = 0; // probes that succeeded since the last rejection
  }

  get inUse() {
    return this.holding + this.inFlight.size;
  }

  /** `waiter` joins the queue's tail. */
  acquire(waiter) {
    if (this.inFlight.has(waiter) || this.queue.includes(waiter)) {
      throw new Error('connguard Limiter: waiter already waiting or attempting');
    }
    this.queue.push(waiter);
    return this.settle([]);
  }

  /** Its attempt succeeded: it holds a connection. */
  connected(waiter) {
    this.endAttempt(waiter, 'connected');
    this.holding += 1;
    // Never below what the server holds of ours: attempts granted before a
    // rejection that succeed after it win their slots back.
    this.limit = Math.min(this.maxLimit, Math.max(this.limit, this.holding));
    if (this.probing === waiter) {
      // The server had room again: grow by 1, 3, 7, ... beyond what is in use
      // per probe that succeeds in a row, paced by the probe timer (not by
      // slow start, which overshoots the room found), and start the next probe
      // again from the shortest delay.
      this.probing = undefined;
      this.streak = Math.min(this.streak + 1, STREAK_CAP);
      this.limit = Math.min(this.maxLimit, Math.max(this.limit, this.inUse + 2 ** this.streak - 1));
      this.probes = new Schedule(this.policy, this.seeds.next());
    } else if (this.slowStart) {
      this.limit = Math.min(this.maxLimit, this.limit + 1); // one more per success: doubles per round
    }
    return this.settle([]);
  }

  /** Refused for capacity: back to the queue's head, keeping its turn. */
  rejected(waiter) {
    this.endAttempt(waiter, 'rejected');
    if (this.probing === waiter) this.probing = undefined;
    this.limit = this.inUse; // what the server holds of ours, and the attempts it may still accept
    this.slowStart = false;
    this.streak = 0;
    this.queue.unshift(waiter);
    return this.settle([]);
  }

  /** Failed otherwise, or gave up (deadline, attempts, cancellation): frees its place or slot. */
  left(waiter) {
    if (!this.inFlight.delete(waiter)) {
      const at = this.queue.indexOf(waiter);
      if (at >= 0) this.queue.splice(at, 1);
    }
    if (this.probing === waiter) this.probing = undefined;
    return this.settle([]);
  }

  /** One of the process's connections to the target closed. */
  released() {
    if (this.holding === 0) throw new Error('connguard Limiter: released() with no connection held');
    this.holding -= 1;
    return this.settle([]);
  }

  /** The probe timer fired: the queue's head may attempt, even over the limit, never over maxLimit. */
  probe() {
    this.timerArmed = false;
    const granted = [];
    if (this.queue.length > 0 && this.probing === undefined && this.inUse < this.maxLimit) {
      this.probing = this.queue.shift();
      this.grant(this.probing, granted);
    }
    return this.settle(granted);
  }

  endAttempt(waiter, event) {
    if (!this.inFlight.delete(waiter)) throw new Error(`connguard Limiter: ${event}() without a grant`);
  }

  grant(waiter, granted) {
    this.inFlight.add(waiter);
    granted.push(waiter);
  }

  settle(granted) {
    while (this.queue.length > 0 && this.inUse < this.limit) this.grant(this.queue.shift(), granted);
    let probeIn = null;
    // Waiters nobody can let in: one probe at a time, paced by the backoff
    // schedule, keeps looking for capacity that others free. At maxLimit no
    // probe could go: the event that frees room arms it.
    const capped = this.inUse >= this.maxLimit;
    if (this.queue.length > 0 && this.probing === undefined && !this.timerArmed && !capped) {
      this.timerArmed = true;
      // Scaled by what the process holds: one holding many has little to gain
      // from a probe, one holding none looks for freed capacity soonest.
      probeIn = this.probes.next() * Math.min(PROBE_SCALE_CAP, 1 + this.holding);
    }
    return { granted, probeIn };
  }
}

module.exports = { Limiter };
