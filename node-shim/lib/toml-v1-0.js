'use strict';
// Keeps a policy file to TOML v1.0 and the limits of docs/spec.md 1.3, as the
// C++ engine's parser (toml++) reads it. smol-toml parses what TOML 1.1 added
// and reads integers past 64 bits, with no option for either, so this scanner
// finds, in one pass, the first place where a TOML v1.0 parser with those
// limits stops. It runs on any text (smol-toml may have rejected it): it never
// throws and always advances, and its finding counts only where it comes no
// later than smol-toml's own error.

const MAX_DEPTH = 256; // a key's value is at depth 1, each array or inline table adds one
const MAX_NUMBER = 126; // characters of a number, sign and underscores included
const MAX_FRACTION = 64; // digits of a fraction of a second
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const NEWLINE = 'a newline inside an inline table is TOML 1.1, not 1.0';
const COMMENT = 'a comment inside an inline table is TOML 1.1, not 1.0';
const TRAILING_COMMA = 'a trailing comma in an inline table is TOML 1.1, not 1.0';
const ESCAPE_E = 'the escape \\e is TOML 1.1, not 1.0';
const ESCAPE_X = 'the escape \\xHH is TOML 1.1, not 1.0';
const NO_SECONDS = 'a time without seconds is TOML 1.1, not 1.0';
const TOO_DEEP = `a value nested deeper than ${MAX_DEPTH} levels`;
const TOO_LONG = `a number longer than ${MAX_NUMBER} characters`;
const NOT_64_BITS = 'an integer not representable in 64 bits';
const TOO_LARGE = 'a float too large for a double';
const LONG_FRACTION = `a fraction of a second of more than ${MAX_FRACTION} digits`;
const NO_SUCH_DAY = 'a day its month does not have';
const NO_VALUE = 'a key without a value';
const NO_EQUALS = 'a key without =';

// Ends a bare key part or value (a value keeps its dots: 1.5, 1979-05-27).
const KEY_END = new Set(' \t\r\n,[]{}#="\'.');
const VALUE_END = new Set(' \t\r\n,[]{}#="\'');

/** The time in a bare value ("07:32:00.5", "1979-05-27T07:32Z", ...), when it has one. */
function timeProblem(token) {
  const colon = token.indexOf(':');
  if (colon < 2 || !/^\d\d:\d\d/.test(token.slice(colon - 2))) return null;
  const seconds = /^:(\d\d)(?:\.(\d*))?/.exec(token.slice(colon + 3));
  if (seconds === null) return NO_SECONDS;
  if ((seconds[2] ?? '').length > MAX_FRACTION) return LONG_FRACTION;
  return null;
}

/** A date's day beyond its month (smol-toml takes February 30 for March 2). */
function dateProblem(token) {
  const date = /^(\d{4})-(\d\d)-(\d\d)/.exec(token);
  if (date === null) return null;
  const [year, month, day] = date.slice(1).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day > days ? NO_SUCH_DAY : null;
}

/** A bare value's number, checked against the limits; the rest is smol-toml's to judge. */
function numberProblem(token) {
  if (!/^[+-]?[0-9]/.test(token) || /^\d{4}-\d\d-\d\d/.test(token)) return null;
  if (token.length > MAX_NUMBER) return TOO_LONG;
  const digits = token.replace(/_/g, '');
  if (/^[+-]?(0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|[0-9]+)$/.test(digits)) {
    const negative = digits.startsWith('-');
    const value = BigInt(digits.replace(/^[+-]/, ''));
    return (negative ? -value : value) < INT64_MIN || (negative ? -value : value) > INT64_MAX ? NOT_64_BITS : null;
  }
  if (/^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(digits) && !Number.isFinite(Number(digits))) return TOO_LARGE;
  return null;
}

/**
 * The first place `text` leaves TOML v1.0 or the spec's limits, as
 * `{ at, problem }` (`at`: a UTF-16 offset), or null.
 */
