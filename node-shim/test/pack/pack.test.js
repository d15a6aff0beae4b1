'use strict';
// What a user gets from `npm pack`: a fresh project installs the tarball and
// uses it from CommonJS (check.cjs), ESM (check.mjs) and TypeScript (check.ts
// as CommonJS, check.mts as an ES module).
// Needs the npm registry (or npm's cache) for mysql2, fastify and typescript.

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, test } = require('node:test');

const SHIM = path.resolve(__dirname, '../..');
const FIXTURES = ['check.cjs', 'check.mjs', 'check.ts', 'check.mts', 'type-error.ts', 'tsconfig.json', 'tsconfig.error.json'];
const TIMEOUT = 300_000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'connguard-pack-'));
const project = path.join(tmp, 'project');
let packed;

// `npm --prefix node-shim run` hands its prefix to scripts; the nested npm must use its own.
const env = Object.fromEntries(Object.entries(process.env)
  .filter(([key]) => !/^npm_config_(prefix|global_prefix|local_prefix|globalconfig)$/i.test(key)));

function run(command, args, cwd = project) {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT });
}

function ok(command, args, cwd) {
  const result = run(command, args, cwd);
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}${result.error ?? ''}`);
  return result.stdout;
}

function npm(args, cwd) {
  return ok('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);
}

// The versions the shim's own tests run against.
function locked(name) {
  return `${name}@${require('../../package-lock.json').packages[`node_modules/${name}`].version}`;
}

const tsc = (config) => run(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', config]);

before(() => {
  [packed] = JSON.parse(npm(['pack', SHIM, '--pack-destination', tmp, '--json'], tmp));
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true }));
  for (const name of FIXTURES) fs.copyFileSync(path.join(__dirname, name), path.join(project, name));
  npm(['install', '--prefer-offline', path.join(tmp, packed.filename),
    ...['mysql2', 'fastify', 'typescript', '@types/node'].map(locked)], project);
}, { timeout: TIMEOUT });

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the tarball holds the runtime, README.md and LICENSE, and may be published', () => {
  const lib = fs.readdirSync(path.join(SHIM, 'lib'), { recursive: true })
    .filter((name) => name.endsWith('.js')).map((name) => `lib/${name}`);
  const expected = ['LICENSE', 'README.md', 'package.json', 'index.js', 'index.mjs', 'index.d.ts',
    'fastify.mjs', 'fastify.d.ts', 'fastify.d.mts', 'testing.js', 'testing.mjs', 'testing.d.ts', ...lib];
  assert.deepEqual(packed.files.map((file) => file.path).sort(), expected.sort());
  assert.deepEqual(fs.readFileSync(path.join(project, 'node_modules/connguard/LICENSE')),
    fs.readFileSync(path.join(SHIM, '../LICENSE')));
  assert.equal(require('../../package.json').private, undefined);
});

test('require() loads connguard, connguard/fastify and connguard/testing; without OpenTelemetry nothing listens', () => {
  assert.match(ok(process.execPath, ['check.cjs']), /check\.cjs: ok/);
});

test('import loads connguard, connguard/fastify and connguard/testing', () => {
  assert.match(ok(process.execPath, ['check.mjs']), /check\.mjs: ok/);
});

test('tsc (strict, nodenext) accepts correct use of the entries, from CommonJS and ES modules', () => {
  const result = tsc('tsconfig.json');
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('tsc rejects a wrong type given to connguard', () => {
  const result = tsc('tsconfig.error.json');
  assert.notEqual(result.status, 0);
  // The one error is the deliberate one, not, say, a module that did not resolve.
  assert.deepEqual(result.stdout.match(/error TS\d+/g), ['error TS2322'], result.stdout);
  assert.match(result.stdout, /^type-error\.ts\(4,/m);
});
