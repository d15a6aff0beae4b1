'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { formatDuration, parseDuration } = require('../..');

test('parseDuration reads the whole string as 1.2 says', () => {
  assert.equal(parseDuration('50ms'), 50 / 1000);
  assert.equal(parseDuration('1.5m'), 90);
  assert.equal(parseDuration('2s'), 2);
  for (const bad of ['30s\n', ' 30s', '.5s', '5.s', '30S', '1e3ms', '-1s', '30', '']) {
    assert.equal(parseDuration(bad), null, JSON.stringify(bad));
  }
  assert.equal(parseDuration(`${'9'.repeat(400)}s`), Infinity);
});

test('formatDuration picks the shortest exact unit, in fixed notation', () => {
  assert.equal(formatDuration(0.05), '50ms');
  assert.equal(formatDuration(120), '2m');
  assert.equal(formatDuration(1.5), '1.5s');
  assert.equal(formatDuration(0.0005), '0.5ms');
  assert.equal(formatDuration(1e-7), '0.0000001s', 'ms would not read back exactly');
  assert.throws(() => formatDuration(-1), RangeError);
});
