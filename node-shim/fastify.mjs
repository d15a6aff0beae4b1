import connguardMysql from './lib/fastify.js';

export { connguardMysql };
export default connguardMysql;
