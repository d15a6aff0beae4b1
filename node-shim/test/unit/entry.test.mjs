// The ESM entries re-export the CommonJS ones.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as esm from 'connguard';
import connguardMysql from 'connguard/fastify';

const require = createRequire(import.meta.url);

test('import and require give the same API', () => {
  const cjs = require('connguard');
  assert.deepEqual(Object.keys(esm).filter((name) => name !== 'default').sort(), Object.keys(cjs).sort());
  for (const name of Object.keys(cjs)) assert.equal(esm[name], cjs[name], name);
  assert.equal(connguardMysql, require('connguard/fastify'));
  assert.equal(connguardMysql[Symbol.for('skip-override')], true);
});
