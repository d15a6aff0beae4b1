'use strict';
// The times events carry (docs/spec.md 8.1), on a fake clock; their order and
// other fields are held to tests/vectors/events.json by test/vectors.test.js.

const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const { test } = require('node:test');
const { setImmediate: tick } = require('node:timers/promises');
const { CHANNELS, parsePolicy, retryCall } = require('../..');
const { fakeClock, recordingLogger, scripted } = require('./fakes');

const policy = parsePolicy('[default]\njitter = "none"\ninitial_delay = "100ms"\n\n[default.limiter]\ninitial_limit = 1\nmax_limit = 1\n');

test('granted waited 0 when let in as it joined, else since it joined; elapsed is the call\'s time', async () => {
  const seen = [];
  const onEvent = (event) => seen.push(event);
  for (const name of Object.values(CHANNELS)) dc.subscribe(name, onEvent);
  try {
    const clock = fakeClock();
    const target = { host: 'events.test', user: 'app', password: 's3cret' };
    const call = (script) => {
      const { connect, onClose } = scripted(script);
      return retryCall(policy, connect, { target, onClose, clock, logger: recordingLogger(), service: 'api' });
    };
    const first = await call(['ok']);
    const second = call(['ok']); // max_limit 1: it waits for the first to close
    await tick();
    clock.t += 2.5;
    first.close();
    await second;
    const shown = seen.map(({ name, service, target: where, server, waited, elapsed }) => ({ name, service, where, server, waited, elapsed }));
    const api = { service: 'api', where: 'mysql://app@events.test:3306/', server: undefined };
    const gate = { service: undefined, where: undefined, server: 'events.test:3306' };
    assert.deepEqual(shown, [
      { name: 'granted', ...api, waited: 0, elapsed: undefined },
      { name: 'attempt', ...api, waited: undefined, elapsed: undefined },
      { name: 'connected', ...api, waited: undefined, elapsed: 0 },
      { name: 'released', ...gate, waited: undefined, elapsed: undefined },
      { name: 'granted', ...api, waited: 2.5, elapsed: undefined },
      { name: 'attempt', ...api, waited: undefined, elapsed: undefined },
      { name: 'connected', ...api, waited: undefined, elapsed: 2.5 },
    ]);
  } finally {
    for (const name of Object.values(CHANNELS)) dc.unsubscribe(name, onEvent);
  }
});
