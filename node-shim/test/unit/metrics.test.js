'use strict';
// Metrics (docs/spec.md 8.2, 8.3) of scripted calls on a fake clock: the
// in-memory snapshot, and OpenTelemetry read with the SDK's in-memory reader.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const otel = require('@opentelemetry/api');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
const { Metrics, parsePolicy, retryCall } = require('../..');
const { resetGates } = require('../../testing');
const { fakeClock, recordingLogger, scripted } = require('./fakes');

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const policy = parsePolicy('[default]\njitter = "none"\ninitial_delay = "100ms"\n');
const TARGET = 'mysql://app:s3cret@metrics.test:3306/main';
const MASKED = 'mysql://app:***@metrics.test:3306/main';

/**
 * Three calls: service api, no target (so no gate): 1040, network, then
 * connected at t = 0.1 + 0.2; service api, 1045 at t = 0 (gave up); the
 * default service through the gate of TARGET, connected at once and held.
 */
async function threeCalls() {
  const call = (script, options) => {
    const { connect, onClose } = scripted(script);
    return retryCall(policy, connect, { clock: fakeClock(), logger: recordingLogger(), onClose, ...options });
  };
  await call([1040, null, 'ok'], { service: 'api' });
  await assert.rejects(call([1045], { service: 'api' }), { errno: 1045 });
  return call(['ok'], { target: TARGET });
}

// The histogram series of one observation of `seconds`.
function histogram(labels, seconds) {
  const buckets = BUCKETS.map((le) => [le, seconds <= le ? 1 : 0]);
  return { name: 'connguard_connect_duration_seconds', labels, count: 1, sum: seconds, buckets: [...buckets, ['+Inf', 1]] };
}

test('a snapshot: counters and the histogram from the events, the gauges from the gates, in order', async () => {
  resetGates();
  const metrics = new Metrics().start();
  const held = await threeCalls();
  const api = { service: 'api', target: '-' };
  const gated = { service: 'default', target: MASKED };
  const server = { server: 'metrics.test:3306' };
  assert.deepEqual(metrics.snapshot(), [
    { name: 'connguard_attempt_failures_total', labels: { class: 'capacity', code: '1040', ...api }, value: 1 },
    { name: 'connguard_attempt_failures_total', labels: { class: 'fatal', code: '1045', ...api }, value: 1 },
    { name: 'connguard_attempt_failures_total', labels: { class: 'transient', code: 'network', ...api }, value: 1 },
    { name: 'connguard_attempts_total', labels: api, value: 4 },
    { name: 'connguard_attempts_total', labels: gated, value: 1 },
    histogram({ outcome: 'connected', ...api }, 100 + 0.1 + 0.2 - 100), // as the fake clock, which starts at 100, adds
    histogram({ outcome: 'connected', ...gated }, 0),
    histogram({ outcome: 'gave_up', ...api }, 0),
    { name: 'connguard_connects_retried_total', labels: api, value: 1 },
    { name: 'connguard_connects_total', labels: api, value: 1 },
    { name: 'connguard_connects_total', labels: gated, value: 1 },
    { name: 'connguard_give_ups_total', labels: { reason: 'fatal', ...api }, value: 1 },
    { name: 'connguard_limiter_holding', labels: server, value: 1 },
    { name: 'connguard_limiter_in_flight', labels: server, value: 0 },
    { name: 'connguard_limiter_limit', labels: server, value: 3 },
    { name: 'connguard_limiter_queued', labels: server, value: 0 },
  ]);

  // The gauges are read when asked; after stop() events count no more.
  held.close();
  metrics.stop();
  await threeCalls();
  const after = metrics.snapshot();
  assert.deepEqual(after.find((s) => s.name === 'connguard_limiter_holding').value, 1, 'the new held connection');
  assert.deepEqual(after.filter((s) => s.name === 'connguard_attempts_total').map((s) => s.value), [4, 1]);
});

// A reader the test collects from when it likes.
class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

test('OpenTelemetry: a meter provider registered after connguard loaded gets every documented instrument', async () => {
  resetGates();
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  otel.metrics.setGlobalMeterProvider(provider);
  try {
    const held = await threeCalls();
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    assert.deepEqual(resourceMetrics.scopeMetrics.map((s) => s.scope.name), ['connguard']);
    const found = new Map(resourceMetrics.scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m]));
    assert.deepEqual([...found.keys()].sort(), [
      'connguard.attempt.failures',
      'connguard.attempts',
      'connguard.connect.duration',
      'connguard.connects',
      'connguard.connects.retried',
      'connguard.give_ups',
      'connguard.limiter.holding',
      'connguard.limiter.in_flight',
      'connguard.limiter.limit',
      'connguard.limiter.queued',
    ]);
    const points = (name) => found.get(name).dataPoints.map((p) => [p.attributes, p.value]);
    assert.deepEqual(points('connguard.attempts'), [[{ service: 'api', target: '-' }, 4], [{ service: 'default', target: MASKED }, 1]]);
    assert.deepEqual(points('connguard.attempt.failures').map(([labels]) => labels.code), ['1040', 'network', '1045']);
    assert.deepEqual(points('connguard.limiter.holding'), [[{ server: 'metrics.test:3306' }, 1]]);
    const duration = found.get('connguard.connect.duration');
    assert.equal(duration.descriptor.unit, 's');
    assert.deepEqual(duration.dataPoints.map((p) => [p.attributes.outcome, p.value.count, p.value.buckets.boundaries]), [
      ['connected', 1, BUCKETS],
      ['gave_up', 1, BUCKETS],
      ['connected', 1, BUCKETS],
    ]);
    held.close();
  } finally {
    otel.metrics.disable();
    await provider.shutdown();
  }
});
