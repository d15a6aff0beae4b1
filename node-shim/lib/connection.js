'use strict';
// One call to connect per use: createConnection (mysql2's promise connection)
// and retryCall (any connect function), each through the process's gate for
// its server unless the policy disables the limiter or, for retryCall, no
// target names the server.

const mysql2 = require('./drivers/mysql2');
const { gateFor } = require('./gate');
const { resolvePolicy, serviceName } = require('./policy');
const { Reporter } = require('./report');
const { run } = require('./runner');

/**
 * `require('mysql2/promise').createConnection(options)`, retried per the
 * policy; the driver's own connection. `policy` omitted: the file named by
 * $CONNGUARD_POLICY for `service` (or $CONNGUARD_SERVICE), else the defaults.
 * `signal` (an AbortSignal) stops waiting for a turn or a retry.
 */
function createConnection(options, { policy, service, logger, signal } = {}) {
  const resolved = resolvePolicy(policy, service);
  const config = mysql2.options(options);
  const key = resolved.limiter.enabled ? mysql2.targetKey(config) : null;
  return run({
    policy: mysql2.callPolicy(resolved, config),
    attempt: (cap) => mysql2.connect(config, cap),
    driver: mysql2,
    ticket: key === null ? null : gateFor(key, resolved).ticket(),
    reporter: new Reporter({ logger, service: serviceName(resolved, service), target: mysql2.describeTarget(config) }),
    signal,
  });
}

/**
 * `await connect({ timeout, signal })`, retried per `policy` while it fails
 * to connect, as mysql2's errors tell (lib/drivers/mysql2.js). Each attempt
 * should give up at `timeout` seconds, when `signal` aborts (with a network
 * timeout error as its reason). On give-up the driver's own last error is
 * thrown, with `error.connguard` telling attempts, elapsed time and reason.
 * `signal` of the options aborts waiting for a turn and the sleeps between
 * attempts.
 *
 * `target`, the server `connect` reaches as mysql2 options or a URL, names it
 * in log lines and, when the policy's limiter is enabled, puts the call
 * through the process's gate for it, the one createConnection and createPool
 * use: the connection returned then holds a slot until `onClose(connection,
 * release)` calls `release` (default: when a mysql2 connection's socket
 * closes; anything else gives its slot back as soon as it opens).
 */
async function retryCall(policy, connect, { service = policy.service, target, onClose, logger, clock, signal } = {}) {
  const config = target === undefined ? null : targetOptions(target);
  const key = config !== null && policy.limiter.enabled ? mysql2.targetKey(config) : null;
  return run({
    policy,
    attempt: connect,
    driver: onClose ? { ...mysql2, onClose } : mysql2,
    ticket: key === null ? null : gateFor(key, policy).ticket(),
    reporter: new Reporter({ logger, service, target: config && mysql2.describeTarget(config) }),
    signal,
    clock,
  });
}

// retryCall's target as mysql2 options. A string must be a URL with a host
// (`db:3306` parses as a URL of scheme `db`); anything else is refused in words
// that cannot show a password (the URL parser's error holds its input).
function targetOptions(target) {
  if (typeof target === 'object' && target !== null) return mysql2.options(target);
  if (typeof target === 'string' && URL.canParse(target) && new URL(target).host !== '') return mysql2.options(target);
  throw new TypeError('connguard retryCall: target must be mysql2 connection options or a URL such as mysql://user@host:3306/db');
}

module.exports = { createConnection, retryCall };
