'use strict';
// The shared conformance vectors (tests/vectors/*.json, docs/spec.md section 5).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test } = require('node:test');
const { Decision, Limiter, PolicyError, PolicySet, SplitMix64, classify } = require('..');

const VECTORS = path.resolve(__dirname, '../../tests/vectors');

function policyOf(c) {
  const set = PolicySet.parse(c.policy, 'vector.toml');
  return c.service === null ? set.defaults : set.service(c.service);
}

// Vector keys are the file's (snake_case); the policy's fields are camelCase.
const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

const RUNNERS = {
  'splitmix64.json'(c) {
    const outputs = new SplitMix64(c.seed);
    assert.deepEqual(c.outputs.map(() => String(outputs.next())), c.outputs);
    const units = new SplitMix64(BigInt(c.seed));
    assert.deepEqual(c.units.map(() => units.nextUnit()), c.units);
  },
  'classification.json'(c) {
    assert.equal(classify(c.code, policyOf(c)), c.class);
  },
  'effective_policy.json'(c) {
    const { service, ...policy } = policyOf(c);
    assert.equal(service, c.service ?? '');
    assert.deepEqual(Object.keys(policy).sort(), Object.keys(c.expect).map(camel).sort());
    const { limiter, ...expect } = c.expect;
    assert.deepEqual(policy.limiter, Object.fromEntries(Object.entries(limiter).map(([key, value]) => [camel(key), value])));
    for (const [key, expected] of Object.entries(expect)) {
      const got = policy[camel(key)];
      if (typeof expected === 'number' && !Number.isInteger(expected)) {
        assert.ok(Math.abs(got - expected) <= 1e-12, `${key}: ${got} != ${expected}`);
      } else {
        assert.deepEqual(got, expected, key);
      }
    }
  },
  'decision.json'(c) {
    const decision = new Decision(policyOf(c), BigInt(c.seed));
    c.steps.forEach((step, index) => {
      const where = `step ${index}`;
      if (step.success) {
        assert.equal(decision.afterSuccess(), step.expect.attempts, where);
        return;
      }
      const verdict = decision.afterFailure(step.fail, step.elapsed);
      if ('retry' in step.expect) {
        assert.equal(verdict.retry, true, where);
        assert.ok(Math.abs(verdict.delay - step.expect.retry) <= 1e-9, `${where}: ${verdict.delay} != ${step.expect.retry}`);
      } else {
        assert.equal(verdict.retry, false, where);
        assert.equal(verdict.reason, step.expect.give_up, where);
      }
    });
  },
  'limiter.json'(c) {
    const limiter = new Limiter(PolicySet.parse(c.policy, 'vector.toml').defaults, BigInt(c.seed));
    c.steps.forEach((step, index) => {
      const where = `step ${index} (${step.event} ${step.waiter ?? ''})`;
      const { granted, probeIn } = 'waiter' in step ? limiter[step.event](step.waiter) : limiter[step.event]();
      const { probe_in: expected, in_use: inUse, ...state } = step.expect;
      assert.deepEqual(
        { granted, limit: limiter.limit, holding: limiter.holding, inUse: limiter.inUse, queue: limiter.queue },
        { ...state, inUse },
        where,
      );
      if (expected === null) assert.equal(probeIn, null, where);
      else assert.ok(Math.abs(probeIn - expected) <= 1e-9, `${where}: probe in ${probeIn} != ${expected}`);
    });
  },
  'invalid_policy.json'(c) {
    assert.throws(() => policyOf(c), (error) => {
      assert.ok(error instanceof PolicyError, String(error));
      assert.deepEqual(
        { kind: error.kind, table: error.table, key: error.key, line: error.line },
        { kind: c.kind, table: c.table, key: c.key, line: c.line },
      );
      assert.ok(error.message.includes('vector.toml'), error.message);
      if (error.table) assert.ok(error.message.includes(`[${error.table}]`), error.message);
      assert.ok(error.message.includes(error.key), error.message);
      return true;
    });
  },
};

const files = fs.readdirSync(VECTORS).filter((name) => name.endsWith('.json')).sort();

test('every vector file has a runner', () => {
  assert.deepEqual(files, Object.keys(RUNNERS).sort());
});

for (const file of files) {
  const { cases } = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'));
  describe(file, () => {
    for (const c of cases) test(c.name, () => RUNNERS[file](c));
  });
}
