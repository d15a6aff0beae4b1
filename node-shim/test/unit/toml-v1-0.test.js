'use strict';
// The TOML v1.0 and limits of docs/spec.md 1.3 kept around smol-toml, which
// parses TOML 1.1 and integers past 64 bits (lib/toml-v1-0.js).

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { PolicyError, parsePolicy } = require('../..');
const { parse } = require('smol-toml');
const { firstBeyondToml10 } = require('../../lib/toml-v1-0');

function syntaxLine(text) {
  try {
    parsePolicy(text);
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    assert.deepEqual([error.kind, error.table, error.key], ['syntax', '', ''], error.message);
    return error.line;
  }
  return assert.fail(`accepted: ${JSON.stringify(text)}`);
}

test('what TOML 1.1 added is a syntax error where a TOML v1.0 parser stops', () => {
  for (const [text, line] of [
    ['[default]\nlimiter = {\n  enabled = false\n}\n', 2],
    ['[service]\napi = { max_attempts = 3, }\n', 2],
    ['[service]\napi = { max_attempts = 3 # three\n}\n', 2],
    ['[default]\njitter = "\\e"\n', 2],
    ['[default]\njitter = """\n\\x66ull"""\n', 3],
    ['[service."a\\e"]\n', 1],
    ['[default]\ndeadline = 07:32\n', 2],
    ['[default]\ndeadline = 1979-05-27 07:32\n', 2],
    // The first problem in the text, whichever TOML it breaks.
    ['[default]\nmax_attempts = 3\nmax_attempts = 4\njitter = "\\e"\n', 3],
    ['[default]\njitter = "\\e"\nmax_attempts = 3\nmax_attempts = 4\n', 2],
  ]) {
    assert.equal(syntaxLine(text), line, JSON.stringify(text));
  }
});

test('numbers: 64 bits, a finite double, 126 characters; dates and times that exist', () => {
  for (const text of [
    '[default]\nmultiplier = 9223372036854775808\n',
    '[default]\nretry_on = [-9223372036854775809]\n',
    '[default]\nmultiplier = 0x8000_0000_0000_0000\n',
    '[default]\nmultiplier = 1e309\n',
    `[default]\nmultiplier = 0x${'0'.repeat(125)}1\n`,
    '[default]\ndeadline = 1979-02-29\n',
    `[default]\ndeadline = 07:32:00.${'1'.repeat(65)}\n`,
  ]) {
    assert.equal(syntaxLine(text), 2, text);
  }
  assert.equal(parsePolicy('[default]\nmultiplier = 9223372036854775807\n').multiplier, 2 ** 63);
  assert.equal(parsePolicy('[default]\nmultiplier = 0o777_777_777_777_777_777_777\n').multiplier, 2 ** 63);
});

test('a value nested deeper than 256 is a syntax error; dotted keys have no limit', () => {
  const nested = (n, inner = '') => `[default]\nretry_on = ${'['.repeat(n)}${inner}${']'.repeat(n)}\n`;
  assert.equal(syntaxLine(nested(257)), 2);
  assert.equal(syntaxLine(nested(256, '1')), 2);
  assert.throws(() => parsePolicy(nested(256)), { kind: 'wrong_type', key: 'retry_on' });
  assert.throws(() => parsePolicy(`[default]\n${Array(300).fill('a').join('.')} = 1\n`), { kind: 'unknown_table', key: 'a' });
});

test('lines: a missing value or =, and a text that ends too early', () => {
  assert.equal(syntaxLine('[default]\njitter = # none\nmax_attempts = 3\n'), 2);
  assert.equal(syntaxLine('[default]\njitter # "full"\nmax_attempts = 3\n'), 2);
  assert.equal(syntaxLine('[default]\nretry_on = [1040,\n\n'), 3);
  assert.equal(syntaxLine('[default]\njitter = """full\n\n'), 3);
  assert.equal(syntaxLine('[default]\nx = 1\r\r\n# c\n'), 2);
});

test('the scanner finds nothing in TOML v1.0 within the limits', () => {
  const text = '[service]\napi = { retry_on = [\n  1040, # c\n], limiter = {} }\n' +
    'a = "\\\\e \\\\x41 \\u0041"\nb = \'\\e\'\nc = 1979-05-27 07:32:00\nd = 07:32:00.5\ne = -9223372036854775808\n';
  assert.doesNotThrow(() => parse(text, { integersAsBigInt: true }));
  assert.equal(firstBeyondToml10(text), null);
});
