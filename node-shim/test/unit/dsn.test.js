'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { maskDsn } = require('../..');

test('maskDsn hides passwords in URLs and key/value texts, as the Python package does', () => {
  const cases = [
    ['mariadb://app:s3cret@db:3306/main', 'mariadb://app:***@db:3306/main'],
    ['mysql://u:p@ss@h/db and more', 'mysql://u:***@h/db and more'],
    ['mariadb://app@db/main', 'mariadb://app@db/main'],
    ['host=h password=abc user=u', 'host=h password=*** user=u'],
    ["{'user': 'u', 'password': 'xyz'}", "{'user': 'u', 'password': '***'}"],
    ['{"password":"xyz","user":"u"}', '{"password":"***","user":"u"}'],
    ["Access denied for user 'u'@'h' (using password: YES)", "Access denied for user 'u'@'h' (using password: YES)"],
  ];
  for (const [text, shown] of cases) assert.equal(maskDsn(text), shown);
});
