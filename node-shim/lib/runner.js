'use strict';
// The promise runner of docs/spec.md 7: it feeds one Call (lib/call.js) the
// events of the event loop and performs the actions the call answers, in
// order. It decides nothing: it waits, attempts and reports.

const { performance } = require('node:perf_hooks');
const { setImmediate: tick, setTimeout: sleep } = require('node:timers/promises');
const { Call } = require('./call');
const { newSeed } = require('./decision');
const events = require('./events');
const testing = require('./testing');

/** Seconds on a monotonic clock, and a sleep of seconds: swapped for a fake in unit tests. */
const realClock = Object.freeze({
  now: () => performance.now() / 1000,
  // No sleep at all takes a turn of the event loop, not a timer's millisecond.
  sleep: (seconds, signal) => (seconds > 0 ? sleep(seconds * 1000, undefined, { signal }) : tick(undefined, { signal })),
});

/**
 * Runs one call to connect; resolves with the connection, or rejects with
 * what the call ends with.
 *
 * - `attempt({ timeout, signal })` makes one attempt. At `timeout` seconds
 *   `signal` aborts with `driver.timedOut()`: the attempt must then fail
 *   (the driver module destroys its socket), which counts as a network error.
 * - `driver`: `failure(error)` (`{ code }`, or null for an error that is not a
 *   failure to connect: it propagates as it is), `timedOut()`, and
 *   `onClose(connection, release)`, which answers false when it cannot tell
 *   (the connection then gives its slot back at once).
 * - `ticket`: the caller's place at the target's gate (lib/gate.js), or null
 *   for a call that goes through no gate.
 * - `reporter`: where retries and the give-up are told (lib/report.js), and
 *   the service and target of the call's events (lib/events.js).
 * - `signal`: aborts waiting at the gate or sleeping, not an attempt under
 *   way; the call then rejects with its reason.
 * - `started`: when the call's clock started (`clock.now()` seconds), if before now.
 * - `before()`: called before each attempt; what it throws abandons the call
 *   (a pool's caller that no longer needs a new connection).
 *
 * Test mode (lib/testing.js) caps the policy's attempts and makes every sleep 0.
 */
async function run({ policy, attempt, driver, ticket = null, reporter, signal, clock = realClock, started = clock.now(), seed = newSeed(), before }) {
  signal?.throwIfAborted();
  const call = new Call(testing.callPolicy(policy), seed, ticket !== null);
  const t = () => clock.now() - started;
  let last = null; // the driver's last failure to connect
  let connection;
  let attempts = 0;
  let queued = 0; // when the ticket last joined the queue, or went back to its head

  // Cancelled, or an error that is not a connection failure: the call leaves its ticket, and the error goes on.
  const abandon = (error) => {
    for (const action of call.abandoned(t())) perform(action);
    throw error;
  };

  // The actions that take no time; each list the call answers ends in at most one that does.
  const perform = (action) => {
    switch (action.do) {
      case 'join':
        queued = t();
        return ticket.join();
      case 'rejected':
        queued = t();
        return ticket.rejected();
      case 'left': return ticket.left();
      case 'connected': {
        const slot = ticket.connected(connection);
        let watched = false;
        try {
          watched = driver.onClose(connection, () => slot.release()) !== false;
        } finally {
          // Nothing will tell when this connection closes: a slot it held would be lost for good.
          if (!watched) slot.release();
        }
        return undefined;
      }
      case 'retry':
        events.retry(reporter, action);
        return reporter.retry(action, last);
      case 'give_up':
        events.giveUp(reporter, action);
        throw reporter.giveUp(action, last, ticket?.gate.limiter);
      default: throw new Error(`connguard runner: unknown action ${action.do}`);
    }
  };

  // The actions that take time, each answered by the call's next event.
  const waits = {
    async wait({ until }) {
      const waiting = !ticket.turn; // else the gate let it in as it joined: it waited 0
      const granted = await ticket.wait(until - t(), signal).catch(abandon);
      if (!granted) return call.expired(t());
      const now = t();
      events.granted(reporter, waiting ? now - queued : 0);
      return call.granted(now);
    },
    async sleep({ delay }) {
      await clock.sleep(testing.sleepFor(delay), signal).catch(abandon);
      return call.woke(t());
    },
    async attempt({ timeout }) {
      try {
        before?.();
      } catch (error) {
        abandon(error);
      }
      attempts += 1;
      events.attempt(reporter, attempts);
      try {
        connection = await capped(attempt, timeout, driver);
      } catch (error) {
        const failed = driver.failure(error);
        if (failed === null) return abandon(error);
        last = error;
        const now = t();
        const actions = call.failed(now, failed.code);
        // Before the actions it answers: the gate's reports, the retry or the give-up.
        events.failed(reporter, attempts, failed.code, actions, now);
        return actions;
      }
      return call.succeeded(t());
    },
  };

  let actions = call.start();
  for (;;) {
    let next = null;
    for (const action of actions) {
      if (action.do === 'done') {
        events.connected(reporter, action);
        return connection;
      }
      if (action.do in waits) next = waits[action.do](action);
      else perform(action);
    }
    actions = await next;
  }
}

// One attempt, its signal aborted at the cap.
async function capped(attempt, timeout, driver) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(driver.timedOut()), Math.ceil(timeout * 1000));
  try {
    return await attempt({ timeout, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

module.exports = { realClock, run };
