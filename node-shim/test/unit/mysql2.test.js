'use strict';
// lib/drivers/mysql2.js against the installed mysql2: how its errors read,
// which server its options reach, and every private field and behaviour of
// its pool connguard relies on, so that an upgrade that breaks one fails here.

const assert = require('node:assert/strict');
const net = require('node:net');
const { test } = require('node:test');
const mysql = require('mysql2');
const mysqlPromise = require('mysql2/promise');
const driver = require('../../lib/drivers/mysql2');
const { classify } = require('../..');
const { denied, refused, tooMany } = require('./fakes');
const { hangingServer } = require('./hanging-server');

const version = (text) => text.split('.').map(Number);

test('the installed mysql2 is in the declared peer range', () => {
  const range = require('../../package.json').peerDependencies.mysql2;
  const installed = require('mysql2/package.json').version;
  assert.match(range, /^\^3\.\d+\.\d+$/, 'a caret range of major 3');
  const [, minor, patch] = version(range.slice(1));
  const [major, gotMinor, gotPatch] = version(installed);
  assert.ok(major === 3 && (gotMinor > minor || (gotMinor === minor && gotPatch >= patch)), `${installed} not in ${range}`);
});

test('errors: server codes, socket errors as network, unknown host as 2005, TLS as 2026', () => {
  assert.equal(driver.errorCode(tooMany()), 1040);
  assert.deepEqual(driver.failure(denied()), { code: 1045 });
  assert.equal(driver.errorCode(refused()), null);
  assert.equal(driver.isNetworkError(refused()), true);
  assert.deepEqual(driver.failure(refused()), { code: null });
  assert.deepEqual(driver.failure(driver.timedOut()), { code: null }, 'an attempt cut off at its cap');
  assert.equal(driver.isNetworkError(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })), true);
  const unknownHost = Object.assign(new Error('getaddrinfo ENOTFOUND db'), { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo' });
  assert.equal(driver.errorCode(unknownHost), 2005);
  assert.equal(classify(driver.errorCode(unknownHost)), 'fatal');
  const again = Object.assign(new Error('getaddrinfo EAI_AGAIN db'), { errno: -3001, code: 'EAI_AGAIN', syscall: 'getaddrinfo' });
  assert.equal(driver.errorCode(again), 2005);
  assert.equal(driver.errorCode(Object.assign(new Error('self-signed certificate'), { code: 'HANDSHAKE_SSL_ERROR' })), 2026);
  assert.equal(driver.errorCode(Object.assign(new Error('no TLS'), { code: 'HANDSHAKE_NO_SSL_SUPPORT' })), 2026);
  assert.equal(driver.failure(new TypeError('x')), null);
  assert.equal(driver.failure(new Error('Pool is closed.')), null);
});

test('the target key: host lowercased, mysql2\'s defaults, the socket when given, options over the URL', () => {
  const cases = [
    [{}, 'localhost:3306'],
    [{ host: 'DB.Example.COM' }, 'db.example.com:3306'],
    [{ host: 'db', port: '3307' }, 'db:3307'],
    [{ host: 'db', socketPath: '/run/mysqld/mysqld.sock' }, '/run/mysqld/mysqld.sock'],
    [driver.options('mysql://app:pw@DB:3310/main'), 'db:3310'],
    [{ uri: 'mysql://app@db:3310/main', port: 3311 }, 'db:3311'],
    [driver.options('mysql://app@[::1]:3306/main'), '[::1]:3306'],
    [{ host: '::1' }, '[::1]:3306'],
    [driver.options('mysql://app@localhost/main?socketPath=%2Ftmp%2Fmysql.sock'), '/tmp/mysql.sock'],
    [{ stream: new net.Socket() }, null],
  ];
  for (const [config, key] of cases) assert.equal(driver.targetKey(config), key, JSON.stringify(config.uri ?? config.host ?? config));
});

test('mysql2 reaches localhost over TCP, not the socket: localhost is a host like any other', async () => {
  const server = await hangingServer('silent');
  const core = mysql.createConnection({ host: 'localhost', port: server.port, connectTimeout: 200 });
  core.on('error', () => {});
  try {
    await new Promise((resolve) => core.stream.once('connect', resolve));
    assert.equal(core.stream.remotePort, server.port);
  } finally {
    core.destroy();
    await server.close();
  }
});

