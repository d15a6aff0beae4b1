'use strict';

/**
 * An invalid policy (docs/spec.md 1.3). `kind` is one of the spec's kinds
 * (`unknown_key`, `out_of_range`, ...), identical across C++, Python, Node
 * and Rust; the message reads `FILE:LINE: [TABLE] KEY: PROBLEM (allowed: ALLOWED)`.
 */
class PolicyError extends Error {
  constructor({ kind, file, line = 0, table = '', key = '', problem, allowed = '' }) {
    let message = file;
    if (line !== 0) message += `:${line}`;
    message += ': ';
    if (table !== '') message += `[${table}] `;
    if (key !== '') message += `${key}: `;
    message += problem;
    if (allowed !== '') message += ` (allowed: ${allowed})`;
    // Control characters (a NUL or a newline in a quoted key, say) as \uXXXX:
    // the message stays one whole line, as in every language.
    super(message.replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`));
    this.name = 'PolicyError';
    this.kind = kind;
    this.file = file;
    this.line = line;
    this.table = table;
    this.key = key;
    this.problem = problem;
    this.allowed = allowed;
  }
}

module.exports = { PolicyError };
