'use strict';
// What connguard needs to know of mysql2: its connect timeout option and how
// to name a target in log lines.

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

module.exports = { connectOptions, describeTarget };
