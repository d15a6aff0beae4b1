'use strict';
// createPool: mysql2's promise pool whose callers wait for a pooled connection
// no longer than the deadline, and whose new connections each open through a
// call (lib/runner.js): retried per the policy, through the process's gate for
// the server.

const mysql2 = require('./drivers/mysql2');
const { gateFor } = require('./gate');
const { resolvePolicy, serviceName } = require('./policy');
const { Reporter } = require('./report');
const { realClock, run } = require('./runner');

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

// How a call of the pool ends without opening a connection, the caller going
// on through mysql2's own getConnection: when its turn came the pool had a
// free connection, or was full or closed (UNNEEDED); or a connection was
// released to the pool while it waited at the gate (TAKEN_OVER). Both are
// "not a connection failure" to the call: it leaves its ticket, no record.
const UNNEEDED = new Error('connguard pool: no new connection to open');
const TAKEN_OVER = new Error('connguard pool: a released connection went to this caller');

// What getConnectionWithin needs of each pool createPool made.
const internals = new WeakMap();

/**
 * One caller's getConnection(). mysql2 decides what it gets: a free
 * connection, a place in mysql2's queue (for the rest of the deadline), or a
 * new connection, which a call opens, its clock started at getConnection().
 */
class Acquire {
  constructor(pool, getConnection, context, done) {
    this.pool = pool;
    this.getConnection = getConnection;
    this.context = context;
    this.done = done;
    this.started = realClock.now();
    this.settled = false;
    this.timer = undefined; // while in mysql2's queue
    this.ticket = null; // of the last gated call
    this.cancel = null; // aborts the last call
    this.deliver = (error, connection) => this.settle(error, connection);
    this.deliver[WAITER] = this;
  }

  /** From getConnection(), and from mysql2 letting a queued caller open a connection. */
  dispatch() {
    clearTimeout(this.timer);
    if (mysql2.opensConnection(this.pool)) this.open();
    else this.viaPool();
  }

  // mysql2 hands over a free connection, queues the caller (emitting
  // 'enqueue' before it returns), or answers 'Pool is closed.'.
  viaPool() {
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
    if (queued) {
      const left = this.context.policy.deadline - (realClock.now() - this.started);
      this.timer = setTimeout(() => this.expired(), Math.max(0, left) * 1000);
    }
  }

  open() {
    const { context } = this;
    const ticket = context.gate?.ticket() ?? null;
    this.ticket = ticket;
    this.cancel = new AbortController();
    if (ticket) context.tickets.set(ticket, this);
    const ended = () => context.tickets.delete(ticket);
    run({
      policy: context.policy,
      attempt: (cap) => this.attempt(cap),
      driver: mysql2,
      ticket,
      reporter: context.reporter,
      signal: this.cancel.signal,
      started: this.started,
      before: () => this.needed(),
    }).then(
      (connection) => {
        ended();
        this.settle(null, connection);
      },
      (error) => {
        ended();
        if (error === UNNEEDED) this.viaPool();
        else if (error !== TAKEN_OVER) this.settle(error);
      },
    );
  }

  // Before each attempt: once the pool has a free connection (or is full or closed), none is opened.
  needed() {
    if (!mysql2.opensConnection(this.pool)) throw UNNEEDED;
  }

  attempt(cap) {
    return new Promise((resolve, reject) => {
      mysql2.openPooled(this.pool, this.getConnection, cap, (error, connection) => (error ? reject(error) : resolve(connection)));
    });
  }

  /** A connection was released to the pool while this caller waits at the gate: it takes it. */
  takeOver() {
    this.context.tickets.delete(this.ticket); // taken over once, however soon its call ends
    this.cancel.abort(TAKEN_OVER);
    this.viaPool(); // now, so that no other caller takes the free connection first
  }

  expired() {
    mysql2.dequeue(this.pool, this.deliver);
    const { policy, target, size } = this.context;
    const waited = realClock.now() - this.started;
    this.settle(new PoolTimeoutError({ size, target, waited, deadline: policy.deadline }));
  }

