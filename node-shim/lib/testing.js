'use strict';
// Test mode (docs/spec.md 8.4), for a service's own tests: while it is on,
// every delay a call sleeps and every probe-timer delay is 0, and a call makes
// at most `attempts` attempts when that is given. Decisions, events and errors
// are otherwise unchanged. The package's `connguard/testing` entry exports
// setTesting and resetGates; the runner and the gate read the rest.

const mode = { on: false, attempts: null };

/**
 * Turns test mode on or off for the process; `attempts` (an integer >= 1)
 * caps every call's max_attempts while it is on.
 */
function setTesting(on, { attempts = null } = {}) {
  if (typeof on !== 'boolean') throw new TypeError('connguard setTesting: `on` must be true or false');
  if (attempts !== null && !(Number.isInteger(attempts) && attempts >= 1)) {
    throw new RangeError('connguard setTesting: `attempts` must be an integer >= 1');
  }
  mode.on = on;
  mode.attempts = on ? attempts : null;
}

/** Drops every gate: the next call to a server starts with a fresh limiter, which its policy configures. */
function resetGates() {
  // Required here, not at the top: lib/gate.js reads the mode from this module.
  require('./gate').dropGates();
}

/** The policy a call runs with: max_attempts capped in test mode. */
function callPolicy(policy) {
  if (mode.attempts === null || policy.maxAttempts <= mode.attempts) return policy;
  return { ...policy, maxAttempts: mode.attempts };
}

/** How long to sleep or arm a timer for `seconds`: 0 in test mode. */
function sleepFor(seconds) {
  return mode.on ? 0 : seconds;
}

module.exports = { callPolicy, resetGates, setTesting, sleepFor };
