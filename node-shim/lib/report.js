'use strict';
// What connguard tells people (docs/spec.md 4.1, 4.2): the text of a call's
// retry and give_up records (tests/vectors/report.json holds them to the
// character), the logger they go to, and the give-up facts as a property of
// the driver's own error.

const { codeInfo } = require('./classification');
const { maskDsn } = require('./dsn');

/**
 * The default logger. A logger is anything with pino's `warn(fields, message)`
 * and `error(fields, message)`: a Fastify or pino logger as it is.
 */
const consoleLogger = Object.freeze({
  warn: (_fields, message) => console.warn(message),
  error: (_fields, message) => console.error(message),
});

// `1040 ER_CON_COUNT_ERROR`, a bare number for a code not in the table, or `network`.
function codeText(code) {
  if (code === null) return 'network';
  const info = codeInfo(code);
  return info ? `${code} ${info.name}` : String(code);
}

// Masked again here, whatever the caller did: no password reaches a line.
function where(service, target) {
  return `service=${service || 'default'} target=${target ? maskDsn(target) : '-'}`;
}

/** The WARNING of a call's retry action `r`. */
function retryLine(service, target, r, message) {
  const then = r.delay === null ? 'queued for a free slot' : `next in ${r.delay.toFixed(3)}s`;
  return `connguard retry: ${where(service, target)} code=${codeText(r.code)} (${r.class}) ` +
    `attempt ${r.attempt}/${r.max_attempts}, ${then}: ${maskDsn(message)}`;
}

function giveUpHead(service, target, g) {
  const elapsed = g.elapsed.toFixed(3);
  if (!g.attempted) {
    return `connguard gave up after 0 attempts in ${elapsed}s (reason: deadline; ` +
      `no attempt, waited in the limiter's queue; ${where(service, target)})`;
  }
  return `connguard gave up after ${g.attempts} attempt${g.attempts === 1 ? '' : 's'} in ${elapsed}s ` +
    `(reason: ${g.reason}; last error ${codeText(g.code)}, ${g.class}; ${where(service, target)})`;
}

/** `CODE NAME: ADVICE` for a fatal code in the table, else null. */
function advice(g) {
  const info = g.attempted && g.reason === 'fatal' && g.code !== null ? codeInfo(g.code) : undefined;
  return info ? `${codeText(g.code)}: ${info.advice}` : null;
}

/** What the caller's error carries of a call's give_up action `g`: the head, and the advice for a fatal code. */
function giveUpSummary(service, target, g) {
  const known = advice(g);
  return known ? `${giveUpHead(service, target, g)}; ${known}` : giveUpHead(service, target, g);
}

/** The ERROR of a call's give_up action `g`, `message` the error the call ends with. */
function giveUpLine(service, target, g, message) {
  return `${giveUpHead(service, target, g)}: ${maskDsn(message)}`;
}

/** The message of a caller that never had a turn before its deadline. */
function queueTimeoutMessage(target, waited, holding, limit) {
  return `connguard waited ${waited.toFixed(2)}s (the policy deadline) for a turn to connect to ` +
    `${target ? maskDsn(target) : '-'}: this process holds ${holding} connection(s) there and may open ` +
    `${limit}; the server refused more. Hold connections for shorter or allow a longer deadline.`;
}

/** A caller waited its whole deadline in the limiter's queue without one attempt. */
class QueueTimeoutError extends Error {
  constructor({ target, waited, limit, holding }) {
    super(queueTimeoutMessage(target, waited, holding, limit));
    this.name = 'QueueTimeoutError';
    this.code = 'CONNGUARD_QUEUE_TIMEOUT';
    this.target = target;
    this.waited = waited;
  }
}

/**
 * Where a call's records go: `logger`, naming `service` and `target` (shown
 * masked). The call's actions carry the facts; the driver's error its message.
 */
class Reporter {
  constructor({ logger = consoleLogger, service, target }) {
    this.logger = logger;
    this.service = service;
    this.target = target;
  }

  /** A retry action `r`, after the driver error `error`. */
  retry(r, error) {
    const { code, attempt, delay } = r;
    this.logger.warn(
      { connguard: { event: 'retry', code, attempt, delay, service: this.service } },
      retryLine(this.service, this.target, r, error.message),
    );
  }

  /**
   * A give_up action `g`: logs it and answers the error the call ends with:
   * the driver's last error `error`, with `error.connguard` set; or, never
   * attempted (a gated call), a QueueTimeoutError telling the `holding` and
   * `limit` of the gate's limiter.
   */
  giveUp(g, error, limiter) {
    const ended = g.attempted ? error
      : new QueueTimeoutError({ target: this.target || '-', waited: g.elapsed, holding: limiter.holding, limit: limiter.limit });
    const { code, attempts, elapsed, reason } = g;
    this.logger.error(
      { connguard: { event: 'give_up', code, attempts, elapsed, reason, service: this.service } },
      giveUpLine(this.service, this.target, g, ended.message),
    );
    if (g.attempted) {
      const info = { attempts, elapsed, reason, errorClass: g.class, code, summary: giveUpSummary(this.service, this.target, g), advice: advice(g) };
      Object.defineProperty(error, 'connguard', {
        value: Object.freeze(info),
        enumerable: false, // keeps the driver's error as it serialises
        configurable: true,
      });
    }
    return ended;
  }
}

/** Why connguard stopped retrying on `error`, if it gave up on it: {attempts, elapsed, reason, ...}. */
function giveUpInfo(error) {
  return error?.connguard;
}

module.exports = { QueueTimeoutError, Reporter, consoleLogger, giveUpInfo, giveUpLine, giveUpSummary };
