'use strict';
// The per-call random source of docs/spec.md 3.1. BigInt because the
// arithmetic is mod 2^64, which a JS number cannot hold.

const MASK = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;
const UNIT = 2 ** -53;

class SplitMix64 {
  /** @param {bigint | number | string} seed taken mod 2^64 */
  constructor(seed) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  /** The next raw 64-bit output. */
  next() {
    this.state = (this.state + GAMMA) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** Uniform in [0, 1): the top 53 bits of next(), exact as a double. */
  nextUnit() {
    return Number(this.next() >> 11n) * UNIT;
  }
}

module.exports = { SplitMix64 };
