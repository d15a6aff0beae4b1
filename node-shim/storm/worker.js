#!/usr/bin/env node
'use strict';
// The Node clients of `connguard storm --adapter node`: one promise per client
// over mysql2. It speaks the storm worker protocol of
// python/connguard/storm/worker.py: a job as one JSON line on stdin, "ready",
// then "go", one JSON line per client, {"end": true}. With "metrics": true in
// the job, it counts connguard's metrics over the run (connguard.Metrics) and
// writes {"metrics": SNAPSHOT} just before {"end": true}: [] for the
// strategies that do not go through connguard.
//
// Strategies: "none" is plain mysql2 (one connect, no retry); "tenacity" is a
// line-for-line port of the Python workers' tenacity retry; "connguard" is the
// package's own createConnection with the job's deadline and max_attempts 1000,
// the limiter on; "oracle" is plain mysql2 inside a counting semaphore of the
// job's "slots" (the process's share of the server's free slots), released
// once the connection's socket has closed after QUIT (the server's end, at
// most 1 s: the adapter's own close rule). MariaDB counts a closed connection
// out a moment after its end of stream, so the oracle retries a 1040 after
// 1 ms until the deadline, as the other workers' oracle. Each client holds
// its own "holds" entry ("hold" for all when absent).

const { performance } = require('node:perf_hooks');
const readline = require('node:readline');
const { setTimeout: sleep } = require('node:timers/promises');
const mysql = require('mysql2/promise');
// By its package name, as a user requires it: the public API only.
const { Metrics, createConnection, errorCode, formatDuration, parsePolicy } = require('connguard');

/** Seconds on a monotonic clock. */
const now = () => performance.now() / 1000;

// The storm counts every outcome itself, and stdout is the protocol.
const QUIET = { warn() {}, error() {} };

/**
 * tenacity's wait_random_exponential(multiplier=0.05, max=5) with
 * stop_after_delay(deadline), retrying only on 1040.
 * @param {() => Promise<import('mysql2/promise').Connection>} connect
 * @param {number} deadline
 */
async function tenacious(connect, deadline) {
  const start = now();
  // Bounded by the deadline: no attempt starts after it.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (error) {
      if (errorCode(error) !== 1040 || now() - start >= deadline) throw error;
      await sleep(Math.random() * Math.min(5, 0.05 * 2 ** (attempt - 1)) * 1000);
    }
  }
}

/** How long a close waits for the server's end of the connection after QUIT, ms. */
const SERVER_CLOSE_WAIT = 1000;

/**
 * The oracle's connect: a 1040 is tried again after 1 ms, until the deadline.
 * @param {() => Promise<import('mysql2/promise').Connection>} connect
 * @param {number} deadline
 */
async function oracleConnect(connect, deadline) {
  const until = now() + deadline;
  for (;;) {
    try {
      return await connect();
    } catch (error) {
      if (errorCode(error) !== 1040 || now() >= until) throw error;
    }
    await sleep(1);
  }
}

/**
 * QUIT, then wait for the socket to close (the server's end), at most SERVER_CLOSE_WAIT.
 * @param {import('mysql2/promise').Connection} conn
 * @returns {Promise<void>}
 */
function closeAfterTheServer(conn) {
  const { stream } = /** @type {{ connection: { stream: import('node:net').Socket } }} */ (
    /** @type {unknown} */ (conn)
  ).connection;
  return new Promise((resolve) => {
    if (stream.destroyed) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, SERVER_CLOSE_WAIT);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    conn.end().catch(() => {}); // a failed QUIT: the socket closes, or the timer ends the wait
  });
}

/** A counting semaphore: `run(task)` runs at most `count` tasks at once, FIFO. */
class Semaphore {
  /** @param {number} count */
  constructor(count) {
    this.count = count;
    /** @type {Array<() => void>} */
    this.waiting = [];
  }

