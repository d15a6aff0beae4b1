'use strict';
// docs/spec.md section 2: the class of an error code. How a driver's error
// yields a code is the driver module's business (lib/drivers/).

const CODES = require('./codes');

// Public shape (index.d.ts CodeInfo): `name` and `errorClass`, as before the
// table was generated. Codes absent here are fatal by rule, not by entry.
const TABLE = new Map(
  CODES.map((c) => [c.code, Object.freeze({
    code: c.code, name: c.symbol, errorClass: c.class, meaning: c.meaning, advice: c.advice,
  })]),
);

/** What connguard knows of an error number, or undefined (such codes are fatal). */
function codeInfo(code) {
  return TABLE.get(code);
}

/**
 * The class of an error code (null: a network error with no server code).
 * With a policy, never_retry > built-in capacity/transient > retry_on > fatal.
 */
function classify(code, policy) {
  if (code === null || code === undefined) return 'transient';
  if (policy?.neverRetry.includes(code)) return 'fatal';
  const builtin = TABLE.get(code)?.errorClass ?? 'fatal';
  if (builtin !== 'fatal') return builtin;
  return policy?.retryOn.includes(code) ? 'transient' : 'fatal';
}

module.exports = { classify, codeInfo };
