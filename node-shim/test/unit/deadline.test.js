'use strict';
// A server that accepts connections and never answers costs a caller at most
// the policy's deadline (docs/spec.md 7, the attempt's cap): every entry point
// gives up with the network timeout, reason deadline, within deadline + 10%.

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');
const Fastify = require('fastify');
const { createConnection, createPool, giveUpInfo, parsePolicy } = require('../..');
const connguardMysql = require('../../lib/fastify');
const { recordingLogger } = require('./fakes');
const { hangingServer } = require('./hanging-server');

// Attempts at 0, 1.1 and 2.3 s, capped at 1, 1 and 0.7 s (what the deadline leaves).
const policy = parsePolicy('[default]\ndeadline = "3s"\nconnect_timeout = "1s"\njitter = "none"\ninitial_delay = "100ms"\n');

const ENTRIES = {
  createConnection: (options, logger) => createConnection(options, { policy, logger }),
  'createPool().getConnection()': async (options, logger) => {
    const pool = createPool(options, { policy, logger });
    try {
      return await pool.getConnection();
    } finally {
      await pool.end();
    }
  },
  'createPool().query()': async (options, logger) => {
    const pool = createPool(options, { policy, logger });
    try {
      return await pool.query('SELECT 1');
    } finally {
      await pool.end();
    }
  },
  'connguard/fastify (pool)': (options, logger) => {
    const fastify = Fastify();
    fastify.register(connguardMysql, { promise: true, ...options, policy, logger });
    return fastify.ready();
  },
  'connguard/fastify (connection)': (options, logger) => {
    const fastify = Fastify();
    fastify.register(connguardMysql, { promise: true, type: 'connection', ...options, policy, logger });
    return fastify.ready();
  },
};

// Each case has a server (so a gate) of its own: they run at once.
describe('a server that never answers', { concurrency: true }, () => {
  for (const kind of ['silent', 'greeting']) {
    for (const [name, connect] of Object.entries(ENTRIES)) {
      test(`${name}, ${kind}: gives up at the deadline with the network timeout`, { timeout: 10_000 }, async () => {
        const server = await hangingServer(kind);
        const logger = recordingLogger();
        try {
          const started = performance.now();
          const error = await connect({ host: '127.0.0.1', port: server.port }, logger).then(
            () => assert.fail('connected to a server that never answers'),
            (e) => e,
          );
          const elapsed = (performance.now() - started) / 1000;
          assert.ok(elapsed >= 2.9 && elapsed <= 3.3, `gave up after ${elapsed}s`);
          assert.equal(error.code, 'ETIMEDOUT', String(error));
          const info = giveUpInfo(error);
          assert.deepEqual([info.reason, info.code, info.errorClass, info.attempts], ['deadline', null, 'transient', 3]);
          assert.equal(server.accepted, 3);
          if (kind === 'greeting') assert.ok(server.received > 0, 'each client answered the greeting');
          const lines = logger.lines.map((line) => line.message);
          assert.equal(lines.length, 3, lines.join('\n'));
          assert.match(lines[0], /code=network \(transient\) attempt 1\/10, next in 0\.100s: connect ETIMEDOUT$/);
          assert.match(lines[2], /^connguard gave up after 3 attempts in 3\.\d{3}s \(reason: deadline; last error network, transient;/);
        } finally {
          await server.close();
        }
      });
    }
  }
});
