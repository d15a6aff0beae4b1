'use strict';
// Where each key of a TOML document is written. smol-toml reports positions
// only for syntax errors, so policy errors take the line of the offending key
// (and the file order of a table's keys) from this scanner. It runs only on
// text smol-toml has accepted, so it skips values without validating them.

/**
 * Position of every key, table header part and inline-table key, by its full
 * path: `JSON.stringify(["service", "api", "deadline"])` -> `{line, column}`
 * (1-based) where that path is first named.
 */
function keyPositions(text) {
  const positions = new Map();
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const advance = () => {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
    i += 1;
  };
  const skipSpace = (newlines) => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) advance();
      else if (c === '#') while (i < n && text[i] !== '\n') i += 1;
      else break;
    }
  };
  // A basic string's content, escapes decoded (keys may be quoted).
  const basicString = () => {
    let value = '';
    advance(); // opening quote
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') {
        const c = text[i + 1];
        const simple = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };
        if (c === 'u' || c === 'U') {
          const size = c === 'u' ? 4 : 8;
          value += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + size), 16));
          i += 2 + size;
        } else {
          value += simple[c] ?? c;
          i += 2;
        }
      } else {
        value += text[i];
        advance();
      }
    }
    advance(); // closing quote
    return value;
  };
  const keyPart = () => {
    const at = { line, column: i - lineStart + 1 };
    if (text[i] === '"') return { name: basicString(), at };
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1);
      const name = text.slice(i + 1, end);
      i = end + 1;
      return { name, at };
    }
    const start = i;
    while (i < n && /[A-Za-z0-9_-]/.test(text[i])) i += 1;
    return { name: text.slice(start, i), at };
  };
  const dottedKey = () => {
    const parts = [];
    for (;;) {
      skipSpace(false);
      parts.push(keyPart());
      skipSpace(false);
      if (text[i] !== '.') return parts;
      i += 1;
    }
  };
  const record = (prefix, parts) => {
    const path = [...prefix];
    for (const part of parts) {
      path.push(part.name);
      const id = JSON.stringify(path);
      if (!positions.has(id)) positions.set(id, part.at);
    }
    return path;
  };
  const skipMultiline = (quote) => {
    i += 3;
    while (i < n && !text.startsWith(quote, i)) {
      if (quote === '"""' && text[i] === '\\') advance();
      advance();
    }
    i += 3;
    while (text[i] === quote[0]) i += 1; // up to two quotes may end the content
  };
  const skipValue = (path) => {
    const c = text[i];
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) skipMultiline(text.slice(i, i + 3));
    else if (c === '"') basicString();
    else if (c === "'") i = text.indexOf("'", i + 1) + 1;
    else if (c === '[') {
      advance();
      for (skipSpace(true); i < n && text[i] !== ']'; skipSpace(true)) {
        if (text[i] === ',') advance();
        else skipValue(path);
      }
      advance();
    } else if (c === '{') {
      advance();
      for (skipSpace(true); i < n && text[i] !== '}'; skipSpace(true)) {
        if (text[i] === ',') {
          advance();
          continue;
        }
        const inner = record(path, dottedKey());
        advance(); // '='
        skipSpace(false);
        skipValue(inner);
      }
      advance();
    } else {
      while (i < n && !' \t\r\n,]}#'.includes(text[i])) i += 1;
    }
  };

  let table = [];
  for (skipSpace(true); i < n; skipSpace(true)) {
    if (text[i] === '[') {
      const brackets = text[i + 1] === '[' ? 2 : 1;
      i += brackets;
      table = record([], dottedKey());
      i += brackets;
    } else {
      const path = record(table, dottedKey());
      advance(); // '='
      skipSpace(false);
      skipValue(path);
    }
  }
  return positions;
}

module.exports = { keyPositions };
