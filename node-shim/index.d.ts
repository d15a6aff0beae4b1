import type { ConnectionOptions, Connection, Pool, PoolOptions } from 'mysql2/promise';

export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';
export type ErrorClass = 'capacity' | 'transient' | 'fatal';
export type Reason = 'fatal' | 'attempts' | 'deadline';
export type PolicyErrorKind =
  | 'io' | 'syntax' | 'unknown_table' | 'unknown_key' | 'wrong_type' | 'bad_duration'
  | 'out_of_range' | 'bad_choice' | 'inconsistent' | 'unknown_service';

/** The `[default.limiter]` / `[service.NAME.limiter]` table: load control per process and server (docs/spec.md 6). */
export interface LimiterPolicy {
  readonly enabled: boolean;
  /** Connects at once before the first success. */
  readonly initialLimit: number;
  /** Never more connections and connection attempts (probes included) than this per process and server. */
  readonly maxLimit: number;
}

/** An effective policy (docs/spec.md 1.1); durations in seconds. */
export interface Policy {
  readonly service: string;
  readonly maxAttempts: number;
  readonly deadline: number;
  readonly connectTimeout: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly multiplier: number;
  readonly jitter: Jitter;
  readonly retryOn: readonly number[];
  readonly neverRetry: readonly number[];
  readonly limiter: LimiterPolicy;
}

/** The built-in defaults. */
export const DEFAULT_POLICY: Policy;

/** Anything with pino's warn(fields, message) and error(fields, message), e.g. fastify.log. */
export interface Logger {
  warn(fields: object, message: string): unknown;
  error(fields: object, message: string): unknown;
}
export const consoleLogger: Logger;

/** What every adapter takes besides the driver's options. */
export interface GuardOptions {
  /** Default: $CONNGUARD_POLICY for `service` (or $CONNGUARD_SERVICE), else DEFAULT_POLICY. */
  policy?: Policy;
  service?: string;
  /** Default: consoleLogger. */
  logger?: Logger;
}

/** createConnection's guard options: also `signal`, which stops waiting for a turn or a retry. */
export interface ConnectionGuardOptions extends GuardOptions {
  signal?: AbortSignal;
}

export class PolicyError extends Error {
  readonly kind: PolicyErrorKind;
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  readonly table: string;
  readonly key: string;
  readonly problem: string;
  readonly allowed: string;
}

export class PolicySet {
  readonly file: string;
  readonly defaults: Policy;
  readonly services: ReadonlyMap<string, Policy>;
  static parse(text: string, file?: string): PolicySet;
  static load(path: string): PolicySet;
  /** Throws PolicyError (kind unknown_service) for a service the file does not define. */
  service(name: string): Policy;
  get(service?: string | null): Policy;
}

/** The effective policy of `service` (none: `[default]`) in the file at `path`; throws PolicyError. */
export function loadPolicy(path: string, options?: { service?: string | null }): Policy;
export function parsePolicy(text: string, options?: { service?: string | null; file?: string }): Policy;
export function resolvePolicy(policy?: Policy | null, service?: string | null): Policy;

export function parseDuration(text: string): number | null;
export function formatDuration(seconds: number): string;

export interface CodeInfo {
  readonly code: number;
  readonly name: string;
  readonly errorClass: ErrorClass;
  readonly meaning: string;
  readonly advice: string;
}
export function codeInfo(code: number): CodeInfo | undefined;
/** `code` null: a network error with no server code. */
export function classify(code: number | null, policy?: Policy): ErrorClass;
/** The server error number a mysql2 error carries, else null. */
export function errorCode(error: unknown): number | null;
export function isNetworkError(error: unknown): boolean;

export class SplitMix64 {
  state: bigint;
  constructor(seed: bigint | number | string);
  next(): bigint;
  nextUnit(): number;
}

export class Schedule {
  constructor(policy: Policy, seed: bigint | number | string);
  next(): number;
}

export interface Verdict {
  retry: boolean;
  delay: number;
  reason: Reason | null;
  errorClass: ErrorClass;
  attempt: number;
}

export class Decision {
  constructor(policy: Policy, seed: bigint | number | string);
  readonly attempts: number;
  afterFailure(code: number | null, elapsed: number): Verdict;
  afterSuccess(): number;
}

/** What the limiter answers to an event: who may attempt now, and when to call probe() (seconds), if at all. */
export interface LimiterActions<W> {
  granted: W[];
  probeIn: number | null;
}

