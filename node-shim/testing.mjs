import testing from './testing.js';

export const { resetGates, setTesting } = testing;
