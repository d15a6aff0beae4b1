'use strict';
// Everything connguard knows of mysql2 (peer dependency ^3.23.0), in one place:
// its options, the target it reaches, the code its errors carry, one
// connection attempt capped in time, when a connection closes, and the
// private fields of its pool that connguard reads and patches.
// test/unit/mysql2.test.js pins each assumption against the installed mysql2.

const { maskDsn } = require('../dsn');

/** mysql2 options (an object or a URL string) as an object of connguard's own. */
function options(given) {
  return typeof given === 'string' ? { uri: given } : { ...given };
}

/** The caller's policy, whose connect_timeout a `connectTimeout` (ms) of their own overrides. */
function callPolicy(policy, config) {
  return config.connectTimeout > 0 ? { ...policy, connectTimeout: config.connectTimeout / 1000 } : policy;
}

/**
 * `mysql://user@host:port/db` from mysql2 options, never with a password:
 * masked even when built from options, whose strings may hold a URL (a DSN
 * passed as the host).
 */
function describeTarget(config) {
  if (config.uri) return maskDsn(config.uri);
  const user = config.user ? `${config.user}@` : '';
  const where = config.socketPath ? `(socket ${config.socketPath})` : `${config.host || 'localhost'}:${config.port || 3306}`;
  return maskDsn(`mysql://${user}${where}/${config.database || ''}`);
}

/**
 * The server mysql2 options reach, as gates are keyed and events name it
 * (docs/spec.md 8.1): the socket path, else `host:port` with the host
 * lowercased and mysql2's defaults (localhost, 3306). mysql2 reaches
 * `localhost` over TCP (only socketPath means the socket), so `localhost` is
 * a host here, not the socket as for the C clients. Options win over the
 * URL, as in mysql2. null for a caller's own `stream`, whose server connguard
 * cannot know.
 */
function targetKey(config) {
  if (config.stream) return null;
  const { ConnectionConfig } = require('mysql2');
  const url = config.uri ? ConnectionConfig.parseUrl(config.uri) : {};
  const socketPath = config.socketPath || url.socketPath;
  if (socketPath) return socketPath;
  // An IPv6 host in brackets, whether mysql2's URL parser strips them (3.24) or not (3.9).
  const host = String(config.host || url.host || 'localhost').toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const port = Number(config.port || url.port) || 3306;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

// mysql2 errors for a connection that broke before any server code arrived.
const LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);

// mysql2's codes for a TLS handshake that failed, or that the server cannot do.
const TLS = new Set(['HANDSHAKE_SSL_ERROR', 'HANDSHAKE_NO_SSL_SUPPORT']);

/**
 * The MySQL/MariaDB error number a mysql2 error carries, else null. A Node
 * system error's errno is libuv's (negative), not a server code. Driver
 * failures map as spec 2 says, as the C client does: a host name that does not
 * resolve is 2005 CR_UNKNOWN_HOST, a failed TLS handshake 2026
 * CR_SSL_CONNECTION_ERROR (both fatal).
 */
function errorCode(error) {
  if (error?.syscall === 'getaddrinfo') return 2005;
  if (TLS.has(error?.code)) return 2026;
  const errno = error?.errno;
  return Number.isInteger(errno) && errno > 0 && error.syscall === undefined ? errno : null;
}

/** A socket error or timeout with no server code (refused, reset, timed out, lost). */
function isNetworkError(error) {
  if (errorCode(error) !== null) return false;
  return typeof error?.syscall === 'string' || LOST.has(error?.code);
}

/** `{ code }` (null: network) when `error` is a failure to connect, else null: not connguard's business. */
function failure(error) {
  const code = errorCode(error);
  return code !== null || isNetworkError(error) ? { code } : null;
}

/** What an attempt cut off at its cap fails with: mysql2's own connect timeout, a network error. */
function timedOut() {
  return Object.assign(new Error('connect ETIMEDOUT'), { errorno: 'ETIMEDOUT', code: 'ETIMEDOUT', syscall: 'connect' });
}