function firstBeyondToml10(text) {
  const n = text.length;
  const open = []; // the arrays ('a') and inline tables ('t') around i, innermost last
  let expect = 'line'; // 'line' (a top-level line's start), 'key', 'value' or 'after' (a value)
  let comma = -1; // the comma that is so far the last thing in the innermost inline table
  // A '=' was the last thing: smol-toml looks past a comment or a newline for
  // the value, which a TOML v1.0 parser finds missing there.
  let afterEquals = false;
  let keyPending = false; // a key without its '=' yet: smol-toml looks past comments and newlines for it
  let found = null;
  const find = (at, problem) => {
    if (found === null || at < found.at) found = { at, problem };
  };
  const inTable = () => open.at(-1) === 't';

  // Past a string at i (any of the four kinds); basic ones are checked for 1.1 escapes.
  const string = () => {
    const quote = text[i];
    const triple = text.startsWith(quote.repeat(3), i);
    const basic = quote === '"';
    i += triple ? 3 : 1;
    while (i < n) {
      const c = text[i];
      if (basic && c === '\\') {
        if (text[i + 1] === 'e') find(i, ESCAPE_E);
        if (text[i + 1] === 'x') find(i, ESCAPE_X);
        i += 2;
      } else if (c === quote && (!triple || text.startsWith(quote.repeat(3), i))) {
        i += triple ? 3 : 1;
        for (let extra = 0; triple && extra < 2 && text[i] === quote; extra += 1) i += 1;
        return;
      } else if (c === '\n' && !triple) {
        return; // unterminated: smol-toml reports it
      } else {
        i += 1;
      }
    }
  };
  const value = (at) => {
    afterEquals = false;
    if (open.length >= MAX_DEPTH) find(at, TOO_DEEP);
  };

  let i = 0;
  while (i < n && (found === null || comma >= 0 || i <= found.at)) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i += 1;
    } else if (c === '\n' || c === '\r') {
      if (afterEquals) find(i, NO_VALUE);
      if (keyPending) find(i, NO_EQUALS);
      if (inTable()) find(i, NEWLINE);
      if (open.length === 0) expect = 'line';
      i += 1;
    } else if (c === '#') {
      if (afterEquals) find(i, NO_VALUE);
      if (keyPending) find(i, NO_EQUALS);
      if (inTable()) find(i, COMMENT);
      while (i < n && text[i] !== '\n') i += 1;
    } else if (c === '"' || c === "'") {
      if (expect === 'value') value(i);
      keyPending = expect === 'line' || expect === 'key';
      string();
      if (expect === 'value') expect = 'after';
      comma = -1;
    } else if (c === '[' && expect === 'line') {
      // A table header: its key parts only.
      for (i += 1; i < n && text[i] !== ']' && text[i] !== '\n'; ) {
        if (text[i] === '"' || text[i] === "'") string();
        else i += 1;
      }
      expect = 'after';
    } else if (c === '[' || c === '{') {
      value(i);
      open.push(c === '[' ? 'a' : 't');
      expect = c === '[' ? 'value' : 'key';
      comma = -1;
      i += 1;
    } else if (c === ']' || c === '}') {
      if (open.at(-1) === (c === ']' ? 'a' : 't')) {
        if (comma >= 0) find(comma, TRAILING_COMMA);
        open.pop();
      }
      expect = open.length === 0 && c === ']' ? expect : 'after';
      comma = -1;
      i += 1;
    } else if (c === ',') {
      comma = inTable() ? i : -1;
      expect = inTable() ? 'key' : 'value';
      i += 1;
    } else if (c === '=') {
      expect = 'value';
      afterEquals = true;
      keyPending = false;
      comma = -1;
      i += 1;
    } else {
      const end = expect === 'value' ? VALUE_END : KEY_END;
      const start = i;
      while (i < n && !end.has(text[i])) i += 1;
      if (i === start) {
        i += 1; // a '.' between key parts, or a stray character
      } else if (expect === 'line' || expect === 'key') {
        keyPending = true;
      } else if (expect === 'value') {
        // A local date-time may hold one space: "1979-05-27 07:32:00".
        if (/^\d{4}-\d\d-\d\d$/.test(text.slice(start, i)) && /^ \d\d:/.test(text.slice(i, i + 4))) {
          for (i += 1; i < n && !end.has(text[i]); ) i += 1;
        }
        const token = text.slice(start, i);
        value(start);
        const problem = dateProblem(token) ?? timeProblem(token) ?? numberProblem(token);
        if (problem !== null) find(start, problem);
        expect = 'after';
      }
      comma = -1;
    }
  }
  return found;
}

module.exports = { firstBeyondToml10 };
