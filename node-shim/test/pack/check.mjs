// Run by pack.test.js in a fresh project that installed the packed tarball: the ESM entries.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import connguard, { createConnection, createPool, giveUpInfo, loadPolicy, parsePolicy, PolicyError } from 'connguard';
import connguardMysql, { connguardMysql as named, fastifyMysql } from 'connguard/fastify';
import { resetGates, setTesting } from 'connguard/testing';

const require = createRequire(import.meta.url);
const POLICY = '[default]\nmax_attempts = 1\n\n[service.webui]\ndeadline = "3s"\n';

for (const fn of [createConnection, createPool, giveUpInfo, loadPolicy, parsePolicy]) assert.equal(typeof fn, 'function');
assert.equal(connguard, require('connguard'));
assert.equal(connguardMysql, require('connguard/fastify'));
assert.equal(named, connguardMysql);
assert.equal(fastifyMysql, connguardMysql);
assert.equal(setTesting, require('connguard/testing').setTesting);
assert.equal(resetGates, require('connguard/testing').resetGates);

assert.equal(parsePolicy(POLICY, { service: 'webui' }).deadline, 3);
const file = fileURLToPath(new URL('connguard.toml', import.meta.url));
writeFileSync(file, POLICY);
assert.equal(loadPolicy(file, { service: 'webui' }).maxAttempts, 1);
assert.throws(() => parsePolicy('[default]\nmax_attempts = "x"\n'), PolicyError);

// createPool connects lazily: no database needed to build one with mysql2 and close it.
const pool = createPool({ host: '127.0.0.1', connectionLimit: 1 }, { policy: parsePolicy(POLICY) });
await pool.end();
console.log('check.mjs: ok');
