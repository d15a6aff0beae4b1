'use strict';
// connguard/fastify: a drop-in for @fastify/mysql, registered under its name
// (plugins that declare `dependencies: ['@fastify/mysql']` find it), whose
// startup probe (`SELECT NOW()`) and later connects retry per the policy.
//
// Fastify gives up on a plugin that has not started within its pluginTimeout,
// and then forgets it: nothing would stop its startup or close what it opens.
// So the startup gives up by itself shortly before that timeout, and closes
// what it opened; an instance closed while the startup still runs (after an
// enclosing plugin timed out, say) stops it at once and closes it all.

const fp = require('fastify-plugin');
const { createConnection } = require('./connection');
require('./metrics'); // OpenTelemetry, on at load when installed, as with the main entry
const { createPool, getConnectionWithin } = require('./pool');
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
  const deadline = startupDeadline(fastify.initialConfig?.pluginTimeout, resolved, logger);
  const connectionOptions = connectionString ?? mysqlOptions;
  const guard = { policy: resolved, service, logger };

  // Hooked before the startup begins, so that closing the instance stops it.
  const closing = new AbortController();
  let client = null;
  let ended = null;
  const end = () => {
    ended ??= client?.end();
    return ended;
  };
  fastify.addHook('onClose', async () => {
    closing.abort(new Error('connguard/fastify: the Fastify instance closed during startup'));
    await end();
  });

  const { format, escape, escapeId } = require('mysql2');
  const db = { format, escape, escapeId };
  try {
    if (type === 'connection') {
      client = await createConnection(connectionOptions, {
        ...guard, policy: { ...resolved, deadline }, signal: closing.signal,
      });
      closing.signal.throwIfAborted(); // closed while its last attempt was under way
      db.connection = client;
      await client.query('SELECT NOW()');
    } else {
      client = createPool(connectionOptions, guard);
      db.pool = client;
      db.getConnection = client.getConnection.bind(client);
      // The probe: its connect retries like any other of the pool, within the startup's deadline.
      const connection = await getConnectionWithin(client, deadline);
      try {
        await connection.query('SELECT NOW()');
      } finally {
        connection.release();
      }
    }
  } catch (error) {
    await end();
    throw error;
  }
  db.query = client.query.bind(client);
  db.execute = client.execute.bind(client);
  if (!name) {
    fastify.decorate('mysql', db);
    return;
  }
  if (!fastify.mysql) fastify.decorate('mysql', {});
  fastify.mysql[name] = db;
}

// Fastify fails a plugin that has not started within pluginTimeout ms; the
// startup gives up a tenth of it (at most 1 s) sooner, so that what fails the
// boot is the database's error with connguard's account of the attempts, not
// a bare timeout. 0 turns Fastify's timeout off.
function startupDeadline(pluginTimeout, policy, logger) {
  const fields = { connguard: { event: 'config' } };
  if (typeof pluginTimeout !== 'number') {
    logger.warn(fields, "connguard: this Fastify does not tell its pluginTimeout; startup retries until the policy " +
      `deadline (${policy.deadline}s), and is not stopped if Fastify's plugin timeout fails it first`);
    return policy.deadline;
  }
  if (pluginTimeout <= 0) return policy.deadline;
  const seconds = (pluginTimeout - Math.min(1000, pluginTimeout / 10)) / 1000;
  if (seconds >= policy.deadline) return policy.deadline;
  logger.warn(fields, `connguard: startup gives up after ${seconds}s, before Fastify's pluginTimeout ` +
    `(${pluginTimeout} ms), not at the policy deadline (${policy.deadline}s), which later connects keep; ` +
    'raise pluginTimeout to let startup wait longer for the database');
  return seconds;
}

const plugin = fp(connguardMysql, { fastify: '4.x || 5.x', name: '@fastify/mysql' });

module.exports = plugin;
module.exports.default = plugin;
module.exports.connguardMysql = plugin;
module.exports.fastifyMysql = plugin; // as @fastify/mysql names it, which fastify-plugin also sets
