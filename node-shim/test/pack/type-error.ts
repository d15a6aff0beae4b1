// Compiled by pack.test.js, which expects tsc to reject it: proof that connguard's types are checked.
import { createPool } from 'connguard';

createPool({ host: '127.0.0.1' }, { service: 42 });
