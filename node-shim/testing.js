'use strict';
// connguard/testing: test mode for a service's own tests (docs/spec.md 8.4).

const { resetGates, setTesting } = require('./lib/testing');

module.exports = { resetGates, setTesting };
