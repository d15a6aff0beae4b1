'use strict';
// Load control's I/O side (docs/spec.md 6.1): one Gate per process and
// target, holding that target's Limiter and firing its probe timer; a Ticket
// per call, which the call's actions (lib/call.js) report through; a Slot per
// connection opened, released once when it closes. Everything runs on the
// event loop, so the limiter needs no lock: a grant happens inside the event
// that frees room, and a close hands its slot to the next waiter at once.
//
// Pools share the gate's queue: a connection idle in one pool holds a slot
// that a caller of another pool (or createConnection) may wait for, and
// nothing would ever close it. So while callers wait that the limiter cannot
// admit, the gate closes idle pooled connections, one per waiter, and their
// slots go to the queue's head.
//
// A gate emits the limiter's events (lib/events.js): `limit` from the report
// that changed the limit, before the caller's next action, and `released`.

const { newSeed } = require('./decision');
const events = require('./events');
const { Limiter } = require('./limiter');
const testing = require('./testing');

class Gate {
  /** `server`: the gate's key, as events name it (host:port, or the socket path). */
  constructor(policy, seed = newSeed(), server = '-') {
    this.server = server;
    this.limiter = new Limiter(policy, seed);
    this.reclaimers = new Set(); // each pool's reclaimIdle()
    this.closing = new Set(); // idle connections closed for waiters, their slots not yet released
  }

  /**
   * A pool (a reclaimer, spec 6.1) holds slots here: `reclaimIdle()` starts closing one of
   * its idle connections and answers it (its slot is released once it has
   * closed), or answers null when none is idle.
   */
  addReclaimer(reclaimIdle) {
    this.reclaimers.add(reclaimIdle);
  }

  removeReclaimer(reclaimIdle) {
    this.reclaimers.delete(reclaimIdle);
  }

  /** Closes idle pooled connections while waiters outnumber the slots already on their way back. */
  reclaim() {
    for (const reclaimIdle of this.reclaimers) {
      while (this.limiter.queue.length > this.closing.size) {
        const connection = reclaimIdle();
        if (connection === null || this.closing.has(connection)) break; // none idle, or one that would not leave
        this.closing.add(connection);
      }
    }
  }

  /** A caller's place at this gate, for one call. */
  ticket() {
    return new Ticket(this);
  }

  /** One limiter event, `event(limiter)`: its `limit` event if the limit changed, then its answer carried out. */
  report(event) {
    const before = this.limiter.limit;
    const answer = event(this.limiter);
    if (this.limiter.limit !== before) events.limit(this.server, this.limiter);
    this.apply(answer);
  }

  // Carries out the limiter's answer to an event: wake the granted, arm the probe.
  apply({ granted, probeIn }) {
    for (const ticket of granted) ticket.grant();
    // Unref'd: an armed probe outlives its waiters when they leave, and must not keep the process up.
    if (probeIn !== null) setTimeout(() => this.report((limiter) => limiter.probe()), testing.sleepFor(probeIn) * 1000).unref();
    this.reclaim();
  }
}

/** One caller's place at a gate; the limiter's waiter is the ticket itself. */
class Ticket {
  constructor(gate) {
    this.gate = gate;
    this.turn = false; // granted, and no report since
    this.wake = null; // what a grant calls while wait() is pending
  }

  /** Joins the queue's tail. */
  join() {
    this.report((limiter) => limiter.acquire(this));
  }

  /** Its attempt was refused for capacity: back to the queue's head. */
  rejected() {
    this.report((limiter) => limiter.rejected(this));
  }

  /** Its attempt failed otherwise, or it gave up: its place or slot is freed. */
  left() {
    this.report((limiter) => limiter.left(this));
  }

  /** Its attempt succeeded: the Slot `connection` holds. */
  connected(connection) {
    this.report((limiter) => limiter.connected(this));
    return new Slot(this.gate, connection);
  }

  /**
   * Resolves true on its turn (perhaps granted already), false once `seconds`
   * pass; rejects with the reason when `signal` aborts first. Either way the
   * ticket stays where it is: the call says whether it leaves.
   */
  wait(seconds, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.turn) return resolve(true);
      let timer;
      const settle = (finish) => {
        this.wake = null;
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        finish();
      };
      const aborted = () => settle(() => reject(signal.reason));
      this.wake = () => settle(() => resolve(true));
      // Rounded up: Node truncates a delay to whole ms, and the call expects its deadline passed.
      timer = setTimeout(() => settle(() => resolve(false)), Math.ceil(Math.max(0, seconds) * 1000));
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** By the gate: the limiter granted this ticket an attempt. */
  grant() {
    this.turn = true;
    this.wake?.();
  }

  report(event) {
    this.turn = false;
    this.gate.report(event);
  }
}

/** A connection's place at the gate, released exactly once, when the connection closes. */
class Slot {
  constructor(gate, connection) {
    this.gate = gate;
    this.connection = connection;
    this.held = true;
  }

  release() {
    if (!this.held) return;
    this.held = false;
    this.gate.closing.delete(this.connection); // before the grant, which may reclaim again
    this.gate.report((limiter) => limiter.released());
    events.released(this.gate.server);
  }
}

const gates = new Map();

/** The process's gate for a target key (the driver's normalized target); the first policy to ask sets its limits. */
function gateFor(key, policy) {
  let gate = gates.get(key);
  if (gate === undefined) {
    gate = new Gate(policy, newSeed(), key);
    gates.set(key, gate);
  }
  return gate;
}

/** The process's gates, for the gauges of lib/metrics.js. */
function liveGates() {
  return gates.values();
}

/** Forgets every gate (test mode's reset): calls under way keep theirs, new calls get new ones. */
function dropGates() {
  gates.clear();
}

module.exports = { Gate, dropGates, gateFor, liveGates };
