'use strict';
// Durations of docs/spec.md 1.2: "250ms", "5s", "2m".

// No flags: `$` is the end of the text, so "30s\n" does not match.
const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/;

/** Seconds for a duration string, or null when it does not match 1.2. */
function parseDuration(text) {
  const match = DURATION.exec(text);
  if (match === null) return null;
  const value = Number(match[1]); // correctly rounded: the nearest double
  if (match[2] === 'ms') return value / 1000;
  if (match[2] === 'm') return value * 60;
  return value;
}

// Fixed notation (never "1e-7") of the shortest text that reads back as value.
function fixed(value) {
  const text = String(value);
  const exp = text.indexOf('e');
  if (exp < 0) return text;
  const power = Number(text.slice(exp + 1));
  const digits = text.slice(0, exp).replace('.', '');
  const point = text.slice(0, exp).split('.')[0].length + power;
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The shortest of "Xs", "Xms", "Xm" that reads back as exactly `seconds`. */
function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError('formatDuration: duration must be finite and >= 0');
  }
  let best = `${fixed(seconds)}s`;
  for (const candidate of [`${fixed(seconds * 1000)}ms`, `${fixed(seconds / 60)}m`]) {
    if (candidate.length < best.length && parseDuration(candidate) === seconds) best = candidate;
  }
  return best;
}

module.exports = { parseDuration, formatDuration };
