/**
 * Turns test mode on or off for the process (docs/spec.md 8.4): while it is
 * on, every delay a call sleeps and every probe-timer delay is 0, and a call
 * makes at most `attempts` attempts when that is given.
 */
export function setTesting(on: boolean, options?: { attempts?: number | null }): void;

/** Drops every gate: the next call to a server starts with a fresh limiter. */
export function resetGates(): void;