  settle(error, connection) {
    if (this.settled) {
      connection?.release(); // the call and the pool both answered: the pool keeps the spare
      return;
    }
    this.settled = true;
    clearTimeout(this.timer);
    this.done(error, connection);
  }
}

/**
 * `require('mysql2/promise').createPool(options)` whose getConnection(),
 * query() and execute() retry per the policy when a new connection is refused
 * with a retryable code, and fail with PoolTimeoutError when the deadline
 * passes while queued. New connections open through the process's gate for
 * the server (unless the policy disables the limiter): a caller refused for
 * capacity waits for a connection to close or be released instead of
 * sleeping. Other errors (SQL errors, fatal codes) pass through untouched,
 * and a statement is never retried.
 */
function createPool(options, { policy, service, logger } = {}) {
  const mysql = require('mysql2/promise');
  const resolved = resolvePolicy(policy, service);
  const config = mysql2.options(options);
  const promisePool = mysql.createPool(config);
  const core = promisePool.pool; // query(), execute() and the promise API all acquire through it
  const key = resolved.limiter.enabled ? mysql2.targetKey(config) : null;
  const target = mysql2.describeTarget(config);
  const context = {
    policy: mysql2.callPolicy(resolved, config),
    target,
    size: core.config.connectionLimit,
    reporter: new Reporter({ logger, service: serviceName(resolved, service), target }),
    gate: key === null ? null : gateFor(key, resolved),
    tickets: new Map(), // the tickets of this pool's calls under way -> their Acquire
  };
  // This pool's callers waiting at the gate, in the gate's order.
  const atGate = () => context.gate.limiter.queue.map((ticket) => context.tickets.get(ticket)).filter(Boolean);
  const getConnection = core.getConnection;
  core.getConnection = function connguardGetConnection(callback) {
    const waiter = callback[WAITER];
    if (waiter) waiter.dispatch(); // a queued caller given a free slot: same caller, same deadline
    else new Acquire(this, getConnection, context, callback).dispatch();
  };
  internals.set(promisePool, { core, getConnection, context });
  if (context.gate === null) return promisePool;
  // The gate closes idle connections of this pool for callers that wait for a slot (lib/gate.js).
  const reclaimIdle = () => mysql2.closeIdle(core);
  context.gate.addReclaimer(reclaimIdle);
  // A connection back in the pool with nobody in mysql2's queue: to this pool's first caller at the
  // gate, else, if others wait there (other pools, createConnection), closed to hand its slot on.
  core.on('release', () => {
    const first = atGate()[0];
    if (first) first.takeOver();
    else context.gate.reclaim();
  });
  const end = core.end;
  core.end = function connguardEnd(callback) {
    context.gate.removeReclaimer(reclaimIdle);
    const result = end.call(this, callback);
    for (const acquire of atGate()) acquire.takeOver(); // each gets 'Pool is closed.'
    return result;
  };
  return promisePool;
}

/**
 * A connection of `pool` (made by createPool), got as its getConnection()
 * gets one, but within `deadline` seconds when that is shorter than the
 * policy's: connguard/fastify's startup, which must end before Fastify's
 * plugin timeout does. Resolves with mysql2's promise pool connection.
 */
function getConnectionWithin(pool, deadline) {
  const { core, getConnection, context } = internals.get(pool);
  const policy = { ...context.policy, deadline: Math.min(deadline, context.policy.deadline) };
  const { PromisePoolConnection } = require('mysql2/promise');
  return new Promise((resolve, reject) => {
    const done = (error, connection) => (error ? reject(error) : resolve(new PromisePoolConnection(connection, pool.Promise)));
    new Acquire(core, getConnection, { ...context, policy }, done).dispatch();
  });
}

module.exports = { PoolTimeoutError, createPool, getConnectionWithin };
