'use strict';
// connguard for Node: one retry policy for services that share a MySQL/MariaDB server.

const { Call, CallError } = require('./lib/call');
const { classify, codeInfo } = require('./lib/classification');
const { createConnection, retryCall } = require('./lib/connection');
const { Decision } = require('./lib/decision');
const { errorCode, isNetworkError } = require('./lib/drivers/mysql2');
const { formatDuration, parseDuration } = require('./lib/duration');
const { maskDsn } = require('./lib/dsn');
const { CHANNELS } = require('./lib/events');
const { Limiter } = require('./lib/limiter');
const { Metrics } = require('./lib/metrics'); // and OpenTelemetry, on at load when installed
const { DEFAULT_POLICY, PolicySet, loadPolicy, parsePolicy, resolvePolicy } = require('./lib/policy');
const { PolicyError } = require('./lib/policy-error');
const { PoolTimeoutError, createPool } = require('./lib/pool');
const { QueueTimeoutError, consoleLogger, giveUpInfo } = require('./lib/report');
const { Schedule } = require('./lib/schedule');
const { SplitMix64 } = require('./lib/splitmix64');

module.exports = {
  CHANNELS,
  Call,
  CallError,
  DEFAULT_POLICY,
  Decision,
  Limiter,
  Metrics,
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
