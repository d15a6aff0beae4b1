'use strict';
// Masking the secrets in a text (docs/spec.md 4.3), line by line: a URL's
// password and the value of a password/secret pair become `***`.
// tests/vectors/mask.json pins the rule, as for every implementation.

// SCHEME:/ or SCHEME:// (the scheme starts a word), or a bare //.
const SCHEME = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/{1,2}|\/\//;
// A key as a whole word, maybe closing a quote, then = or : with optional spaces.
// Without the u flag, i folds ASCII letters only, as the other implementations do.
const KEY = /(?<![A-Za-z0-9_])(?:password|passwd|pwd|pass|secret)(?![A-Za-z0-9_])['"]?[ \t]*[=:][ \t]*/gi;
// What ends an unquoted value: a separator, then the next key and its = or :.
// ASCII white space, not \s: each language's \s holds other characters.
const NEXT_PAIR = /[ \t\n\v\f\r;&,][ \t]*['"]?[A-Za-z_][A-Za-z0-9_.-]*['"]?[ \t]*[=:]/g;
// MariaDB's "(using password: YES)" tells nothing.
const SERVER_NOTE = /(?:YES|NO)\)/y;

// The userinfo after the first scheme runs to the line's last '@'; a later
// scheme lies inside it or past that '@', so one URL at most is masked.
function maskUrl(line) {
  const scheme = SCHEME.exec(line);
  if (!scheme) return line;
  const start = scheme.index + scheme[0].length;
  const end = line.lastIndexOf('@');
  const colon = line.indexOf(':', start);
  if (end < start || colon < 0 || colon >= end) return line; // no password
  return `${line.slice(0, colon + 1)}***${line.slice(end)}`;
}

function maskPairs(line) {
  let out = '';
  let at = 0;
  for (const key of line.matchAll(KEY)) {
    let start = key.index + key[0].length;
    SERVER_NOTE.lastIndex = start;
    if (start < at || SERVER_NOTE.test(line)) continue;
    let end;
    const quote = line[start];
    if (quote === '"' || quote === "'") {
      start += 1;
      end = line.indexOf(quote, start);
      if (end < 0) end = line.length;
    } else {
      NEXT_PAIR.lastIndex = start;
      end = NEXT_PAIR.exec(line)?.index ?? line.length;
    }
    if (end === start) continue; // an empty value hides nothing
    out += `${line.slice(at, start)}***`;
    at = end;
  }
  return out + line.slice(at);
}

/** `text` with every password in a URL or a `password=` pair shown as `***`. */
function maskDsn(text) {
  return String(text)
    .split('\n')
    .map((line) => maskPairs(maskUrl(line)))
    .join('\n');
}

module.exports = { maskDsn };