/** Load control per process and server (docs/spec.md 6): a state machine with no clock; adapters feed it events. */
export class Limiter<W = unknown> {
  constructor(policy: Policy, seed: bigint | number | string);
  readonly limit: number;
  readonly holding: number;
  readonly inUse: number;
  readonly queue: readonly W[];
  readonly slowStart: boolean;
  acquire(waiter: W): LimiterActions<W>;
  connected(waiter: W): LimiterActions<W>;
  rejected(waiter: W): LimiterActions<W>;
  left(waiter: W): LimiterActions<W>;
  released(): LimiterActions<W>;
  probe(): LimiterActions<W>;
}

/** What a Call answers to an event (docs/spec.md 7): actions for its runner to perform, in order. */
export type CallAction =
  | { do: 'join' }
  | { do: 'connected' }
  | { do: 'rejected' }
  | { do: 'left' }
  /** Wait at the gate until `until` seconds into the call, then feed granted or expired. */
  | { do: 'wait'; until: number }
  /** One connection attempt, capped at `timeout` seconds. */
  | { do: 'attempt'; timeout: number }
  /** Sleep `delay` seconds, then feed woke. */
  | { do: 'sleep'; delay: number }
  /** The retry WARNING; `delay` null: the caller waits at the gate instead of sleeping. */
  | { do: 'retry'; attempt: number; max_attempts: number; code: number | null; class: ErrorClass; delay: number | null; elapsed: number }
  /** The give-up ERROR; `attempted` false (a caller that never had a turn): `code` and `class` null. */
  | { do: 'give_up'; reason: Reason; attempts: number; elapsed: number; code: number | null; class: ErrorClass | null; attempted: boolean }
  | { do: 'done'; attempts: number; elapsed: number };

/**
 * One call to connect (docs/spec.md 7): a state machine with no clock. A
 * runner feeds it events, `t` the seconds since the call started, and
 * performs the actions each answers. An event its phase does not take throws
 * CallError and changes nothing.
 */
export class Call {
  /** `gated`: the call goes through a gate (the limiter is enabled and the target known). */
  constructor(policy: Policy, seed: bigint | number | string, gated: boolean);
  readonly phase: 'idle' | 'waiting' | 'attempting' | 'sleeping' | 'done';
  start(): CallAction[];
  granted(t: number): CallAction[];
  succeeded(t: number): CallAction[];
  /** `code` null: a network error with no server code. */
  failed(t: number, code: number | null): CallAction[];
  woke(t: number): CallAction[];
  expired(t: number): CallAction[];
  abandoned(t: number): CallAction[];
}
export class CallError extends Error {}

/** Set as `error.connguard` on the driver's own error when connguard gives up. */
export interface GiveUp {
  readonly attempts: number;
  readonly elapsed: number;
  readonly reason: Reason;
  readonly errorClass: ErrorClass;
  readonly code: number | null;
  /** The give-up line's head (docs/spec.md 4.2), and `; ADVICE` for a fatal code connguard knows. */
  readonly summary: string;
  /** For a fatal code connguard knows: what an operator should do. */
  readonly advice: string | null;
}
export function giveUpInfo(error: unknown): GiveUp | undefined;

export function maskDsn(text: string): string;

/** One attempt's cap: it should give up after `timeout` seconds, when `signal` aborts (with a network timeout error). */
export interface AttemptCap {
  timeout: number;
  signal: AbortSignal;
}

/** retryCall's options. */
export interface RetryCallOptions<T> {
  service?: string;
  /**
   * The server `connect` reaches, as mysql2 options or a URL with a host
   * (`mysql://user:password@host:3306/db`): named in log lines (password
   * masked) and, with the policy's limiter enabled, the call goes through the
   * process's gate for it, the one createConnection and createPool use. Any
   * other string rejects with a TypeError.
   */
  target?: ConnectionOptions | string;
  /**
   * With a gate: calls `release()` once `connection` has closed. Default: a
   * mysql2 connection's socket close; any other connection gives its slot
   * back as soon as it opens (its attempts were paced, its lifetime is not counted).
   */
  onClose?: (connection: T, release: () => void) => void;
  logger?: Logger;
  /** Aborts waiting at the gate and the sleeps between attempts. */
  signal?: AbortSignal;
}

