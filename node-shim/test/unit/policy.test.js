'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { DEFAULT_POLICY, PolicyError, PolicySet, loadPolicy, parsePolicy, resolvePolicy } = require('../..');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'connguard-policy-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name, text) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function rejects(fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    return error;
  }
  assert.fail('no PolicyError');
}

test('loadPolicy reads a file: service over [default] over built-ins', () => {
  const file = write('ok.toml', '[default]\nmax_attempts = 4\n\n[service.api]\ndeadline = "2m"\nretry_on = [1205]\n');
  const api = loadPolicy(file, { service: 'api' });
  assert.equal(api.service, 'api');
  assert.equal(api.maxAttempts, 4);
  assert.equal(api.deadline, 120);
  assert.deepEqual(api.retryOn, [1205]);
  assert.equal(api.connectTimeout, DEFAULT_POLICY.connectTimeout);
  assert.equal(loadPolicy(file).service, '');
  assert.ok(Object.isFrozen(api));
});

test('a message reads FILE:LINE: [TABLE] KEY: PROBLEM (allowed: ALLOWED)', () => {
  const file = write('bad.toml', '[default]\n\n[service.api]\nmax_attempts = 0\n');
  const error = rejects(() => loadPolicy(file, { service: 'api' }));
  assert.equal(error.message, `${file}:4: [service.api] max_attempts: 0 is out of range (allowed: an integer from 1 to 1000)`);
  assert.deepEqual([error.kind, error.line, error.table, error.key], ['out_of_range', 4, 'service.api', 'max_attempts']);
});

test('unknown_service has no line or key and lists the services defined', () => {
  const error = rejects(() => parsePolicy('[service.a]\n[service.b]\n', { service: 'c', file: 'p.toml' }));
  assert.equal(error.message, 'p.toml: [service.c] no such service in the policy file (allowed: a, b)');
  assert.equal(rejects(() => parsePolicy('', { service: 'c' })).allowed, 'none; the file defines no [service.NAME] table');
});

test('an unreadable file is kind io, named as given', () => {
  const missing = path.join(tmp, 'missing.toml');
  const error = rejects(() => loadPolicy(missing));
  assert.equal(error.kind, 'io');
  assert.equal(error.message, `${missing}: cannot read the file: no such file or directory (allowed: a readable TOML file)`);
});

test('a file that is not UTF-8 is a syntax error on its line, found before any other', () => {
  const file = path.join(tmp, 'latin1.toml');
  fs.writeFileSync(file, Buffer.concat([Buffer.from('[default]\nx = 1\nx = 2\n'), Buffer.from([0x23, 0xe9, 0x0a])]));
  const error = rejects(() => loadPolicy(file));
  assert.deepEqual([error.kind, error.line], ['syntax', 4]);
});

test('one BOM may open a file; a second is a syntax error', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const one = write('bom.toml', Buffer.concat([bom, Buffer.from('[default]\nmax_attempts = 3\n')]));
  assert.equal(loadPolicy(one).maxAttempts, 3);
  const two = write('bom2.toml', Buffer.concat([bom, bom, Buffer.from('[default]\n')]));
  assert.deepEqual([rejects(() => loadPolicy(two)).kind, rejects(() => loadPolicy(two)).line], ['syntax', 1]);
});

test('a control character in a key is escaped, and the message is whole', () => {
  const error = rejects(() => parsePolicy('[default]\n"a\\u0000b" = 1\n', { file: 'p.toml' }));
  assert.equal(error.key, 'a\0b');
  assert.match(error.message, /^p\.toml:2: \[default\] a\\u0000b: unknown key \(allowed: .+ limiter\)$/);
});

test('floats in messages read as in every language', () => {
  const problem = (value) => rejects(() => parsePolicy(`[default]\nmultiplier = ${value}\n`)).problem;
  assert.equal(problem('-0.0'), '-0 is out of range');
  assert.equal(problem('-1e21'), '-1e+21 is out of range');
  assert.equal(problem('1.5e-7'), '1.5e-7 is out of range');
});

test('a syntax error names the line smol-toml reports, at the top level', () => {
  const error = rejects(() => parsePolicy('[default]\njitter = "full\n', { file: 's.toml' }));
  assert.deepEqual([error.kind, error.line, error.table, error.key], ['syntax', 2, '', '']);
  assert.match(error.message, /^s\.toml:2: .+ \(allowed: a valid TOML v1\.0 document\)$/);
});

test('the problem words match the engine: bare numbers, strings shown quoted on one line', () => {
  assert.match(rejects(() => parsePolicy('[default]\ndeadline = 2.5\n')).problem, /^bare number 2\.5 has no unit; write a string with a unit, e\.g\. "250ms"$/);
  assert.equal(rejects(() => parsePolicy('[default]\ndeadline = "5\\ns"\n')).problem, '"5\\u000As" is not a duration');
  assert.equal(rejects(() => parsePolicy('[default]\nmax_delay = "10ms"\ninitial_delay = "1s"\n')).problem, '10ms is less than initial_delay 1s');
  assert.equal(rejects(() => parsePolicy('[default]\nretry_on = [1, 2020-01-01]\n')).problem, 'expected integer elements, got a date');
});

test('integer-like service names keep file order for "the first problem found"', () => {
  const error = rejects(() => parsePolicy('[service.b]\nx = 1\n[service.10]\ny = 1\n'));
  assert.deepEqual([error.table, error.key, error.line], ['service.b', 'x', 2]);
});

test('resolvePolicy: explicit policy, else $CONNGUARD_POLICY for the service, re-read when changed', (t) => {
  const saved = { ...process.env };
  t.after(() => {
    process.env = saved;
  });
  const explicit = parsePolicy('[default]\nmax_attempts = 2\n');
  assert.equal(resolvePolicy(explicit, 'x'), explicit);
  delete process.env.CONNGUARD_POLICY;
  assert.equal(resolvePolicy(undefined, 'x'), DEFAULT_POLICY);

  const file = write('env.toml', '[service.worker]\nmax_attempts = 3\n');
  process.env.CONNGUARD_POLICY = file;
  process.env.CONNGUARD_SERVICE = 'worker';
  assert.equal(resolvePolicy().maxAttempts, 3);
  assert.equal(resolvePolicy(null, 'worker'), resolvePolicy(), 'cached while unchanged');
  fs.writeFileSync(file, '[service.worker]\nmax_attempts = 7\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal(resolvePolicy().maxAttempts, 7);
  assert.equal(rejects(() => resolvePolicy(null, 'other')).kind, 'unknown_service');
});

test('PolicySet keeps every service in file order', () => {
  const set = PolicySet.parse('[service.z]\n[default]\njitter = "none"\n[service.a]\n');
  assert.deepEqual([...set.services.keys()], ['z', 'a']);
  assert.equal(set.service('z').jitter, 'none');
});
