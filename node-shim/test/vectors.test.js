'use strict';
// The shared conformance vectors (tests/vectors/*.json, docs/spec.md section 5).

const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test } = require('node:test');
const {
  CHANNELS, Call, CallError, Decision, Limiter, Metrics, PolicyError, PolicySet, QueueTimeoutError, SplitMix64, classify, codeInfo, maskDsn, retryCall,
} = require('..');
const CODES = require('../lib/codes');
const { Reporter, giveUpLine, giveUpSummary } = require('../lib/report');
const { resetGates, setTesting } = require('../testing');
const codesScript = require('../scripts/codes');
const { recordingLogger, scripted } = require('./unit/fakes');

const VECTORS = path.resolve(__dirname, '../../tests/vectors');

function policyOf(c) {
  const set = PolicySet.parse(c.policy, 'vector.toml');
  return c.service === null ? set.defaults : set.service(c.service);
}

// Vector keys are the file's (snake_case); the policy's fields are camelCase.
const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// Numbers to 1e-9 (spec 5), everything else exactly, keys and all.
function assertClose(actual, expected, where) {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-9, `${where}: ${actual} != ${expected}`);
  } else if (typeof expected === 'object' && expected !== null) {
    assert.ok(typeof actual === 'object' && actual !== null && Array.isArray(actual) === Array.isArray(expected),
      `${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), where);
    for (const key of Object.keys(expected)) assertClose(actual[key], expected[key], `${where}.${key}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

// events.json: a gated call's target (a password, masked in events), and the server its gate is keyed by.
const TARGET = 'mysql://app:s3cret@db:3306/main';
const SERVER = 'db:3306';

/**
 * The events the runner emits (retryCall, with a fake connect answering by
 * `script`, in test mode), as the vector has them: `[name, fields]` without
 * times and labels; the labels are checked here.
 */
async function observeEvents(policy, gated, script) {
  const seen = [];
  const onEvent = (message) => {
    const { name, service, target, server, waited, elapsed, ...fields } = message;
    if (name === 'released' || name === 'limit') assert.equal(server, SERVER, name);
    else assert.deepEqual([service, target], ['default', gated ? maskDsn(TARGET) : '-'], name);
    if (typeof fields.delay === 'number') fields.delay = 'sleep';
    seen.push([name, fields]);
  };
  const { connect, onClose, left } = scripted(script);
  for (const name of Object.values(CHANNELS)) dc.subscribe(name, onEvent);
  setTesting(true);
  resetGates();
  try {
    const connection = await retryCall(policy, connect, { target: gated ? TARGET : undefined, onClose, logger: recordingLogger() })
      .catch(() => null);
    if (left[0] === 'close') {
      left.shift();
      connection.close();
    }
  } finally {
    setTesting(false);
    for (const name of Object.values(CHANNELS)) dc.unsubscribe(name, onEvent);
  }
  assert.deepEqual(left, [], 'the script was played to its end');
  return seen;
}

/**
 * metrics.json: the in-memory Metrics' snapshot of `events` (each a message as
 * its channel carries it), published where calls and gates publish them, so
 * the events Metrics does not subscribe to are fed too. The limiter's gauges
 * are the gates' state, not counted from events: left out (spec 8.2).
 */
function countedSnapshot(events) {
  const metrics = new Metrics().start();
  try {
    for (const event of events) dc.channel(CHANNELS[event.name]).publish(event);
  } finally {
    metrics.stop();
  }
  return metrics.snapshot().filter((s) => !s.name.startsWith('connguard_limiter_'));
}

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
  'call.json'(c) {
    const call = new Call(policyOf(c), BigInt(c.seed), c.gated);
    // Everything the call holds, its generator included: a refused event changes none of it.
    const state = () => JSON.stringify(call, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    c.steps.forEach((step, index) => {
      const where = `step ${index} (${step.event})`;
      const feed = () => {
        if (step.event === 'start') return call.start();
        if (step.event === 'failed') return call.failed(step.t, step.code);
        return call[step.event](step.t);
      };
      if ('error' in step.expect) {
        const before = state();
        assert.throws(feed, CallError, where);
        assert.equal(state(), before, `${where}: refused, yet changed`);
      } else {
        assertClose(feed(), step.expect, where);
      }
    });
  },
  async 'events.json'(c) {
    assert.deepEqual(await observeEvents(policyOf({ ...c, service: null }), c.gated, c.script), c.events);
  },
  'metrics.json'(c) {
    const counted = countedSnapshot(c.events);
    // Every series exactly, in order (bounds as numbers, "+Inf" last), but `sum` to 1e-9.
    const withoutSum = (series) => series.map(({ sum, ...s }) => ({ ...s, hasSum: sum !== undefined }));
    assert.deepEqual(withoutSum(counted), withoutSum(c.snapshot));
    c.snapshot.forEach((expected, i) => {
      if (expected.sum !== undefined) {
        assert.ok(Math.abs(counted[i].sum - expected.sum) <= 1e-9, `${expected.name} sum: ${counted[i].sum} != ${expected.sum}`);
      }
    });
  },
  'error_codes.json'(c) {
    const { code, symbol, class: errorClass, meaning, advice } = c;
    assert.deepEqual(codeInfo(code), { code, name: symbol, errorClass, meaning, advice });
    assert.equal(classify(code), errorClass);
  },
  'report.json'(c) {
    const { service, target, fields, message, expect } = c;
    const logger = recordingLogger();
    const reporter = new Reporter({ logger, service, target });
    if (c.record === 'retry') {
      reporter.retry(fields, new Error(message));
      assert.deepEqual(logger.lines.map((line) => line.message), [expect.line]);
    } else if (c.record === 'give_up' && fields.attempted) {
      const error = new Error(message);
      assert.equal(reporter.giveUp(fields, error, null), error);
      assert.deepEqual(logger.lines.map((line) => line.message), [expect.line]);
      assert.equal(error.connguard.summary, expect.summary);
    } else if (c.record === 'give_up') {
      // The message a caller that never attempted ends with is the queue_timeout record's.
      assert.equal(giveUpLine(service, target, fields, message), expect.line);
      assert.equal(giveUpSummary(service, target, fields), expect.summary);
    } else {
      assert.equal(new QueueTimeoutError({ target, ...fields }).message, expect.line);
    }
  },
  'mask.json'(c) {
    assert.equal(maskDsn(c.text), c.expect);
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

test('error_codes.json: the table holds exactly these entries, and lib/codes.js is up to date', () => {
  const { cases } = JSON.parse(fs.readFileSync(path.join(VECTORS, 'error_codes.json'), 'utf8'));
  assert.deepEqual(CODES, cases.map(({ name, ...entry }) => entry));
  assert.equal(fs.readFileSync(codesScript.TARGET, 'utf8'), codesScript.expected(), 'stale: run node scripts/codes.js');
});

for (const file of files) {
  const { cases } = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'));
  describe(file, () => {
    for (const c of cases) test(c.name, () => RUNNERS[file](c));
  });
}
