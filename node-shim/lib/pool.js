'use strict';
// createPool: mysql2's promise pool whose new connections retry per the policy,
// open through the process's limiter for the server, and whose callers wait for
// a connection no longer than the deadline.

const { connectOptions, dequeue, describeTarget, onClose, opensConnection, serverKey } = require('./driver');
const { gateFor, newWaiter } = require('./gate');
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

/**
 * One caller's wait for a pooled connection. Where mysql2 would open a new
 * connection, the caller first queues at the limiter (`atGate`); a connection
 * released to the pool meanwhile goes to the pool's oldest caller there.
 */
class Acquire {
  constructor(pool, getConnection, context, done) {
    this.pool = pool;
    this.getConnection = getConnection;
    this.context = context;
    this.done = done;
    this.call = new Call(context);
    this.queued = false; // in mysql2's queue
    this.atGate = false; // in the limiter's queue
    this.attempting = false; // opening a connection the limiter granted
    this.waiter = newWaiter();
    this.deliver = (error, connection) => this.delivered(error, connection);
    this.deliver[WAITER] = this;
    this.timer = setTimeout(() => this.expired(), context.policy.deadline * 1000);
  }

  dispatch() {
    this.queued = false;
    if (this.context.gate && opensConnection(this.pool)) this.enterGate('acquire');
    else this.callThrough();
  }

  // mysql2 either hands over a free connection, opens a new one, or queues the
  // caller (emitting 'enqueue' before it returns).
  callThrough() {
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

  // 'rejected': refused for capacity, it keeps its turn at the head.
  enterGate(event) {
    const { gate, atGate } = this.context;
    this.atGate = true;
    if (event === 'rejected') {
      atGate.unshift(this);
      gate.rejected(this.waiter, () => this.granted());
    } else {
      atGate.push(this);
      gate.join(this.waiter, () => this.granted());
    }
  }

  granted() {
    this.stopWaiting();
    if (!opensConnection(this.pool)) {
      // A free connection, or the pool is full or closed: mysql2 decides, the slot goes back.
      this.callThrough();
      this.context.gate.left(this.waiter);
      return;
    }
    this.attempting = true;
    this.callThrough();
  }

  /** Out of the limiter's queue for what the pool has now: a released connection, or 'Pool is closed.' */
  leaveGate() {
    this.stopWaiting();
    this.callThrough(); // first, so that no other waiter takes the free connection
    this.context.gate.left(this.waiter);
  }

  stopWaiting() {
    const { atGate } = this.context;
    this.atGate = false;
    const at = atGate.indexOf(this);
    if (at >= 0) atGate.splice(at, 1);
  }

  delivered(error, connection) {
    const { gate } = this.context;
    const attempted = this.attempting;
    this.queued = false;
    this.attempting = false;
    if (!error) {
      if (attempted) gate.connected(this.waiter, (release) => onClose(connection, release));
      this.settle(null, connection);
      return;
    }
    const verdict = this.call.failed(error, { queue: attempted });
    if (verdict === null || !verdict.retry) {
      if (attempted) gate.left(this.waiter);
      this.settle(error);
    } else if (attempted && verdict.errorClass === 'capacity') {
      this.enterGate('rejected'); // waits for a close or a probe, not a blind sleep
    } else {
      if (attempted) gate.left(this.waiter);
      setTimeout(() => this.dispatch(), verdict.delay * 1000);
    }
  }

  // A connect under way runs to its end (connect_timeout bounds it) and the
  // decision gives up on its failure; only a queued caller times out here.
  expired() {
    const { policy, target, size, gate } = this.context;
    if (this.atGate) {
      this.stopWaiting();
      gate.left(this.waiter);
      this.settle(this.call.waitedOut(gate.limiter));
    } else if (this.queued) {
      dequeue(this.pool, this.deliver);
      const waited = this.call.clock.now() - this.call.start;
      this.settle(new PoolTimeoutError({ size, target, waited, deadline: policy.deadline }));
    }
  }

  settle(error, connection) {
    clearTimeout(this.timer);
    this.done(error, connection);
  }
}

/**
 * `require('mysql2/promise').createPool(options)` whose getConnection(),
 * query() and execute() retry per the policy when a new connection is refused
 * with a retryable code, and fail with PoolTimeoutError when the deadline
 * passes while queued. New connections open through the process's limiter for
 * the server (unless the policy disables it): a caller refused for capacity
 * waits for a connection to close or be released instead of sleeping. Other
 * errors (SQL errors, fatal codes) pass through untouched, and a statement is
 * never retried.
 */
function createPool(options, { policy, service, logger } = {}) {
  const mysql = require('mysql2/promise');
  const resolved = resolvePolicy(policy, service);
  const config = connectOptions(options, resolved);
  const promisePool = mysql.createPool(config);
  const core = promisePool.pool; // query(), execute() and the promise API all acquire through it
  const key = resolved.limiter.enabled ? serverKey(core.config.connectionConfig) : null;
  const context = {
    policy: resolved,
    service: serviceName(resolved, service),
    target: describeTarget(config),
    logger,
    size: core.config.connectionLimit,
    gate: key === null ? null : gateFor(key, resolved),
    atGate: [], // this pool's callers in the limiter's queue, oldest first
  };
  const getConnection = core.getConnection;
  core.getConnection = function connguardGetConnection(callback) {
    const waiter = callback[WAITER];
    if (waiter) waiter.dispatch(); // a queued caller given a free slot: same call, same deadline
    else new Acquire(this, getConnection, context, callback).dispatch();
  };
  // A connection back in the pool with nobody in mysql2's queue: to the oldest caller at the limiter.
  core.on('release', () => context.atGate[0]?.leaveGate());
  const end = core.end;
  core.end = function connguardEnd(callback) {
    const result = end.call(this, callback);
    for (const acquire of [...context.atGate]) acquire.leaveGate(); // each gets 'Pool is closed.'
    return result;
  };
  return promisePool;
}

module.exports = { PoolTimeoutError, createPool };
