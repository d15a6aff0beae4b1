'use strict';
// Metrics (docs/spec.md 8.2, 8.3), computed from the events of lib/events.js:
// the mapping from events to instruments, in one place (measure); Metrics,
// an in-memory aggregate with the spec's snapshot; and OpenTelemetry, which
// records into `metrics.getMeter('connguard')` of @opentelemetry/api's global
// meter provider from the moment this module loads, when the package is
// installed (an optional peer dependency). Not installed, nothing subscribes
// to the channels and the event sites build nothing.

const dc = require('node:diagnostics_channel');
const { CHANNELS } = require('./events');
const { liveGates } = require('./gate');
const { version } = require('../package.json');

/** The duration histogram's bucket bounds, seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

// Spec 8.2's instruments that events move, by OpenTelemetry name.
const INSTRUMENTS = {
  'connguard.attempts': { prometheus: 'connguard_attempts_total', unit: '{attempt}', description: 'Connection attempts made' },
  'connguard.attempt.failures': {
    prometheus: 'connguard_attempt_failures_total',
    unit: '{attempt}',
    description: 'Connection attempts that failed, by error class and code (refused connects: class capacity)',
  },
  'connguard.give_ups': { prometheus: 'connguard_give_ups_total', unit: '{call}', description: 'Calls that gave up, by reason' },
  'connguard.connects': { prometheus: 'connguard_connects_total', unit: '{call}', description: 'Calls that connected' },
  'connguard.connects.retried': {
    prometheus: 'connguard_connects_retried_total',
    unit: '{call}',
    description: 'Calls that connected after more than one attempt',
  },
  'connguard.connect.duration': {
    prometheus: 'connguard_connect_duration_seconds',
    unit: 's',
    description: 'Time from the start of a call to its connection or give-up, waits at the gate included',
    histogram: true,
  },
};

// The limiter's gauges, label `server`, read from the live gates when collected.
const GAUGES = [
  { name: 'connguard.limiter.limit', prometheus: 'connguard_limiter_limit', unit: '{connection}', read: (l) => l.limit,
    description: 'Connections and attempts the limiter allows at once' },
  { name: 'connguard.limiter.holding', prometheus: 'connguard_limiter_holding', unit: '{connection}', read: (l) => l.holding,
    description: 'Connections open through the gate' },
  { name: 'connguard.limiter.in_flight', prometheus: 'connguard_limiter_in_flight', unit: '{attempt}', read: (l) => l.inFlight.size,
    description: 'Attempts granted and not yet reported' },
  { name: 'connguard.limiter.queued', prometheus: 'connguard_limiter_queued', unit: '{call}', read: (l) => l.queue.length,
    description: 'Callers waiting at the gate' },
];

// The events that move instruments: the others are not subscribed to, so not built.
const MEASURED = ['attempt', 'failed', 'give_up', 'connected'];

/**
 * Spec 8.2's mapping: the instruments `event` moves, told to `sink` as
 * `add(instrument, labels)` (a counter, by 1) and `record(instrument, labels, seconds)`.
 */
function measure(event, sink) {
  const { service, target } = event;
  switch (event.name) {
    case 'attempt':
      sink.add('connguard.attempts', { service, target });
      break;
    case 'failed': {
      const code = event.code === null ? 'network' : String(event.code);
      sink.add('connguard.attempt.failures', { service, target, class: event.class, code });
      break;
    }
    case 'give_up':
      sink.add('connguard.give_ups', { service, target, reason: event.reason });
      sink.record('connguard.connect.duration', { service, target, outcome: 'gave_up' }, event.elapsed);
      break;
    case 'connected':
      sink.add('connguard.connects', { service, target });
      if (event.attempts > 1) sink.add('connguard.connects.retried', { service, target });
      sink.record('connguard.connect.duration', { service, target, outcome: 'connected' }, event.elapsed);
      break;
  }
}

function subscribe(onEvent) {
  for (const name of MEASURED) dc.subscribe(CHANNELS[name], onEvent);
}

function unsubscribe(onEvent) {
  for (const name of MEASURED) dc.unsubscribe(CHANNELS[name], onEvent);
}

// Labels with their keys in order, so equal label sets render and compare alike.
const sorted = (labels) => Object.fromEntries(Object.keys(labels).sort().map((key) => [key, labels[key]]));

