'use strict';
// Loading a policy file (docs/spec.md section 1): the same keys, defaults,
// checks, order and error kinds as the C++ engine (native/src/policy_set.cpp).

const fs = require('node:fs');
const { parse, TomlDate, TomlError } = require('smol-toml');
const { parseDuration, formatDuration } = require('./duration');
const { PolicyError } = require('./policy-error');
const { keyPositions } = require('./toml-lines');
const { firstBeyondToml10 } = require('./toml-v1-0');
const { firstInvalidUtf8 } = require('./utf8');

const TOML_ALLOWED = 'a valid TOML v1.0 document';

const POLICY_ENV = 'CONNGUARD_POLICY';
const SERVICE_ENV = 'CONNGUARD_SERVICE';

/** The built-in defaults (1.1); durations in seconds. */
const DEFAULT_POLICY = Object.freeze({
  service: '',
  maxAttempts: 10,
  deadline: 30,
  connectTimeout: 5,
  initialDelay: 0.05,
  maxDelay: 5,
  multiplier: 2,
  jitter: 'full',
  retryOn: Object.freeze([]),
  neverRetry: Object.freeze([]),
  limiter: Object.freeze({ enabled: true, initialLimit: 2, maxLimit: 1000 }),
});

// File key -> policy field.
const FIELDS = {
  max_attempts: 'maxAttempts',
  deadline: 'deadline',
  connect_timeout: 'connectTimeout',
  initial_delay: 'initialDelay',
  max_delay: 'maxDelay',
  multiplier: 'multiplier',
  jitter: 'jitter',
  retry_on: 'retryOn',
  never_retry: 'neverRetry',
};
// [NAME.limiter] key -> policy.limiter field (spec 1.1, load control).
const LIMITER_FIELDS = {
  enabled: 'enabled',
  initial_limit: 'initialLimit',
  max_limit: 'maxLimit',
};
const POLICY_KEYS = `${Object.keys(FIELDS).join(', ')} and the table limiter`;
const LIMITER_KEYS = Object.keys(LIMITER_FIELDS).join(', ');
const LIMIT_ALLOWED = 'an integer from 1 to 100000';
const TOP_LEVEL = 'the tables [default], [service.NAME] and [deployment]';
const DURATION_ALLOWED = 'a string such as "250ms", "5s" or "2m", > 0';
const CODE_ALLOWED = 'an array of integers, each 1 to 65535';
const JITTERS = ['full', 'equal', 'decorrelated', 'none'];

function isTable(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof TomlDate);
}

function typeName(value) {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof TomlDate) {
    if (value.isDate()) return 'a date';
    if (value.isTime()) return 'a time';
    return 'a date-time';
  }
  if (isTable(value)) return 'a table';
  return { string: 'a string', bigint: 'an integer', number: 'a float', boolean: 'a boolean' }[typeof value];
}

// `text` as a TOML basic string, so that a message stays on one line.
function inQuotes(text) {
  let quoted = '"';
  for (const c of text) {
    const code = c.codePointAt(0);
    if (c === '"' || c === '\\') quoted += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) quoted += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else quoted += c;
  }
  return `${quoted}"`;
}

/**
 * The line of smol-toml's `error` as spec 1.3 puts it: where the text ends too
 * early (only white space and comments follow, or an unfinished multi-line
 * string starts), the line of its last character.
 */
