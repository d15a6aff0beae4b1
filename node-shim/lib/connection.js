'use strict';
// createConnection: mysql2's promise connection, its connect retried per the
// policy, through the process's limiter for the server unless the policy disables it.

const { connectOptions, describeTarget, onClose, serverKey } = require('./driver');
const { gateFor } = require('./gate');
const { resolvePolicy, serviceName } = require('./policy');
const { gatedCall, retryCall } = require('./retry');

/**
 * `require('mysql2/promise').createConnection(options)`, retried per the
 * policy; the driver's own connection. `policy` omitted: the file named by
 * $CONNGUARD_POLICY for `service` (or $CONNGUARD_SERVICE), else the defaults.
 * `signal` (an AbortSignal) stops waiting for a turn or a retry.
 */
function createConnection(options, { policy, service, logger, signal } = {}) {
  const mysql = require('mysql2/promise');
  const resolved = resolvePolicy(policy, service);
  const config = connectOptions(options, resolved);
  const connect = () => mysql.createConnection(config);
  const guard = { service: serviceName(resolved, service), target: describeTarget(config), logger, signal };
  const key = resolved.limiter.enabled ? serverKey(config) : null;
  if (key === null) return retryCall(resolved, connect, guard);
  return gatedCall(resolved, connect, { ...guard, gate: gateFor(key, resolved), onClose });
}

module.exports = { createConnection };