  /**
   * @template T
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  async run(task) {
    if (this.count > 0) this.count -= 1;
    else await new Promise((resolve) => this.waiting.push(() => resolve(undefined)));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.count += 1;
    }
  }
}

/**
 * A zero-argument connect for one client under `strategy`; throws for an unknown one.
 * @param {string} strategy
 * @param {import('mysql2/promise').ConnectionOptions} options
 * @param {number} deadline
 * @returns {() => Promise<import('mysql2/promise').Connection>}
 */
function connector(strategy, options, deadline) {
  if (strategy === 'none') return () => mysql.createConnection(options);
  if (strategy === 'oracle') return () => oracleConnect(() => mysql.createConnection(options), deadline);
  if (strategy === 'tenacity') return () => tenacious(() => mysql.createConnection(options), deadline);
  if (strategy === 'connguard') {
    const policy = parsePolicy(`[default]\ndeadline = "${formatDuration(deadline)}"\nmax_attempts = 1000\n`);
    return () => createConnection(options, { policy, logger: QUIET });
  }
  throw new Error(`unknown strategy ${JSON.stringify(strategy)}; one of none, tenacity, connguard, oracle`);
}

/**
 * The job line, checked; throws an Error whose message never quotes the line (it holds the password).
 * @param {string} line
 */
function readJob(line) {
  let job;
  try {
    job = JSON.parse(line);
  } catch {
    throw new Error('the job is not one JSON object on one line');
  }
  /** @type {(ok: boolean, what: string) => void} */
  const expect = (ok, what) => {
    if (!ok) throw new Error(`the job needs ${what}`);
  };
  expect(typeof job === 'object' && job !== null, 'to be a JSON object');
  const { strategy, clients, hold, holds, deadline, slots, connect, metrics = false } = job;
  expect(typeof strategy === 'string', '"strategy" (a string)');
  expect(Number.isInteger(clients) && clients >= 0, '"clients" (an integer >= 0)');
  expect(Number.isFinite(hold) && hold >= 0, '"hold" (seconds >= 0)');
  /** @type {(h: unknown) => boolean} */
  const seconds = (h) => typeof h === 'number' && Number.isFinite(h) && h >= 0;
  expect(
    holds === undefined || (Array.isArray(holds) && holds.length === clients && holds.every(seconds)),
    '"holds" (seconds >= 0, one per client)',
  );
  expect(Number.isFinite(deadline) && deadline >= 0, '"deadline" (seconds >= 0)');
  expect(strategy !== 'oracle' || (Number.isInteger(slots) && slots >= 1), 'for the oracle "slots" (an integer >= 1)');
  expect(typeof metrics === 'boolean', '"metrics" (true or false) when given');
  expect(typeof connect === 'object' && connect !== null, '"connect" (an object)');
  const { host, port, user, password, database } = connect;
  expect([host, user, password, database].every((v) => typeof v === 'string'), 'connect strings host, user, password, database');
  expect(Number.isInteger(port), 'connect.port (an integer)');
  /** @type {number[]} */
  const each = holds ?? Array.from({ length: clients }, () => hold);
  /** @type {(() => import('connguard').Series[]) | null} */
  let snapshot = null; // with "metrics": what the worker's metrics line shows
  if (metrics) {
    // Only the connguard strategy emits events: the others' snapshot is [].
    const counted = strategy === 'connguard' ? new Metrics().start() : null;
    snapshot = () => counted?.snapshot() ?? [];
  }
  return {
    connect: connector(strategy, { host, port, user, password, database }, deadline),
    sql: each.map((h) => `SELECT SLEEP(${h})`),
    oracle: strategy === 'oracle' ? new Semaphore(slots) : null,
    snapshot,
  };
}

/**
 * The snapshot once every slot is released: a slot goes back when the server has
 * closed its end, after the client's end() resolved (bounded: 2 s).
 * @param {() => import('connguard').Series[]} snapshot
 */
async function settled(snapshot) {
  const held = (/** @type {import('connguard').Series[]} */ series) =>
    series.some((s) => s.name === 'connguard_limiter_holding' && 'value' in s && s.value > 0);
  for (let waited = 0; waited < 2000; waited += 10) {
    const now = snapshot();
    if (!held(now)) return now;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return snapshot();
}

/**
 * Writes `message` on stderr and exits with `status`.
 * @param {number} status
 * @param {string} message
 * @returns {never}
 */
function fail(status, message) {
  process.stderr.write(`connguard storm worker (node): ${message}\n`);
  process.exit(status);
}

async function main() {
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const lines = input[Symbol.asyncIterator]();
  const nextLine = async () => {
    const { value, done } = await lines.next();
    return done ? null : value;
  };

  const line = await nextLine();
  if (line === null) fail(2, 'expected a job as one JSON line on stdin');
  let job;
  try {
    job = readJob(line);
  } catch (error) {
    fail(2, error instanceof Error ? error.message : String(error));
  }

  let start = 0;
  /** @type {(value?: unknown) => void} */
  let release = () => {};
  const released = new Promise((resolve) => {
    release = resolve;
  });
  /** @type {(ok: boolean, code: number | null, wait: number) => void} */
  const emit = (ok, code, wait) => {
    process.stdout.write(`${JSON.stringify({ ok, code, wait, done: now() - start })}\n`);
  };

  // Connect, SELECT SLEEP(hold), QUIT: end() frees the server's slot and the limiter's.
  /** @param {string} sql */
  const client = async (sql) => {
    let conn;
    try {
      conn = await job.connect();
    } catch (error) {
      emit(false, errorCode(error), now() - start);
      return;
    }
    const waited = now() - start;
    let code = null;
    let ok = true;
    try {
      await conn.query(sql);
    } catch (error) {
      ok = false;
      code = errorCode(error);
    }
    if (job.oracle) await closeAfterTheServer(conn);
    else await conn.end(); // resolves, never rejects: a failed QUIT must not lose the record
    emit(ok, code, waited);
  };
  /** @param {string} sql */
  const run = async (sql) => {
    await released;
    const { oracle } = job;
    await (oracle ? oracle.run(() => client(sql)) : client(sql));
  };

  // Every client exists before "ready", so "go" starts them together.
  const runs = job.sql.map(run);
  process.stdout.write('ready\n');
  const go = await nextLine();
  if (go?.trim() !== 'go') fail(1, "expected 'go'");
  input.close();
  start = now();
  release();
  await Promise.all(runs);
  if (job.snapshot) {
    const snapshot = await settled(job.snapshot);
    process.stdout.write(`${JSON.stringify({ metrics: snapshot })}\n`);
  }
  // Exit at once: a socket the server has yet to close must not hold up the storm.
  process.stdout.write(`${JSON.stringify({ end: true })}\n`, () => process.exit(0));
}

main();