test('the pool: private fields, a connection opened synchronously with our connectTimeout, the queue', { timeout: 10_000 }, async () => {
  const server = await hangingServer('silent');
  const pool = mysql.createPool({ host: '127.0.0.1', port: server.port, connectionLimit: 1 });
  try {
    for (const field of ['_allConnections', '_freeConnections', '_connectionQueue']) {
      const queue = pool[field];
      assert.equal(queue.length, 0, field);
      for (const method of ['get', 'push', 'shift', 'removeOne']) assert.equal(typeof queue[method], 'function', `${field}.${method}`);
    }
    assert.deepEqual([pool._closed, pool.config.connectionLimit], [false, 1]);
    assert.equal(typeof pool.config.connectionConfig, 'object');
    assert.equal(driver.opensConnection(pool), true);

    // The connection getConnection() opens is in _allConnections when it returns, with our timeout.
    const controller = new AbortController();
    const outcome = new Promise((resolve) => {
      driver.openPooled(pool, pool.getConnection, { timeout: 5, signal: controller.signal }, (error, connection) => resolve({ error, connection }));
    });
    assert.equal(pool._allConnections.length, 1);
    const opening = pool._allConnections.get(0);
    assert.equal(opening.config.connectTimeout, 5000);
    assert.ok(opening.stream instanceof net.Socket);
    const closed = new Promise((resolve) => driver.onClose(opening, resolve));
    assert.equal(driver.opensConnection(pool), false, 'full');

    // Full: getConnection() queues the caller, telling 'enqueue' before it returns.
    let enqueued = false;
    pool.once('enqueue', () => {
      enqueued = true;
    });
    const queued = () => {};
    pool.getConnection(queued);
    assert.deepEqual([enqueued, pool._connectionQueue.length, pool._connectionQueue.get(0)], [true, 1, queued]);
    driver.dequeue(pool, queued);
    assert.equal(pool._connectionQueue.length, 0);

    // Cut off mid-connect: the callback gets the signal's reason, the pool drops the connection, its socket closes.
    const started = performance.now();
    controller.abort(driver.timedOut());
    const { error } = await outcome;
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual([error.code, error.syscall, pool._allConnections.length], ['ETIMEDOUT', 'connect', 0]);
    await closed;
  } finally {
    await new Promise((resolve) => pool.end(resolve));
    await server.close();
  }
});

// mysql2's own server side, answering every login: connections that open, for pool behaviour.
async function acceptingServer() {
  const server = mysql.createServer((connection) => {
    connection.on('error', () => {});
    connection.serverHandshake({
      protocolVersion: 10, serverVersion: '5.5.5-10.11.6-MariaDB', connectionId: 1, statusFlags: 2, characterSet: 33,
      capabilityFlags: 0xffffff, authCallback: (_params, done) => done(null, null),
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server._server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('the pool: \'release\' for a connection back with nobody queued; closeIdle takes the longest idle out (none of a closed pool), its socket closes', async () => {
  const server = await acceptingServer();
  const pool = mysql.createPool({ host: '127.0.0.1', port: server.port, user: 'app', connectionLimit: 2 });
  try {
    const get = () => new Promise((resolve, reject) => pool.getConnection((error, c) => (error ? reject(error) : resolve(c))));
    const [older, newer] = [await get(), await get()];
    const released = [];
    pool.on('release', (connection) => released.push(connection));
    older.release();
    newer.release();
    assert.deepEqual(released, [older, newer]);
    assert.equal(driver.closeIdle(pool), older, 'the longest idle');
    assert.deepEqual([pool._freeConnections.length, pool._allConnections.length, pool._allConnections.get(0)], [1, 1, newer]);
    await new Promise((resolve) => driver.onClose(older, resolve));
    assert.equal(driver.closeIdle(pool), newer);
    assert.equal(driver.closeIdle(pool), null, 'none idle');
    (await get()).release();
    const ended = new Promise((resolve) => pool.end(resolve));
    assert.deepEqual([driver.closeIdle(pool), pool._freeConnections.length], [null, 1], 'a closed pool: end() closes them');
    await ended;
    assert.equal(driver.onClose({ name: 'another driver\'s connection' }, () => {}), false, 'not a mysql2 connection');
  } finally {
    if (!pool._closed) await new Promise((resolve) => pool.end(resolve));
    await server.close();
  }
});

test('connect: cut off by its signal halfway through the handshake, whatever mysql2 times', async () => {
  // mysql2 before 3.24 stops its connect timer at the server's first byte: only the cut-off bounds this.
  const server = await hangingServer('greeting');
  try {
    const started = performance.now();
    const error = await driver.connect({ host: '127.0.0.1', port: server.port }, { timeout: 10, signal: AbortSignal.timeout(300) })
      .catch((e) => e);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(server.received > 0, 'the client answered the greeting: it was mid-handshake');
    assert.equal(error.name, 'TimeoutError', String(error)); // AbortSignal.timeout()'s reason, as given
    assert.ok(seconds >= 0.29 && seconds < 1, `cut off after ${seconds}s`);
  } finally {
    await server.close();
  }
});

test('mysql2/promise: PromiseConnection wraps a core connection; the pool\'s query rejects with the error it got', async () => {
  const core = mysql.createConnection({ stream: new net.Socket() });
  core.on('error', () => {});
  assert.equal(new mysqlPromise.PromiseConnection(core).connection, core);
  core.destroy();
  // error.connguard, set on the error getConnection() failed with, reaches the caller of pool.query()
  // (mysql2 >= 3.23; earlier versions copy a few fields into a new Error).
  const pool = mysqlPromise.createPool({ host: '127.0.0.1', port: 1 });
  const failure = new Error('refused');
  pool.pool.getConnection = (callback) => process.nextTick(callback, failure);
  try {
    assert.equal(await pool.query('SELECT 1').catch((e) => e), failure);
    assert.equal(await pool.execute('SELECT 1').catch((e) => e), failure);
  } finally {
    await pool.end();
  }
});