// By code point, as the other languages sort (UTF-8 bytes); `<` compares UTF-16 units.
const compare = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Series by name, then labels: key by key, then value by value, a shorter list first.
function bySeries(a, b) {
  const first = compare(a.name, b.name);
  if (first !== 0) return first;
  const x = Object.entries(a.labels);
  const y = Object.entries(b.labels);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const order = compare(x[i][0], y[i][0]) || compare(x[i][1], y[i][1]);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/**
 * The spec's metrics in memory, from start() to stop(): counters and the
 * duration histogram from the events, the limiter's gauges from the
 * process's gates when snapshot() reads them.
 */
class Metrics {
  constructor() {
    const series = new Map();
    const find = (instrument, labels, make) => {
      const name = INSTRUMENTS[instrument].prometheus;
      const key = JSON.stringify([name, labels]);
      let found = series.get(key);
      if (found === undefined) {
        found = { name, labels: sorted(labels), ...make() };
        series.set(key, found);
      }
      return found;
    };
    const sink = {
      add: (instrument, labels) => {
        find(instrument, labels, () => ({ value: 0 })).value += 1;
      },
      record: (instrument, labels, seconds) => {
        const histogram = find(instrument, labels, () => ({ count: 0, sum: 0, counts: BUCKETS.map(() => 0) }));
        histogram.count += 1;
        histogram.sum += seconds;
        const bucket = BUCKETS.findIndex((le) => seconds <= le);
        if (bucket >= 0) histogram.counts[bucket] += 1;
      },
    };
    this.series = series;
    this.onEvent = (event) => measure(event, sink);
  }

  /** Counts the events from now on (once, however often it is called); answers this. */
  start() {
    unsubscribe(this.onEvent);
    subscribe(this.onEvent);
    return this;
  }

  /** Stops counting; what was counted stays. */
  stop() {
    unsubscribe(this.onEvent);
  }

  /**
   * Spec 8.3's snapshot: a list of series sorted by name then labels, named
   * as Prometheus names them: `{name, labels, value}` for counters and
   * gauges, `{name, labels, count, sum, buckets}` for the histogram, whose
   * buckets are `[le, cumulative count]` over BUCKETS, then `['+Inf', count]`.
   */
  snapshot() {
    const out = [];
    for (const s of this.series.values()) {
      if (s.counts === undefined) {
        out.push({ name: s.name, labels: { ...s.labels }, value: s.value });
        continue;
      }
      let cumulative = 0;
      const buckets = BUCKETS.map((le, i) => [le, (cumulative += s.counts[i])]);
      out.push({ name: s.name, labels: { ...s.labels }, count: s.count, sum: s.sum, buckets: [...buckets, ['+Inf', s.count]] });
    }
    for (const gate of liveGates()) {
      for (const { prometheus, read } of GAUGES) out.push({ name: prometheus, labels: { server: gate.server }, value: read(gate.limiter) });
    }
    return out.sort(bySeries);
  }
}

/**
 * Records every measured event into OpenTelemetry, through `api` (the
 * @opentelemetry/api module): into the meter `connguard` of the global meter
 * provider in place at the event, so an SDK registered after connguard
 * loads is used from its next event on.
 */
function recordToOpenTelemetry(api) {
  let provider = null;
  let instruments = null;
  const sink = {
    add: (instrument, labels) => instruments[instrument].add(1, labels),
    record: (instrument, labels, seconds) => instruments[instrument].record(seconds, labels),
  };
  const onEvent = (event) => {
    const current = api.metrics.getMeterProvider();
    if (current !== provider) {
      provider = current;
      instruments = openTelemetryInstruments(current.getMeter('connguard', version));
    }
    measure(event, sink);
  };
  subscribe(onEvent);
}

// The instruments of spec 8.2 on `meter`: the gauges observed from the live gates at each collection.
function openTelemetryInstruments(meter) {
  const made = {};
  for (const [name, { unit, description, histogram }] of Object.entries(INSTRUMENTS)) {
    made[name] = histogram
      ? meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: BUCKETS } })
      : meter.createCounter(name, { unit, description });
  }
  const gauges = GAUGES.map(({ name, unit, description }) => meter.createObservableGauge(name, { unit, description }));
  meter.addBatchObservableCallback((result) => {
    for (const gate of liveGates()) {
      GAUGES.forEach(({ read }, i) => result.observe(gauges[i], read(gate.limiter), { server: gate.server }));
    }
  }, gauges);
  return made;
}

// OpenTelemetry is on as soon as its API resolves from here (the application's node_modules).
function openTelemetryApi() {
  try {
    return require('@opentelemetry/api');
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND') return null;
    throw error;
  }
}

const otel = openTelemetryApi();
if (otel !== null) recordToOpenTelemetry(otel);

module.exports = { Metrics };
