'use strict';
// What the unit tests fake: mysql2's error shapes, and a logger that keeps its lines.

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

module.exports = { denied, recordingLogger, refused, serverError, tooMany };
