'use strict';
// One Limiter per process and target server, run on the event loop (docs/spec.md
// section 6): grants call the waiter back, probe timers fire probe(), and every
// connection connguard opened reports its close, so a close hands its slot to
// the next waiter at once.

const { newSeed } = require('./decision');
const { Limiter } = require('./limiter');

/** A caller waited its whole deadline in the limiter's queue without one attempt. */
class QueueTimeoutError extends Error {
  constructor({ target, waited, limit, holding }) {
    super(
      `connguard waited ${waited.toFixed(2)}s (the policy deadline) for a turn to connect to ${target}: ` +
        `this process holds ${holding} connection(s) there and may open ${limit}; the server refused more. ` +
        'Hold connections for shorter or allow a longer deadline.',
    );
    this.name = 'QueueTimeoutError';
    this.code = 'CONNGUARD_QUEUE_TIMEOUT';
    this.target = target;
    this.waited = waited;
  }
}

let lastWaiter = 0;

/** A waiter id, unique in the process. */
function newWaiter() {
  lastWaiter += 1;
  return lastWaiter;
}

/** One target's limiter. Callbacks run synchronously inside the event that grants them. */
class Gate {
  constructor(policy, seed = newSeed()) {
    this.limiter = new Limiter(policy, seed);
    this.turns = new Map(); // waiter -> what to call on its turn
  }

  /** `waiter` queues; `onTurn()` is called once it may attempt (perhaps before join returns). */
  join(waiter, onTurn) {
    this.turns.set(waiter, onTurn);
    this.apply(this.limiter.acquire(waiter));
  }

  /** Its attempt was refused for capacity: back to the queue's head, `onTurn()` on its next turn. */
  rejected(waiter, onTurn) {
    this.turns.set(waiter, onTurn);
    this.apply(this.limiter.rejected(waiter));
  }

  /** Its attempt succeeded; `onClose(release)` must call release() once the connection closes. */
  connected(waiter, onClose) {
    this.apply(this.limiter.connected(waiter));
    let open = true;
    onClose(() => {
      if (!open) return;
      open = false;
      this.apply(this.limiter.released());
    });
  }

  /** Its attempt failed otherwise, or it gave up, queued or granted: its place or slot is freed. */
  left(waiter) {
    this.turns.delete(waiter);
    this.apply(this.limiter.left(waiter));
  }

  /**
   * `waiter` queues (event 'acquire' or 'rejected'); resolves true on its turn,
   * false when `seconds` pass first; rejects with the reason when `signal`
   * aborts first. Out of turn either way, it has left the queue.
   */
  turn(event, waiter, seconds, signal) {
    return new Promise((resolve, reject) => {
      let timer;
      const out = (settle) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        settle();
      };
      const aborted = () => out(() => {
        this.left(waiter);
        reject(signal.reason);
      });
      const onTurn = () => out(() => resolve(true));
      if (signal?.aborted) {
        this.left(waiter); // also frees the slot of an attempt just refused
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', aborted, { once: true });
      timer = setTimeout(() => out(() => {
        this.left(waiter);
        resolve(false);
      }), Math.max(0, seconds) * 1000);
      if (event === 'rejected') this.rejected(waiter, onTurn);
      else this.join(waiter, onTurn);
    });
  }

  apply({ granted, probeIn }) {
    for (const waiter of granted) {
      const onTurn = this.turns.get(waiter);
      this.turns.delete(waiter);
      onTurn?.();
    }
    // Unref'd: an armed probe outlives its waiters when they leave, and must not keep the process up.
    if (probeIn !== null) setTimeout(() => this.apply(this.limiter.probe()), probeIn * 1000).unref();
  }
}

const gates = new Map();

/** The process's gate for the server `key` (`host:port`); the first policy to ask sets its limits. */
function gateFor(key, policy) {
  let gate = gates.get(key);
  if (gate === undefined) {
    gate = new Gate(policy);
    gates.set(key, gate);
  }
  return gate;
}

module.exports = { Gate, QueueTimeoutError, gateFor, newWaiter };
