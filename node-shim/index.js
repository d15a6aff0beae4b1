'use strict';
// connguard for Node: one retry policy for services that share a MySQL/MariaDB server.

const { classify, codeInfo, errorCode, isNetworkError } = require('./lib/classification');
const { createConnection } = require('./lib/connection');
const { Decision } = require('./lib/decision');
const { formatDuration, parseDuration } = require('./lib/duration');
const { maskDsn } = require('./lib/dsn');
const { QueueTimeoutError } = require('./lib/gate');
const { Limiter } = require('./lib/limiter');
const { DEFAULT_POLICY, PolicySet, loadPolicy, parsePolicy, resolvePolicy } = require('./lib/policy');
const { PolicyError } = require('./lib/policy-error');
const { PoolTimeoutError, createPool } = require('./lib/pool');
const { consoleLogger, giveUpInfo } = require('./lib/report');
const { retryCall } = require('./lib/retry');
const { Schedule } = require('./lib/schedule');
const { SplitMix64 } = require('./lib/splitmix64');

module.exports = {
  DEFAULT_POLICY,
  Decision,
  Limiter,
  PolicyError,
  PolicySet,
  PoolTimeoutError,
  QueueTimeoutError,
  Schedule,
  SplitMix64,
  classify,
  codeInfo,
  consoleLogger,
  createConnection,
  createPool,
  errorCode,
  formatDuration,
  giveUpInfo,
  isNetworkError,
  loadPolicy,
  maskDsn,
  parseDuration,
  parsePolicy,
  resolvePolicy,
  retryCall,
};
