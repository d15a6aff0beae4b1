'use strict';
// The adoption docs/node.md shows as diffs: examples/adoption/node/webui holds
// a small Fastify app as CLP's webui server has it, on @fastify/mysql
// (before/), and the same app on connguard/fastify (after/). Each is compiled
// by tsc with CLP's compiler options, started as CLP's main.ts starts it, and
// queried through its routes against the test server.

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const { pathToFileURL } = require('node:url');
const Fastify = require('fastify');
const fp = require('fastify-plugin');
const { createConnection } = require('../..');
const { endAll, holdAll, recordingLogger, server } = require('./server');

const SHIM = path.resolve(__dirname, '../..');
const EXAMPLE = path.resolve(SHIM, '../examples/adoption/node/webui');
const VARIANTS = ['before', 'after'];

// components/webui/packages/server/tsconfig.json's options (its lib list and baseUrl left out).
const TSCONFIG = {
  compilerOptions: {
    esModuleInterop: true,
    module: 'nodenext',
    moduleResolution: 'node16',
    outDir: 'dist',
    rootDir: 'src',
    skipLibCheck: true,
    target: 'ES2024',
    exactOptionalPropertyTypes: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    noUncheckedIndexedAccess: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    strict: true,
  },
  include: ['src/**/*'],
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'connguard-adoption-'));
const apps = {}; // variant -> its compiled app.js's default export, serviceApp

// A project (an ES module package, as CLP's server is) whose node_modules are
// the shim's own, and connguard the shim.
before(async () => {
  const modules = path.join(tmp, 'node_modules');
  fs.mkdirSync(modules);
  fs.symlinkSync(SHIM, path.join(modules, 'connguard'));
  for (const name of fs.readdirSync(path.join(SHIM, 'node_modules'))) {
    if (!name.startsWith('.')) fs.symlinkSync(path.join(SHIM, 'node_modules', name), path.join(modules, name));
  }
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'webui', private: true, type: 'module' }));
  for (const variant of VARIANTS) {
    const dir = path.join(tmp, variant);
    fs.cpSync(path.join(EXAMPLE, variant), path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const tsc = spawnSync(process.execPath, [path.join(SHIM, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc ${variant}:\n${tsc.stdout}${tsc.stderr}`);
  }
  const { options } = server();
  Object.assign(process.env, {
    CLP_DB_HOST: options.host, CLP_DB_PORT: String(options.port), CLP_DB_NAME: options.database,
    CLP_DB_USER: options.user, CLP_DB_PASS: options.password,
  });
  for (const variant of VARIANTS) {
    apps[variant] = (await import(pathToFileURL(path.join(tmp, variant, 'dist/app.js')).href)).default;
  }
  const db = await createConnection(options, { logger: recordingLogger() });
  await db.query('CREATE TABLE IF NOT EXISTS query_jobs (id INT AUTO_INCREMENT PRIMARY KEY, job_config VARBINARY(1024), type INT)');
  await db.end();
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The app as CLP's main.ts builds it (fp(serviceApp), so its error handling is the root's); not started yet. */
function create(variant) {
  const app = Fastify({ logger: { level: 'silent' } });
  app.register(fp(apps[variant]));
  return app;
}

// A job submitted through one route, and counted through the other.
async function submitAndCount(app) {
  const submitted = await app.inject({ method: 'POST', url: '/api/search/query', payload: { dataset: 'default' } });
  assert.equal(submitted.statusCode, 200, submitted.body);
  const { jobId } = submitted.json();
  assert.ok(Number.isInteger(jobId) && jobId > 0, submitted.body);
  const queryString = `SELECT CAST(job_config AS CHAR) AS config FROM query_jobs WHERE id = ${jobId}`;
  const rows = await app.inject({ method: 'POST', url: '/api/archive-metadata/sql', payload: { queryString } });
  assert.deepEqual(rows.json(), [{ config: '{"dataset":"default"}' }]);
}

describe('the webui example', () => {
  for (const variant of VARIANTS) {
    test(`${variant}: starts and answers while the server has room`, async () => {
      const app = create(variant);
      try {
        await app.ready();
        await submitAndCount(app);
      } finally {
        await app.close();
      }
    });
  }

  test('before: started while the server is full, fails with 1040', async () => {
    const held = await holdAll();
    const app = create('before');
    try {
      const error = await app.ready().then(() => assert.fail('started on a full server'), (e) => e);
      assert.equal(error.errno, 1040, String(error));
    } finally {
      await endAll(held);
      await app.close();
    }
  });

  test('after: started while the server is full, starts once a connection frees, and answers', async () => {
    const held = await holdAll();
    const release = setTimeout(() => held.pop().end(), 500);
    const app = create('after');
    try {
      await app.ready();
      await submitAndCount(app);
    } finally {
      clearTimeout(release);
      await app.close();
      await endAll(held);
    }
  });
});
