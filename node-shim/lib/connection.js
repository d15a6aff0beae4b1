'use strict';
// createConnection: mysql2's promise connection, its connect retried per the policy.

const { connectOptions, describeTarget } = require('./driver');
const { resolvePolicy, serviceName } = require('./policy');
const { retryCall } = require('./retry');

/**
 * `require('mysql2/promise').createConnection(options)`, retried per the
 * policy; the driver's own connection. `policy` omitted: the file named by
 * $CONNGUARD_POLICY for `service` (or $CONNGUARD_SERVICE), else the defaults.
 */
function createConnection(options, { policy, service, logger } = {}) {
  const mysql = require('mysql2/promise');
  const resolved = resolvePolicy(policy, service);
  const config = connectOptions(options, resolved);
  return retryCall(resolved, () => mysql.createConnection(config), {
    service: serviceName(resolved, service),
    target: describeTarget(config),
    logger,
  });
}

module.exports = { createConnection };
