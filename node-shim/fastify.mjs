import connguardMysql from './lib/fastify.js';

export { connguardMysql, connguardMysql as fastifyMysql };
export default connguardMysql;
