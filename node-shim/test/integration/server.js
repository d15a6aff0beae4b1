'use strict';
// The server the shared runner hands over (python -m connguard.testing run -- ...): a
// throwaway MariaDB, or with MYSQL_TEST_URL a MySQL or MariaDB of the user's (docs/testing.md).

const assert = require('node:assert/strict');
const { after } = require('node:test');
const { setTimeout: sleep } = require('node:timers/promises');
const mysql = require('mysql2/promise');
const { createConnection } = require('../..');

const VARIABLES = [
  'HOST', 'PORT', 'USER', 'PASSWORD', 'DATABASE', 'MAX_CONNECTIONS',
  'ADMIN_HOST', 'ADMIN_PORT', 'ADMIN_USER', 'ADMIN_PASSWORD', 'ADMIN_COUNTED', 'REFUSED_STATUS',
];

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
    admin: { host: env('ADMIN_HOST'), port: Number(env('ADMIN_PORT')), user: env('ADMIN_USER'), password: env('ADMIN_PASSWORD') },
    // On MySQL (or an admin on the normal port) the admin's connection takes a slot of max_connections.
    adminCounted: env('ADMIN_COUNTED') === '1',
    // The status variable that counts refused connects: Aborted_connects on MariaDB,
    // Connection_errors_max_connections on MySQL.
    refusedStatus: env('REFUSED_STATUS'),
  };
}

/**
 * The server seen by the runner's admin account, through one connection this
 * test file keeps from its first use to its end (as the C++ and Rust suites
 * do): where an admin connection takes a slot of max_connections
 * (`adminCounted`: an external server but on MariaDB's extra port), the runner
 * reserved exactly one for it, so the test account has exactly
 * `maxConnections` only while it is held, and a connection per use would hold
 * a second slot for the moment its server thread takes to end.
 *
 * `refused()` counts the 1040s refused to the test account; `clients()` the
 * connections `max_connections` limits, the admin's left out;
 * `connections()` the test account's connections, those mid-handshake
 * included; `withMaxConnections(n, run)` runs `run()` with the server's
 * max_connections at `n`, restored after.
 *
 * `connections()` leaves out the threads in command `Killed`: connections
 * the server is tearing down (after a client's QUIT it marks them so, closes
 * their socket, and lists them a moment longer). Once the socket has closed
 * the client hands the slot on (the spec's `released` waits for that, and can
 * see nothing later), so a new attempt may overlap such a thread; leaving
 * them out hides no connection or attempt that is still open.
 */
async function admin() {
  kept ??= mysql.createConnection(server().admin);
  return view(await kept);
}

let kept; // admin()'s connection, as a promise
// Its socket would keep the file's process, and so the whole run, alive. A
// failed open is the failure of the test that wanted it.
after(() => kept?.then((connection) => connection.end(), () => undefined));

function view(connection) {
  const { options, adminCounted, refusedStatus } = server();
  const value = async (sql, params) => Number(Object.values((await connection.query(sql, params))[0][0])[0]);
  const status = async (name) => {
    const [[row]] = await connection.query('SHOW GLOBAL STATUS LIKE ?', [name]);
    return Number(row.Value);
  };
  return {
    refused: () => status(refusedStatus),
    clients: async () => (await status('Threads_connected')) - (adminCounted ? 1 : 0),
    connections: () => value(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER IN (?, 'unauthenticated user') AND COMMAND <> 'Killed'",
      [options.user],
    ),
    async withMaxConnections(n, run) {
      const before = await value('SELECT @@GLOBAL.max_connections');
      await connection.query('SET GLOBAL max_connections = ?', [n + (adminCounted ? 1 : 0)]);
      try {
        return await run();
      } finally {
        await connection.query('SET GLOBAL max_connections = ?', [before]);
      }
    },
  };
}

/** Until `check()` holds, polled for at most 5 s: closes reach the client and the server a moment after end(). */
async function eventually(check, what) {
  for (let i = 0; i < 100 && !(await check()); i += 1) await sleep(50);
  assert.ok(await check(), what);
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
 * are closing. The admin connection is opened first: where it takes a slot,
 * the server is full only with it.
 */
async function holdAll() {
  const { options, maxConnections } = server();
  await admin();
  const held = [];
  try {
    for (let i = 0; i < maxConnections; i += 1) held.push(await createConnection(options, { logger: recordingLogger() }));
    // The server is full now: one more is refused with 1040.
    const refused = await mysql.createConnection(options).then((c) => c.end(), (error) => error);
    if (refused?.errno !== 1040) throw new Error(`expected the server to be full, got ${refused}`);
  } catch (error) {
    await endAll(held); // held open, they would fail the next tests and keep the process alive
    throw error;
  }
  return held;
}

async function endAll(connections) {
  await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
}

module.exports = { admin, endAll, eventually, holdAll, recordingLogger, server };