function syntaxLine(text, error, problem) {
  let at = 0;
  for (let line = 1; line < error.line; line += 1) at = text.indexOf('\n', at) + 1;
  at += error.column - 1;
  const unfinished = problem === 'unfinished string' && /^("""|''')/.test(text.slice(at, at + 3));
  const trailing = /^([ \t\n]|\r\n|#[^\n]*)*$/.test(text.slice(at)); // TOML's white space only
  return unfinished || trailing ? lineAt(text, Math.max(text.length - 1, 0)) : error.line;
}

/** The 1-based line of UTF-16 offset `at`. */
function lineAt(text, at) {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

// A float in a message (spec 1.3): Number::toString's text, as in every
// language, but for the sign of -0.
function floatText(value) {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return Object.is(value, -0) ? '-0' : String(value);
}

class Validator {
  constructor(file, positions) {
    this.file = file;
    this.positions = positions;
  }

  line(path) {
    return this.positions.get(JSON.stringify(path))?.line ?? 0;
  }

  fail(kind, line, table, key, problem, allowed) {
    throw new PolicyError({ kind, file: this.file, line, table, key, problem, allowed });
  }

  // [key, value, line] of a table, in file order (a JS object puts integer-like keys first).
  entries(table, path) {
    const at = (key) => this.positions.get(JSON.stringify([...path, key])) ?? { line: 0, column: 0 };
    return Object.keys(table)
      .map((key) => ({ key, value: table[key], ...at(key) }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
  }

  // The validated own keys of table `name` at `path`.
  checkTable(table, path, name) {
    const own = { name, values: {}, lines: {}, limiter: { values: {}, lines: {} } };
    for (const { key, value, line } of this.entries(table, path)) {
      const fail = (kind, problem, allowed) => this.fail(kind, line, name, key, problem, allowed);
      if (key === 'limiter') {
        this.checkLimiter(value, [...path, key], own, fail);
        continue;
      }
      const field = Object.hasOwn(FIELDS, key) ? FIELDS[key] : undefined;
      if (field === undefined) {
        if (isTable(value)) fail('unknown_table', `a table is not allowed inside [${name}]`, `the keys ${POLICY_KEYS}`);
        fail('unknown_key', 'unknown key', POLICY_KEYS);
      }
      own.values[field] = this.value(key, value, fail);
      own.lines[field] = line;
    }
    return own;
  }

  // The [NAME.limiter] table (spec 1.1): its keys go into `own.limiter`.
  checkLimiter(table, path, own, failInParent) {
    if (!isTable(table)) failInParent('wrong_type', `expected a table, got ${typeName(table)}`, `a table with the keys ${LIMITER_KEYS}`);
    const name = `${own.name}.limiter`;
    for (const { key, value, line } of this.entries(table, path)) {
      const fail = (kind, problem, allowed) => this.fail(kind, line, name, key, problem, allowed);
      const field = Object.hasOwn(LIMITER_FIELDS, key) ? LIMITER_FIELDS[key] : undefined;
      if (field === undefined) {
        if (isTable(value)) fail('unknown_table', `a table is not allowed inside [${name}]`, `the keys ${LIMITER_KEYS}`);
        fail('unknown_key', 'unknown key', LIMITER_KEYS);
      }
      if (key === 'enabled') {
        if (typeof value !== 'boolean') fail('wrong_type', `expected a boolean, got ${typeName(value)}`, 'true or false');
        own.limiter.values[field] = value;
      } else {
        if (typeof value !== 'bigint') fail('wrong_type', `expected an integer, got ${typeName(value)}`, LIMIT_ALLOWED);
        if (value < 1n || value > 100000n) fail('out_of_range', `${value} is out of range`, LIMIT_ALLOWED);
        own.limiter.values[field] = Number(value);
      }
      own.limiter.lines[field] = line;
    }
  }

  value(key, value, fail) {
    switch (key) {
      case 'max_attempts': {
        const allowed = 'an integer from 1 to 1000';
        if (typeof value !== 'bigint') fail('wrong_type', `expected an integer, got ${typeName(value)}`, allowed);
        if (value < 1n || value > 1000n) fail('out_of_range', `${value} is out of range`, allowed);
        return Number(value);
      }
      case 'multiplier': {
        const allowed = 'a finite number >= 1.0';
        if (typeof value !== 'bigint' && typeof value !== 'number') {
          fail('wrong_type', `expected a number, got ${typeName(value)}`, allowed);
        }
        const number = Number(value);
        if (!Number.isFinite(number) || number < 1) fail('out_of_range', `${floatText(number)} is out of range`, allowed);
        return number;
      }
      case 'jitter': {
        const allowed = '"full", "equal", "decorrelated" or "none"';
        if (typeof value !== 'string') fail('wrong_type', `expected a string, got ${typeName(value)}`, allowed);
        if (!JITTERS.includes(value)) fail('bad_choice', `${inQuotes(value)} is not a jitter kind`, allowed);
        return value;
      }
      case 'retry_on':
      case 'never_retry':
        return this.codes(value, fail);
      default:
        return this.duration(value, fail);
    }
  }

  duration(value, fail) {
    if (typeof value !== 'string') {
      if (typeof value === 'bigint' || typeof value === 'number') {
        const number = typeof value === 'bigint' ? String(value) : floatText(value);
        fail('bad_duration', `bare number ${number} has no unit; write a string with a unit, e.g. "250ms"`, DURATION_ALLOWED);
      }
      fail('bad_duration', `expected a duration string, got ${typeName(value)}`, DURATION_ALLOWED);
    }
    const seconds = parseDuration(value);
    if (seconds === null) fail('bad_duration', `${inQuotes(value)} is not a duration`, DURATION_ALLOWED);
    if (!(seconds > 0) || !Number.isFinite(seconds)) fail('out_of_range', `${inQuotes(value)} is out of range`, DURATION_ALLOWED);
    return seconds;
  }

  codes(value, fail) {
    if (!Array.isArray(value)) fail('wrong_type', `expected an array, got ${typeName(value)}`, CODE_ALLOWED);
    for (const element of value) {
      if (typeof element !== 'bigint') fail('wrong_type', `expected integer elements, got ${typeName(element)}`, CODE_ALLOWED);
      if (element < 1n || element > 65535n) fail('out_of_range', `error code ${element} is out of range`, CODE_ALLOWED);
    }
    return Object.freeze(value.map(Number)); // as written: order and duplicates kept
  }

  // `own` over `base` (the limiter key by key), checked for max_delay >=
  // initial_delay and max_limit >= initial_limit.
  effective(own, base, service) {
    const limiter = Object.freeze({ ...base.limiter, ...own.limiter.values });
    const policy = Object.freeze({ ...base, ...own.values, limiter, service });
    this.checkDelays(own, policy);
    if (limiter.maxLimit >= limiter.initialLimit) return policy;
    const table = `${own.name}.limiter`;
    const { maxLimit, initialLimit } = limiter;
    if (own.limiter.lines.maxLimit !== undefined) {
      this.fail('inconsistent', own.limiter.lines.maxLimit, table, 'max_limit',
        `${maxLimit} is less than initial_limit ${initialLimit}`, `an integer >= initial_limit (${initialLimit})`);
    }
    return this.fail('inconsistent', own.limiter.lines.initialLimit ?? 0, table, 'initial_limit',
      `${initialLimit} is greater than max_limit ${maxLimit}`, `an integer <= max_limit (${maxLimit})`);
  }

  checkDelays(own, policy) {
    if (policy.maxDelay >= policy.initialDelay) return;
    const maxDelay = formatDuration(policy.maxDelay);
    const initialDelay = formatDuration(policy.initialDelay);
    if (own.lines.maxDelay !== undefined) {
      this.fail('inconsistent', own.lines.maxDelay, own.name, 'max_delay',
        `${maxDelay} is less than initial_delay ${initialDelay}`, `a duration >= initial_delay (${initialDelay})`);
    }
    this.fail('inconsistent', own.lines.initialDelay ?? 0, own.name, 'initial_delay',
      `${initialDelay} is greater than max_delay ${maxDelay}`, `a duration <= max_delay (${maxDelay})`);
  }
}

/**
 * The document of TOML v1.0 `text`, or the syntax error a TOML v1.0 parser
 * with the limits of spec 1.3 reports first, as `{ line, problem }`.
 */
function readToml(text) {
  // smol-toml skips any BOM it starts with: the text has lost one already.
  if (text.startsWith('\uFEFF')) return { doc: null, syntax: { line: 1, problem: 'a byte order mark after the first' } };
  let doc = null;
  let syntax = null;
  try {
    doc = parse(text, { integersAsBigInt: true });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const problem = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    syntax = { line: syntaxLine(text, error, problem), problem };
  }
  // On a tie, smol-toml stopped at what TOML v1.0 or the limits do not allow.
  const beyond = firstBeyondToml10(text);
  if (beyond !== null) {
    const line = lineAt(text, beyond.at);
    if (syntax === null || line <= syntax.line) syntax = { line, problem: beyond.problem };
  }
  return { doc, syntax };
}

/** Every effective policy of one policy file: `defaults` and one per `[service.NAME]`. */
class PolicySet {
  constructor(file, defaults, services) {
    this.file = file;
    this.defaults = defaults;
    this.services = services; // Map: name -> policy, in file order
    Object.freeze(this);
  }

  /** Policy text (named `file` in errors; `<string>` when it has no file). */
  static parse(text, file = '<string>') {
    const body = text.startsWith('\uFEFF') ? text.slice(1) : text; // a BOM may open the text
    const { doc, syntax } = readToml(body);
    if (syntax !== null) throw new PolicyError({ kind: 'syntax', file, ...syntax, allowed: TOML_ALLOWED });
    const v = new Validator(file, keyPositions(body));

    // Every table's own keys first, in file order, whatever service is wanted.
    let defaultOwn = { name: 'default', values: {}, lines: {}, limiter: { values: {}, lines: {} } };
    const serviceOwns = [];
    for (const { key, value, line } of v.entries(doc, [])) {
      if (key !== 'default' && key !== 'service' && key !== 'deployment') {
        const table = isTable(value);
        v.fail(table ? 'unknown_table' : 'unknown_key', line, '', key, table ? 'unknown table' : 'unknown top-level key', TOP_LEVEL);
      }
      if (!isTable(value)) v.fail('wrong_type', line, '', key, `expected a table, got ${typeName(value)}`, 'a table');
      if (key === 'deployment') continue; // connguard plan's (docs/scale.md): not a policy
      if (key === 'default') {
        defaultOwn = v.checkTable(value, ['default'], 'default');
        continue;
      }
      for (const service of v.entries(value, ['service'])) {
        const name = service.key;
        // Not a [service.NAME] table: reported at the top level as key "service.NAME".
        if (!isTable(service.value)) {
          v.fail('wrong_type', service.line, '', `service.${name}`,
            `expected a [service.${name}] table, got ${typeName(service.value)}`, 'a table');
        }
        serviceOwns.push([name, v.checkTable(service.value, ['service', name], `service.${name}`)]);
      }
    }

    // Then inheritance: built-ins < [default] < [service.NAME], each checked.
    const defaults = v.effective(defaultOwn, DEFAULT_POLICY, '');
    const services = new Map(serviceOwns.map(([name, own]) => [name, v.effective(own, defaults, name)]));
    return new PolicySet(file, defaults, services);
  }

  /** The policy file at `path`. */
  static load(path) {
    const file = String(path);
    let bytes;
    try {
      bytes = fs.readFileSync(path);
    } catch (error) {
      // "ENOENT: no such file or directory, open 'x'" -> "no such file or directory"
      const reason = /^[A-Z]+: ([^,]+)/.exec(error.message)?.[1] ?? error.message;
      throw new PolicyError({ kind: 'io', file, problem: `cannot read the file: ${reason}`, allowed: 'a readable TOML file' });
    }
    // Read before any TOML, so whatever else is wrong: a syntax error on the line where it stops.
    const invalid = firstInvalidUtf8(bytes);
    if (invalid >= 0) {
      const line = bytes.subarray(0, invalid).filter((byte) => byte === 0x0a).length + 1;
      throw new PolicyError({ kind: 'syntax', file, line, problem: 'the file is not valid UTF-8', allowed: TOML_ALLOWED });
    }
    // ignoreBOM: the text keeps its BOM; parse skips one, as TOML allows.
    return PolicySet.parse(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), file);
  }

  /** The effective policy of service `name`; `unknown_service` when the file has no such table. */
  service(name) {
    const policy = this.services.get(name);
    if (policy !== undefined) return policy;
    const defined = [...this.services.keys()].join(', ');
    throw new PolicyError({
      kind: 'unknown_service', file: this.file, table: `service.${name}`,
      problem: 'no such service in the policy file',
      allowed: defined || 'none; the file defines no [service.NAME] table',
    });
  }

  /** `service` ? its policy : the `[default]` policy. */
  get(service) {
    return service ? this.service(service) : this.defaults;
  }
}

/** The effective policy of `service` (none: the `[default]` table) in the file at `path`. */
function loadPolicy(path, { service } = {}) {
  return PolicySet.load(path).get(service);
}

/** The effective policy of `service` in policy text (`file` names it in errors). */
function parsePolicy(text, { service, file = '<string>' } = {}) {
  return PolicySet.parse(text, file).get(service);
}

const cache = new Map();

/**
 * The policy an adapter uses: `policy` when given; else the file named by
 * $CONNGUARD_POLICY for `service` (or $CONNGUARD_SERVICE), read again only
 * when it changes; else the built-in defaults.
 */
function resolvePolicy(policy, service) {
  if (policy) return policy;
  const path = process.env[POLICY_ENV];
  if (!path) return DEFAULT_POLICY;
  const name = service || process.env[SERVICE_ENV] || '';
  let mtime = -1; // unreadable: let the loader report it as a PolicyError
  try {
    mtime = fs.statSync(path).mtimeMs;
  } catch {}
  const key = JSON.stringify([path, name]);
  const cached = cache.get(key);
  if (cached?.mtime === mtime) return cached.policy;
  const loaded = loadPolicy(path, { service: name });
  cache.set(key, { mtime, policy: loaded });
  return loaded;
}

/** The service to name in log lines: the caller's, else the policy's, else the environment's. */
function serviceName(policy, service) {
  return service || policy.service || process.env[SERVICE_ENV] || '';
}

module.exports = {
  DEFAULT_POLICY,
  POLICY_ENV,
  SERVICE_ENV,
  PolicySet,
  loadPolicy,
  parsePolicy,
  resolvePolicy,
  serviceName,
};
