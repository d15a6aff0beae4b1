'use strict';
// createPool: mysql2's promise pool whose new connections retry per the policy
// and whose callers wait for a free connection no longer than the deadline.

const { connectOptions, describeTarget } = require('./driver');
const { resolvePolicy, serviceName } = require('./policy');
const { Call } = require('./retry');

/** No pooled connection became free within the policy's deadline. */
class PoolTimeoutError extends Error {
  constructor({ size, target, waited, deadline }) {
    super(
      `connguard pool for ${target} (size ${size}): no connection became free within ` +
        `${waited.toFixed(2)}s (the policy deadline is ${deadline}s); all ${size} connections ` +
        'stayed checked out. Hold connections for shorter, raise connectionLimit (within the ' +
        "server's max_connections), or allow a longer deadline.",
    );
    this.name = 'PoolTimeoutError';
    this.code = 'CONNGUARD_POOL_TIMEOUT';
    this.size = size;
    this.target = target;
    this.waited = waited;
    this.deadline = deadline;
  }
}

// Marks the callbacks connguard hands to mysql2, which mysql2 may hand back to
// getConnection when a slot frees up for a queued caller.
const WAITER = Symbol('connguard.waiter');

/** One caller's wait for a pooled connection: retried connects, queueing, the deadline. */
class Acquire {
  constructor(pool, getConnection, context, done) {
    this.pool = pool;
    this.getConnection = getConnection;
    this.context = context;
    this.done = done;
    this.call = new Call(context);
    this.queued = false;
    this.settled = false;
    this.deliver = (error, connection) => this.delivered(error, connection);
    this.deliver[WAITER] = this;
    this.timer = setTimeout(() => this.expired(), context.policy.deadline * 1000);
  }

  // mysql2 either hands over a free connection, opens a new one, or queues the
  // caller (emitting 'enqueue' before it returns).
  dispatch() {
    let queued = false;
    const onEnqueue = () => {
      queued = true;
    };
    this.pool.on('enqueue', onEnqueue);
    try {
      this.getConnection.call(this.pool, this.deliver);
    } finally {
      this.pool.off('enqueue', onEnqueue);
    }
    this.queued = queued;
  }

  delivered(error, connection) {
    this.queued = false;
    if (this.settled) {
      connection?.release(); // came after the deadline: back to the pool for the next caller
      return;
    }
    if (!error) {
      this.settle(null, connection);
      return;
    }
    const delay = this.call.failed(error);
    if (delay === null) this.settle(error);
    else setTimeout(() => this.dispatch(), delay * 1000);
  }

  // A connect under way runs to its end (connect_timeout bounds it) and the
  // decision gives up on its failure; only a queued caller times out here.
  expired() {
    if (!this.queued || this.settled) return;
    const { policy, target, size } = this.context;
    const waited = this.call.clock.now() - this.call.start;
    this.settle(new PoolTimeoutError({ size, target, waited, deadline: policy.deadline }));
  }

  settle(error, connection) {
    this.settled = true;
    clearTimeout(this.timer);
    this.done(error, connection);
  }
}

/**
 * `require('mysql2/promise').createPool(options)` whose getConnection(),
 * query() and execute() retry per the policy when a new connection is refused
 * with a retryable code, and fail with PoolTimeoutError when the deadline
 * passes while queued. Other errors (SQL errors, fatal codes) pass through
 * untouched, and a statement is never retried.
 */
function createPool(options, { policy, service, logger } = {}) {
  const mysql = require('mysql2/promise');
  const resolved = resolvePolicy(policy, service);
  const config = connectOptions(options, resolved);
  const promisePool = mysql.createPool(config);
  const core = promisePool.pool; // query(), execute() and the promise API all acquire through it
  const context = {
    policy: resolved,
    service: serviceName(resolved, service),
    target: describeTarget(config),
    logger,
    size: core.config.connectionLimit,
  };
  const getConnection = core.getConnection;
  core.getConnection = function connguardGetConnection(callback) {
    const waiter = callback[WAITER];
    if (waiter) waiter.dispatch(); // a queued caller given a free slot: same call, same deadline
    else new Acquire(this, getConnection, context, callback).dispatch();
  };
  return promisePool;
}

module.exports = { PoolTimeoutError, createPool };