/** `await connect(cap)`, retried per `policy` while it fails to connect (as mysql2's errors tell). */
export function retryCall<T>(policy: Policy, connect: (cap: AttemptCap) => Promise<T>, options?: RetryCallOptions<T>): Promise<T>;

/** mysql2/promise createConnection, retried per the policy; connectTimeout from the policy unless set. */
export function createConnection(options: ConnectionOptions | string, guard?: ConnectionGuardOptions): Promise<Connection>;

/** mysql2/promise createPool whose getConnection/query/execute retry refused new connections. */
export function createPool(options: PoolOptions | string, guard?: GuardOptions): Pool;

/** No pooled connection became free within the policy's deadline. */
export class PoolTimeoutError extends Error {
  readonly code: 'CONNGUARD_POOL_TIMEOUT';
  readonly size: number;
  readonly target: string;
  readonly waited: number;
  readonly deadline: number;
}

/** A caller waited its whole deadline in the limiter's queue without one attempt. */
export class QueueTimeoutError extends Error {
  readonly code: 'CONNGUARD_QUEUE_TIMEOUT';
  readonly target: string;
  readonly waited: number;
}

/** The events of docs/spec.md 8.1, each published on the node:diagnostics_channel channel `connguard:<name>`. */
export type EventName = 'granted' | 'attempt' | 'failed' | 'retry' | 'give_up' | 'connected' | 'released' | 'limit';
export const CHANNELS: { readonly [N in EventName]: `connguard:${N}` };

/** What every call event carries: the service (`default` for `[default]`) and the target, masked (`-` when unknown). */
export interface CallEventBase {
  readonly service: string;
  readonly target: string;
}
/** A gated call's wait returned a turn, `waited` seconds after it joined or went back to the queue. */
export interface GrantedEvent extends CallEventBase {
  readonly name: 'granted';
  readonly waited: number;
}
/** Attempt `attempt` (1 for the first) starts. */
export interface AttemptEvent extends CallEventBase {
  readonly name: 'attempt';
  readonly attempt: number;
}
/** An attempt failed to connect; `code` null: a network error. `elapsed`: seconds since the call started. */
export interface FailedEvent extends CallEventBase {
  readonly name: 'failed';
  readonly attempt: number;
  readonly code: number | null;
  readonly class: ErrorClass;
  readonly elapsed: number;
}
/** The call retries after `attempt`: `delay` seconds of sleep, or null: it waits at the gate. */
export interface RetryEvent extends CallEventBase {
  readonly name: 'retry';
  readonly attempt: number;
  readonly delay: number | null;
  readonly elapsed: number;
}
/** The call gave up; `code` and `class` null when it never attempted. */
export interface GiveUpEvent extends CallEventBase {
  readonly name: 'give_up';
  readonly reason: Reason;
  readonly attempts: number;
  readonly elapsed: number;
  readonly code: number | null;
  readonly class: ErrorClass | null;
}
/** The call connected after `attempts` attempts. */
export interface ConnectedEvent extends CallEventBase {
  readonly name: 'connected';
  readonly attempts: number;
  readonly elapsed: number;
}
/** A gated connection's slot went back to the gate of `server` (host:port, or the socket path). */
export interface ReleasedEvent {
  readonly name: 'released';
  readonly server: string;
}
/** A limiter event changed `server`'s limit: the limiter's state after it. */
export interface LimitEvent {
  readonly name: 'limit';
  readonly server: string;
  readonly limit: number;
  readonly holding: number;
  readonly in_flight: number;
  readonly queued: number;
}
export type ConnguardEvent =
  | GrantedEvent | AttemptEvent | FailedEvent | RetryEvent | GiveUpEvent | ConnectedEvent | ReleasedEvent | LimitEvent;

/** A counter or gauge of a snapshot (docs/spec.md 8.3), by its Prometheus name. */
export interface ValueSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
/** The duration histogram: `buckets` are `[le, cumulative count]`, the last `['+Inf', count]`. */
export interface HistogramSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly count: number;
  readonly sum: number;
  readonly buckets: ReadonlyArray<readonly [number | '+Inf', number]>;
}
export type Series = ValueSeries | HistogramSeries;

/**
 * The metrics of docs/spec.md 8.2 in memory, from start() to stop(): counters
 * and the duration histogram from the events, the limiter's gauges read from
 * the process's gates by snapshot().
 */
export class Metrics {
  start(): this;
  stop(): void;
  /** Sorted by name, then labels. */
  snapshot(): Series[];
}
