'use strict';
// What connguard tells people (docs/spec.md 4.1, 4.2): one WARNING per retry,
// one ERROR on give-up, and the give-up facts as a property of the driver's error.

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

function codeText(code) {
  if (code === null) return 'network';
  const info = codeInfo(code);
  return info ? `${code} ${info.name}` : String(code);
}

function where(service, target) {
  return `service=${service || 'default'} target=${target ? maskDsn(target) : '-'}`;
}

/** One warning per retry; `queued`: the caller waits in the limiter's queue instead of sleeping. */
function logRetry(logger, { service, target, code, verdict, maxAttempts, error, queued = false }) {
  const then = queued ? 'queued for a free slot' : `next in ${verdict.delay.toFixed(3)}s`;
  const fields = { event: 'retry', code, attempt: verdict.attempt, delay: queued ? null : verdict.delay, service };
  logger.warn(
    { connguard: fields },
    `connguard retry: ${where(service, target)} code=${codeText(code)} (${verdict.errorClass}) ` +
      `attempt ${verdict.attempt}/${maxAttempts}, ${then}: ${maskDsn(error.message)}`,
  );
}

/** Log the give-up and attach `info` to the driver's own error as `error.connguard`. */
function reportGiveUp(logger, { service, target, code, info, error }) {
  const summary =
    `connguard gave up after ${info.attempts} attempt${info.attempts === 1 ? '' : 's'} ` +
    `in ${info.elapsed.toFixed(3)}s (reason: ${info.reason}; last error ${codeText(code)}, ` +
    `${info.errorClass}; ${where(service, target)})`;
  logger.error(
    {
      connguard: {
        event: 'give_up', code, attempts: info.attempts, elapsed: info.elapsed, reason: info.reason, service,
      },
    },
    `${summary}: ${maskDsn(error.message)}`,
  );
  const known = code === null ? undefined : codeInfo(code);
  const advice = known && info.reason === 'fatal' ? `${known.code} ${known.name}: ${known.advice}` : null;
  Object.defineProperty(error, 'connguard', {
    value: Object.freeze({ ...info, code, summary, advice }),
    enumerable: false, // keeps the driver's error as it serialises
    configurable: true,
  });
}

/** Why connguard stopped retrying on `error`, if it gave up on it: {attempts, elapsed, reason, ...}. */
function giveUpInfo(error) {
  return error?.connguard;
}

module.exports = { consoleLogger, giveUpInfo, logRetry, reportGiveUp };
