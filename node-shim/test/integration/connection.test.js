'use strict';

const assert = require('node:assert/strict');
const net = require('node:net');
const { test } = require('node:test');
const { createConnection, giveUpInfo, parsePolicy } = require('../..');
const { endAll, holdAll, recordingLogger, server } = require('./server');

test('1045 fails on the first attempt, and no password appears anywhere', async () => {
  const { options, password } = server();
  const wrong = 'Wr0ng-pa55word-never-shown';
  const logger = recordingLogger();
  const error = await createConnection({ ...options, password: wrong }, { logger, service: 'api' }).catch((e) => e);
  assert.equal(error.errno, 1045, String(error));
  const info = giveUpInfo(error);
  assert.deepEqual([info.attempts, info.reason, info.errorClass], [1, 'fatal', 'fatal']);
  assert.equal(logger.lines.length, 1);
  const shown = [error.message, String(error), error.stack, info.summary, info.advice, ...logger.lines.map((l) => l.message)];
  for (const text of shown) {
    assert.ok(!text.includes(wrong) && !text.includes(password), text);
  }
  assert.match(logger.lines[0].message, new RegExp(`target=mysql://${options.user}@127\\.0\\.0\\.1:${options.port}/`));
});

test('a full server: createConnection waits until a connection frees', async () => {
  const { options } = server();
  const held = await holdAll();
  const logger = recordingLogger();
  const release = setTimeout(() => held.pop().end(), 500);
  try {
    const started = performance.now();
    const connection = await createConnection(options, { logger });
    const [[row]] = await connection.query('SELECT 1 AS one');
    assert.equal(row.one, 1);
    await connection.end();
    assert.ok(performance.now() - started < 30000, 'within the default deadline');
    assert.ok(logger.lines.length >= 1);
    assert.ok(logger.lines.every((l) => l.level === 'warn' && l.fields.connguard.code === 1040), JSON.stringify(logger.lines));
  } finally {
    clearTimeout(release);
    await endAll(held);
  }
});

test('a refused TCP connect is a network error, retried until max_attempts', async () => {
  const { options } = server();
  const closed = net.createServer();
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address();
  await new Promise((resolve) => closed.close(resolve));
  const policy = parsePolicy('[default]\nmax_attempts = 3\ninitial_delay = "10ms"\n');
  const logger = recordingLogger();
  const error = await createConnection({ ...options, port }, { policy, logger }).catch((e) => e);
  assert.equal(error.code, 'ECONNREFUSED');
  assert.deepEqual([giveUpInfo(error).attempts, giveUpInfo(error).reason, giveUpInfo(error).code], [3, 'attempts', null]);
  assert.match(logger.lines[0].message, /code=network \(transient\) attempt 1\/3/);
});

test('a TLS handshake that cannot succeed is 2026, fatal on the first attempt', async () => {
  const { options } = server();
  // The throwaway server has no TLS, or a self-signed certificate this client does not trust.
  const error = await createConnection({ ...options, ssl: { rejectUnauthorized: true } }, { logger: recordingLogger() })
    .catch((e) => e);
  assert.match(error.code, /^HANDSHAKE_(SSL_ERROR|NO_SSL_SUPPORT)$/, String(error));
  assert.deepEqual([giveUpInfo(error).code, giveUpInfo(error).reason, giveUpInfo(error).attempts], [2026, 'fatal', 1]);
});
