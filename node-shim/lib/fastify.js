'use strict';
// connguard/fastify: a drop-in for @fastify/mysql registration whose startup
// probe (`SELECT NOW()`) and later connects retry per the policy.

const { createConnection } = require('./connection');
require('./metrics'); // OpenTelemetry, on at load when installed, as with the main entry
const { createPool } = require('./pool');
const { resolvePolicy } = require('./policy');

/**
 * Registered like @fastify/mysql with `promise: true` (options: mysql2's, plus
 * `type`, `name`, `connectionString`), and connguard's `policy`, `service`,
 * `logger` (default: the Fastify logger). Decorates `fastify.mysql` (or
 * `fastify.mysql[name]`) with query, execute, getConnection, pool (or
 * connection), format, escape, escapeId.
 */
async function connguardMysql(fastify, options) {
  const { type, name, promise, connectionString, policy, service, logger = fastify.log, ...mysqlOptions } = options;
  if (promise !== true) {
    throw new Error('connguard/fastify supports the promise API only: register it with { promise: true }');
  }
  if (name ? fastify.mysql?.[name] : fastify.mysql) {
    throw new Error(name ? `connguard/fastify '${name}' instance name has already been registered`
      : 'connguard/fastify (or @fastify/mysql) has already been registered');
  }
  const resolved = resolvePolicy(policy, service);
  const pluginTimeout = fastify.initialConfig.pluginTimeout;
  if (pluginTimeout > 0 && pluginTimeout < resolved.deadline * 1000) {
    logger.warn({ connguard: { event: 'config' } },
      `connguard: Fastify's pluginTimeout (${pluginTimeout} ms) is shorter than the policy deadline ` +
      `(${resolved.deadline}s); startup fails at the pluginTimeout while the database refuses connections`);
  }
  const connectionOptions = connectionString ?? mysqlOptions;
  const guard = { policy: resolved, service, logger };
  const { format, escape, escapeId } = require('mysql2');
  const db = { format, escape, escapeId };
  let client;
  if (type === 'connection') {
    client = await createConnection(connectionOptions, guard);
    db.connection = client;
  } else {
    client = createPool(connectionOptions, guard);
    db.pool = client;
    db.getConnection = client.getConnection.bind(client);
  }
  db.query = client.query.bind(client);
  db.execute = client.execute.bind(client);
  try {
    await client.query('SELECT NOW()'); // the probe: in a pool, its connect retries like any other
  } catch (error) {
    await client.end();
    throw error;
  }
  fastify.addHook('onClose', () => client.end());
  if (!name) {
    fastify.decorate('mysql', db);
    return;
  }
  if (!fastify.mysql) fastify.decorate('mysql', {});
  fastify.mysql[name] = db;
}

// What fastify-plugin sets: the decoration is visible outside the plugin.
connguardMysql[Symbol.for('skip-override')] = true;
connguardMysql[Symbol.for('fastify.display-name')] = 'connguard';
connguardMysql[Symbol.for('plugin-meta')] = { name: 'connguard', fastify: '4.x || 5.x' };

module.exports = connguardMysql;
module.exports.default = connguardMysql;
module.exports.connguardMysql = connguardMysql;
