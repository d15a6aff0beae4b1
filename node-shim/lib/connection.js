'use strict';
// One call to connect per use: createConnection (mysql2's promise connection,
// through the process's gate for its server unless the policy disables the
// limiter) and retryCall (any connect function, no gate).

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
 * `signal` of the options aborts the sleeps between attempts.
 */
function retryCall(policy, connect, { service = policy.service, target, logger, clock, signal } = {}) {
  return run({ policy, attempt: connect, driver: mysql2, reporter: new Reporter({ logger, service, target }), signal, clock });
}

module.exports = { createConnection, retryCall };
