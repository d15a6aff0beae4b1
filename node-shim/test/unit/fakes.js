'use strict';
// What the unit tests fake: mysql2's error shapes, a logger that keeps its
// lines, a clock, and a connect function that follows a script.

// A server's error packet, as mysql2 raises it.
function serverError(errno, code, message) {
  return Object.assign(new Error(message), { errno, code, sqlState: 'HY000', sqlMessage: message, fatal: true });
}
const tooMany = () => serverError(1040, 'ER_CON_COUNT_ERROR', 'Too many connections');
const denied = () => serverError(1045, 'ER_ACCESS_DENIED_ERROR', "Access denied for user 'app'@'localhost' (using password: YES)");
// Node's socket error for a closed port.
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { errno: -111, code: 'ECONNREFUSED', syscall: 'connect' });

/** A logger (pino's warn/error) that keeps `{ level, fields, message }` per line. */
function recordingLogger() {
  const lines = [];
  const keep = (level) => (fields, message) => lines.push({ level, fields, message });
  return { lines, warn: keep('warn'), error: keep('error') };
}

/** A clock whose sleeps take no real time: each is recorded in `slept` and moves `now()` on. */
function fakeClock() {
  const clock = { t: 100, slept: [], now: () => clock.t };
  clock.sleep = async (seconds) => {
    clock.slept.push(seconds);
    clock.t += seconds;
  };
  return clock;
}

/**
 * A connect function whose attempts end as `script` says, in order: 'ok' (a
 * connection whose close() releases the slot `onClose` gave it), a server
 * error number, or null (a network error). `attempts()` counts the calls.
 */
function scripted(script) {
  const outcomes = [...script];
  let attempts = 0;
  const connect = async () => {
    attempts += 1;
    const outcome = outcomes.shift();
    if (outcome === 'ok') return { release: () => {}, close() { this.release(); } };
    throw outcome === null ? refused() : serverError(outcome, 'ER_SCRIPTED', `error ${outcome}`);
  };
  const onClose = (connection, release) => {
    connection.release = release;
  };
  return { connect, onClose, attempts: () => attempts, left: outcomes };
}

module.exports = { denied, fakeClock, recordingLogger, refused, scripted, serverError, tooMany };
