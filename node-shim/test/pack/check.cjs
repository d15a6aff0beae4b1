'use strict';
// Run by pack.test.js in a fresh project that installed the packed tarball: the CommonJS entries.
const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const connguard = require('connguard');
const connguardMysql = require('connguard/fastify');
const testing = require('connguard/testing');

const POLICY = '[default]\nmax_attempts = 1\n\n[service.webui]\ndeadline = "3s"\n';

async function main() {
  for (const name of ['createPool', 'createConnection', 'retryCall', 'loadPolicy', 'parsePolicy', 'giveUpInfo']) {
    assert.equal(typeof connguard[name], 'function', name);
  }
  assert.equal(typeof connguardMysql, 'function');
  assert.equal(connguardMysql.connguardMysql, connguardMysql);
  assert.equal(connguardMysql.fastifyMysql, connguardMysql);
  assert.equal(connguardMysql[Symbol.for('plugin-meta')].name, '@fastify/mysql'); // by fastify-plugin, a dependency
  assert.deepEqual(Object.keys(testing).sort(), ['resetGates', 'setTesting']);
  // @opentelemetry/api is not installed here: no channel has a subscriber, so no event is ever built.
  for (const name of Object.values(connguard.CHANNELS)) assert.equal(dc.channel(name).hasSubscribers, false, name);

  assert.equal(connguard.parsePolicy(POLICY, { service: 'webui' }).deadline, 3);
  const file = path.join(__dirname, 'connguard.toml');
  fs.writeFileSync(file, POLICY);
  const policy = connguard.loadPolicy(file);
  assert.equal(policy.maxAttempts, 1);
  assert.throws(() => connguard.parsePolicy('[default]\nmax_attempts = "x"\n'), connguard.PolicyError);

  // mysql2, the peer dependency, is found: a refused connect is mysql2's error, given up on per the policy.
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  const silent = { warn() {}, error() {} };
  await assert.rejects(connguard.createConnection({ host: '127.0.0.1', port }, { policy, logger: silent }),
    (error) => error.code === 'ECONNREFUSED' && connguard.giveUpInfo(error).attempts === 1);

  // Test mode caps the attempts; the metrics count them.
  testing.setTesting(true, { attempts: 2 });
  testing.resetGates();
  const metrics = new connguard.Metrics().start();
  const twice = connguard.parsePolicy('[default]\nmax_attempts = 5\n');
  await assert.rejects(connguard.createConnection({ host: '127.0.0.1', port }, { policy: twice, logger: silent }),
    (error) => connguard.giveUpInfo(error).attempts === 2);
  const attempts = metrics.snapshot().find((series) => series.name === 'connguard_attempts_total');
  assert.equal(attempts.value, 2);
  metrics.stop();
  testing.setTesting(false);
  console.log('check.cjs: ok');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
