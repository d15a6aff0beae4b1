'use strict';
// What connguard needs to know of mysql2: its connect timeout option, how to
// name a target in log lines, which server it reaches and when its socket closes.

const { maskDsn } = require('./dsn');

/** mysql2 options (an object or a URL string) with the policy's connectTimeout unless set. */
function connectOptions(options, policy) {
  const merged = typeof options === 'string' ? { uri: options } : { ...options };
  if (merged.connectTimeout === undefined) merged.connectTimeout = Math.max(1, Math.ceil(policy.connectTimeout * 1000));
  return merged;
}

/** `mysql://user@host:port/db` from mysql2 options, never with a password. */
function describeTarget(options) {
  if (options.uri) return maskDsn(options.uri);
  const user = options.user ? `${options.user}@` : '';
  const where = options.socketPath ? `(socket ${options.socketPath})` : `${options.host || 'localhost'}:${options.port || 3306}`;
  return `mysql://${user}${where}/${options.database || ''}`;
}

/**
 * The server mysql2 options reach, as the process's limiters are keyed:
 * `host:port` or `socket PATH` (mysql2's precedence: options over the URL);
 * null for a caller's own `stream`, whose server connguard cannot know.
 */
function serverKey(options) {
  if (options.stream) return null;
  const { ConnectionConfig } = require('mysql2');
  const url = options.uri ? ConnectionConfig.parseUrl(options.uri) : {};
  const socketPath = options.socketPath || url.socketPath;
  if (socketPath) return `socket ${socketPath}`;
  return `${options.host || url.host || 'localhost'}:${Number(options.port || url.port) || 3306}`;
}

/** Calls `release` when a mysql2 connection's socket closes, however it closes (end, destroy, the server). */
function onClose(connection, release) {
  (connection.connection ?? connection).stream.once('close', release);
}

// mysql2's pool (lib/base/pool.js) decides in getConnection() what a caller
// gets: a free connection, a new one it opens at once, or a place in its queue.
// connguard reads that decision from the pool's own fields to queue callers at
// the limiter before mysql2 opens a connection.

/** Whether `pool.getConnection()` called now opens a new connection. */
function opensConnection(pool) {
  const { connectionLimit } = pool.config;
  const room = connectionLimit === 0 || pool._allConnections.length < connectionLimit;
  return !pool._closed && pool._freeConnections.length === 0 && room;
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

module.exports = { connectOptions, dequeue, describeTarget, onClose, opensConnection, serverKey };
