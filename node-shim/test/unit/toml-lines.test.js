'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { keyPositions } = require('../../lib/toml-lines');

const at = (positions, ...pathParts) => positions.get(JSON.stringify(pathParts));

test('headers, dotted and quoted keys, inline tables', () => {
  const text = [
    '[default]', // 1
    'max_attempts = 3 # x = 1', // 2
    '[service."a.b"]', // 3
    'x.y = { p = 1, "q" = { r = [1, 2] } }', // 4
    "[service.'lit']", // 5
    '  deadline = "5s"', // 6
  ].join('\n');
  const positions = keyPositions(text);
  assert.deepEqual(at(positions, 'default'), { line: 1, column: 2 });
  assert.deepEqual(at(positions, 'default', 'max_attempts'), { line: 2, column: 1 });
  assert.deepEqual(at(positions, 'service'), { line: 3, column: 2 });
  assert.deepEqual(at(positions, 'service', 'a.b'), { line: 3, column: 10 });
  assert.deepEqual(at(positions, 'service', 'a.b', 'x', 'y', 'q', 'r'), { line: 4, column: 24 });
  assert.deepEqual(at(positions, 'service', 'lit', 'deadline'), { line: 6, column: 3 });
  assert.equal(at(positions, 'default', 'x'), undefined, 'a comment is not a key');
});

test('multi-line strings and arrays hide what looks like keys', () => {
  const text = [
    '[default]', // 1
    'retry_on = [', // 2
    '  1205, # jitter = "none"', // 3
    ']', // 4
    'a = """', // 5
    'jitter = "x" \\"""', // 6
    '"""', // 7
    "b = '''", // 8
    "jitter = 1''''", // 9
    'jitter = "full"', // 10
  ].join('\n');
  assert.deepEqual(at(keyPositions(text), 'default', 'jitter'), { line: 10, column: 1 });
});
