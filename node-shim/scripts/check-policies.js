#!/usr/bin/env node
'use strict';
// Loads each policy file named on standard input (one path a line) and prints
// one JSON verdict a line: the error fields of docs/spec.md 1.3, or the
// effective policies of a valid file ([default], then up to 8 services in file
// order, but "", which Rust's API takes for [default]: every checker leaves it
// out). tests/fuzz/ compares these with the other languages' verdicts.
//
//   printf '%s\n' a.toml b.toml | node scripts/check-policies.js

const readline = require('node:readline');
const { PolicySet } = require('../lib/policy');
const { PolicyError } = require('../lib/policy-error');

const SERVICES = 8;

function snakeCase(policy) {
  return {
    max_attempts: policy.maxAttempts,
    deadline: policy.deadline,
    connect_timeout: policy.connectTimeout,
    initial_delay: policy.initialDelay,
    max_delay: policy.maxDelay,
    multiplier: policy.multiplier,
    jitter: policy.jitter,
    retry_on: policy.retryOn,
    never_retry: policy.neverRetry,
    limiter: {
      enabled: policy.limiter.enabled,
      initial_limit: policy.limiter.initialLimit,
      max_limit: policy.limiter.maxLimit,
    },
  };
}

function verdict(path) {
  let set;
  try {
    set = PolicySet.load(path);
  } catch (error) {
    if (!(error instanceof PolicyError)) return { valid: false, kind: 'crash', message: String(error) };
    const { kind, table, key, line, message } = error;
    return { valid: false, kind, table, key, line, message };
  }
  const services = [...set.services].filter(([name]) => name !== '').slice(0, SERVICES).map(([name, policy]) => [name, snakeCase(policy)]);
  return { valid: true, policies: [['', snakeCase(set.defaults)], ...services] };
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (path) => {
  if (path) process.stdout.write(`${JSON.stringify(verdict(path))}\n`);
});