// mysql2's connectTimeout is in ms, and 0 turns it off.
const milliseconds = (seconds) => Math.max(1, Math.ceil(seconds * 1000));

// mysql2 3.24 and later time the whole handshake with connectTimeout; the
// earlier versions of the range stop the timer at the server's first byte,
// leaving a server that greets and then hangs unbounded. So an attempt is also
// cut off when `signal` aborts (the runner's timer at the cap): its socket is
// destroyed with the signal's reason, which mysql2 reports as it reports its
// own timeout.
function cutOffOn(signal, connection) {
  const cut = () => connection.stream.destroy(signal.reason);
  signal.addEventListener('abort', cut, { once: true });
  return () => signal.removeEventListener('abort', cut);
}

/**
 * One attempt: `require('mysql2/promise').createConnection(config)` with
 * `timeout` (seconds) as its connectTimeout, cut off when `signal` aborts.
 */
function connect(config, { timeout, signal }) {
  const { createConnection } = require('mysql2');
  const { PromiseConnection } = require('mysql2/promise');
  const core = createConnection({ ...config, connectTimeout: milliseconds(timeout) });
  const stop = cutOffOn(signal, core);
  // As mysql2/promise's createConnection, with the core connection at hand.
  return new Promise((resolve, reject) => {
    core.once('connect', () => resolve(new PromiseConnection(core, config.Promise)));
    core.once('error', reject);
  }).finally(stop);
}

/**
 * Calls `release` when a mysql2 connection's socket closes, however it closes
 * (end, destroy, the server). Answers false for anything else, whose close it
 * cannot see.
 */
function onClose(connection, release) {
  const stream = (connection?.connection ?? connection)?.stream;
  if (typeof stream?.once !== 'function') return false;
  stream.once('close', release);
  return true;
}

// mysql2's pool (lib/base/pool.js) decides in getConnection() what a caller
// gets: a free connection, a new one it opens at once, or a place in its
// queue. connguard reads that decision from the pool's own fields, to open
// new connections only through a call.

/** Whether `pool.getConnection()` called now opens a new connection. */
function opensConnection(pool) {
  const { connectionLimit } = pool.config;
  const room = connectionLimit === 0 || pool._allConnections.length < connectionLimit;
  return !pool._closed && pool._freeConnections.length === 0 && room;
}

/**
 * One attempt in a pool (opensConnection(pool) holds): mysql2's own
 * `getConnection` opens the connection, with `timeout` as its connectTimeout,
 * cut off when `signal` aborts; `callback(error, connection)` as mysql2's.
 */
function openPooled(pool, getConnection, { timeout, signal }, callback) {
  // Read synchronously by the connection getConnection() creates.
  pool.config.connectionConfig.connectTimeout = milliseconds(timeout);
  let stop = () => {};
  getConnection.call(pool, (error, connection) => {
    stop();
    callback(error, connection);
  });
  const all = pool._allConnections;
  stop = cutOffOn(signal, all.get(all.length - 1));
}

/**
 * Closes the pool's longest idle connection as mysql2's idle timeout does
 * (out of the pool, then its socket ends: it closes once the server has
 * closed its end) and answers it, or null when none is idle. A closed pool
 * (whose end() closes them all) keeps its connections listed: null.
 */
function closeIdle(pool) {
  if (pool._closed || pool._freeConnections.length === 0) return null;
  const connection = pool._freeConnections.get(0);
  connection.destroy();
  return connection;
}

/** Takes `callback` out of the pool's queue of callers waiting for a connection. */
function dequeue(pool, callback) {
  const queue = pool._connectionQueue;
  for (let i = 0; i < queue.length; i += 1) {
    if (queue.get(i) === callback) {
      queue.removeOne(i);
      return;
    }
  }
}

module.exports = {
  callPolicy,
  closeIdle,
  connect,
  dequeue,
  describeTarget,
  errorCode,
  failure,
  isNetworkError,
  onClose,
  openPooled,
  opensConnection,
  options,
  targetKey,
  timedOut,
};
