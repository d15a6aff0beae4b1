'use strict';
// The throwaway MariaDB the shared runner starts (python -m connguard.testing run -- ...).

const mysql = require('mysql2/promise');
const { createConnection } = require('../..');

const VARIABLES = ['HOST', 'PORT', 'USER', 'PASSWORD', 'DATABASE', 'MAX_CONNECTIONS', 'ADMIN_PORT'];

/** The server's settings; throws (so the tests fail, never skip) outside the runner. */
function server() {
  const missing = VARIABLES.filter((name) => process.env[`CONNGUARD_TEST_${name}`] === undefined);
  if (missing.length) {
    throw new Error(
      `missing CONNGUARD_TEST_${missing.join(', CONNGUARD_TEST_')}: run the integration tests under ` +
        '`.venv/bin/python -m connguard.testing run -- npm --prefix node-shim run test:integration`',
    );
  }
  const env = (name) => process.env[`CONNGUARD_TEST_${name}`];
  return {
    options: { host: env('HOST'), port: Number(env('PORT')), user: env('USER'), password: env('PASSWORD'), database: env('DATABASE') },
    password: env('PASSWORD'),
    maxConnections: Number(env('MAX_CONNECTIONS')),
    adminPort: Number(env('ADMIN_PORT')),
  };
}

/**
 * The server's own counters, read as root on the admin port (outside
 * max_connections): `status('Aborted_connects')` counts the 1040s refused to
 * the test account.
 */
async function admin() {
  const { options, adminPort } = server();
  const connection = await mysql.createConnection({ host: options.host, port: adminPort, user: 'root', password: '' });
  return {
    status: async (name) => {
      const [[row]] = await connection.query('SHOW GLOBAL STATUS LIKE ?', [name]);
      return Number(row.Value);
    },
    end: () => connection.end(),
  };
}

/** A logger that keeps what it is told. */
function recordingLogger() {
  const lines = [];
  const keep = (level) => (fields, message) => lines.push({ level, fields, message });
  return { lines, warn: keep('warn'), error: keep('error') };
}

/**
 * Every connection the server allows, held by the test. Opened through
 * connguard: the server may still count connections of an earlier test that
 * are closing.
 */
async function holdAll() {
  const { options, maxConnections } = server();
  const held = [];
  for (let i = 0; i < maxConnections; i += 1) held.push(await createConnection(options, { logger: recordingLogger() }));
  // The server is full now: one more is refused with 1040.
  const refused = await mysql.createConnection(options).then((c) => c.end(), (error) => error);
  if (refused?.errno !== 1040) throw new Error(`expected the server to be full, got ${refused}`);
  return held;
}

async function endAll(connections) {
  await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
}

module.exports = { admin, endAll, holdAll, recordingLogger, server };
