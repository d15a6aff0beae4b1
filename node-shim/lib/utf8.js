'use strict';
// Where a policy file stops being UTF-8 (docs/spec.md 1.3: a syntax error on
// that line, as the C++ engine reports it). TextDecoder only says whether.

/** The offset of the first byte that starts no well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes) {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let more;
    if (lead >= 0xc2 && lead <= 0xdf) more = 1;
    else if (lead >= 0xe0 && lead <= 0xef) more = 2;
    else if (lead >= 0xf0 && lead <= 0xf4) more = 3;
    else return i;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    const low = { 0xe0: 0xa0, 0xf0: 0x90 }[lead] ?? 0x80;
    const high = { 0xed: 0x9f, 0xf4: 0x8f }[lead] ?? 0xbf;
    for (let k = 1; k <= more; k += 1) {
      const byte = bytes[i + k];
      if (byte === undefined || byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

module.exports = { firstInvalidUtf8 };
