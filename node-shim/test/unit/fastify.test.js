'use strict';
// connguard/fastify without a database: its plugin metadata, and a startup
// bounded by Fastify's plugin timeout (servers that never answer, or refuse).

const assert = require('node:assert/strict');
const net = require('node:net');
const { test } = require('node:test');
const { setTimeout: sleep } = require('node:timers/promises');
const Fastify = require('fastify');
const { giveUpInfo, parsePolicy } = require('../..');
const connguardMysql = require('../../lib/fastify');
const { recordingLogger } = require('./fakes');
const { hangingServer } = require('./hanging-server');

test("registers as @fastify/mysql, with fastify-plugin's metadata, under both export names", () => {
  assert.deepEqual(connguardMysql[Symbol.for('plugin-meta')], { fastify: '4.x || 5.x', name: '@fastify/mysql' });
  assert.equal(connguardMysql[Symbol.for('skip-override')], true); // fastify.mysql is visible outside it
  for (const name of ['default', 'connguardMysql', 'fastifyMysql']) assert.equal(connguardMysql[name], connguardMysql, name);
});

test("a startup the server never answers gives up before Fastify's pluginTimeout, and closes its sockets", async () => {
  const server = await hangingServer('greeting');
  const logger = recordingLogger();
  const fastify = Fastify({ pluginTimeout: 2000 });
  try {
    fastify.register(connguardMysql, { promise: true, host: '127.0.0.1', port: server.port, logger }); // deadline 30s
    const error = await fastify.ready().then(() => assert.fail('started'), (e) => e);
    // connguard's give-up, not Fastify's FST_ERR_PLUGIN_TIMEOUT: the startup ended first.
    assert.equal(error.code, 'ETIMEDOUT', String(error));
    assert.equal(giveUpInfo(error).reason, 'deadline');
    assert.match(logger.lines[0].message, /startup gives up after 1\.8s, before Fastify's pluginTimeout \(2000 ms\), not at the policy deadline \(30s\)/);
    assert.ok(server.accepted >= 1);
    // The client's close reaches the server a moment later.
    for (let i = 0; i < 100 && server.open() > 0; i += 1) await sleep(50);
    assert.equal(server.open(), 0, 'every attempt closed its socket');
  } finally {
    await fastify.close();
    await server.close();
  }
});

test('a Fastify that does not tell its pluginTimeout: said at registration', async () => {
  // A port nobody listens on: the one attempt max_attempts allows is refused.
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  const logger = recordingLogger();
  const hooks = [];
  const instance = { initialConfig: {}, log: logger, addHook: (name, hook) => hooks.push([name, hook]) };
  const policy = parsePolicy('[default]\nmax_attempts = 1\n');
  await assert.rejects(connguardMysql(instance, { promise: true, host: '127.0.0.1', port, policy, logger }), { code: 'ECONNREFUSED' });
  assert.match(logger.lines[0].message, /this Fastify does not tell its pluginTimeout; startup retries until the policy deadline \(30s\)/);
  assert.deepEqual(hooks.map(([name]) => name), ['onClose']);
  await hooks[0][1](); // closing the instance after the failed startup ends nothing twice
});
