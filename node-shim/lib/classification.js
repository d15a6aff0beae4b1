'use strict';
// docs/spec.md section 2: an error code's class, and what a mysql2 error's
// code is. The table is the C++ engine's (native/src/classification.cpp).

const C = 'capacity';
const T = 'transient';
const F = 'fatal';

// [code, name, class, meaning, advice] for every code spec 2 names. Codes absent
// here are fatal by rule, not by entry.
const CODES = new Map(
  [
    [1040, 'ER_CON_COUNT_ERROR', C, 'Too many connections: the server reached max_connections.',
      'Raise max_connections or shrink client pools; consider a connection pooler.'],
    [1041, 'ER_OUT_OF_RESOURCES', C, 'The server ran out of memory.',
      "Check the server's memory use and per-connection buffers; reduce connections or add memory."],
    [1044, 'ER_DBACCESS_DENIED_ERROR', F, 'The account has no access to the requested database.',
      'GRANT the account privileges on that database, or connect to another one.'],
    [1045, 'ER_ACCESS_DENIED_ERROR', F, 'Access denied: wrong user, password or client host.',
      'Check the credentials and the hosts the account may connect from (SHOW GRANTS).'],
    [1049, 'ER_BAD_DB_ERROR', F, 'The requested database does not exist.',
      'Fix the database name in the connection settings or create the database.'],
    [1053, 'ER_SERVER_SHUTDOWN', T, 'The server is shutting down.',
      'Wait for the restart or fail over; check whether the shutdown was planned.'],
    [1129, 'ER_HOST_IS_BLOCKED', F, 'The client host is blocked after too many failed connection attempts.',
      'On the server, run FLUSH HOSTS or raise max_connect_errors, then fix what makes connections fail.'],
    [1135, 'ER_CANT_CREATE_THREAD', C, 'The server could not create a thread for the connection.',
      "Check the server's OS limits (ulimit -u, systemd TasksMax) and memory, or use a thread pool."],
    [1158, 'ER_NET_READ_ERROR', T, 'The server got an error reading a packet from the client.',
      'Check the network between client and server and net_read_timeout.'],
    [1159, 'ER_NET_READ_INTERRUPTED', T, 'The server timed out reading a packet from the client.',
      'Check network latency and packet loss, and net_read_timeout.'],
    [1160, 'ER_NET_ERROR_ON_WRITE', T, 'The server got an error writing a packet to the client.',
      'Check the network between client and server and net_write_timeout.'],
    [1161, 'ER_NET_WRITE_INTERRUPTED', T, 'The server timed out writing a packet to the client.',
      'Check network latency and packet loss, and net_write_timeout.'],
    [1203, 'ER_TOO_MANY_USER_CONNECTIONS', C, 'The account already has max_user_connections active connections.',
      "Raise the account's connection limit or shrink the pools that use this account."],
    [1226, 'ER_USER_LIMIT_REACHED', C, 'The account exceeded a resource limit such as MAX_CONNECTIONS_PER_HOUR.',
      "Raise the account's resource limits (ALTER USER ... WITH ...) or spread the load."],
    [1927, 'ER_CONNECTION_KILLED', T, 'The connection was killed.',
      'Find what killed it: a KILL statement, a query killer or a failover tool.'],
    [2002, 'CR_CONNECTION_ERROR', T, 'Cannot connect through the local socket.',
      'Check that the server is running and the socket path is right.'],
    [2003, 'CR_CONN_HOST_ERROR', T, "Cannot connect to the server's host and port.",
      'Check that the server is up and listening on that address, and that no firewall blocks it.'],
    [2005, 'CR_UNKNOWN_HOST', F, "The server's host name cannot be resolved.",
      'Fix the host name in the connection settings or the DNS records.'],
    [2006, 'CR_SERVER_GONE_ERROR', T, 'The server closed the connection (server has gone away).',
      'Check the server log for restarts or crashes, and wait_timeout and max_allowed_packet.'],
    [2013, 'CR_SERVER_LOST', T, 'The connection to the server was lost.',
      'Check the network, proxies and load balancers in between, and the server log.'],
    [2026, 'CR_SSL_CONNECTION_ERROR', F, 'The TLS handshake with the server failed.',
      'Check TLS settings on both sides: certificates, CA, TLS versions and ciphers.'],
    [2055, 'CR_SERVER_LOST_EXTENDED', T, 'The connection to the server was lost at a stage the client reports.',
      'Check the network, proxies and load balancers in between, and the server log.'],
    [2059, 'CR_AUTH_PLUGIN_CANNOT_LOAD', F, 'The client cannot load the authentication plugin the account uses.',
      'Install the plugin for the client, or switch the account to a plugin the client has.'],
    [9001, 'PROXYSQL_MAX_CONNECT_TIMEOUT', C,
      'ProxySQL found no usable backend within its connect timeout (Max connect timeout reached).',
      "Check backend health and ProxySQL's hostgroup limits and connect timeouts."],
  ].map(([code, name, errorClass, meaning, advice]) => [code, Object.freeze({ code, name, errorClass, meaning, advice })]),
);

/** What connguard knows of an error number, or undefined (such codes are fatal). */
function codeInfo(code) {
  return CODES.get(code);
}

/**
 * The class of an error code (null: a network error with no server code).
 * With a policy, never_retry > built-in capacity/transient > retry_on > fatal.
 */
function classify(code, policy) {
  if (code === null || code === undefined) return T;
  if (policy?.neverRetry.includes(code)) return F;
  const builtin = CODES.get(code)?.errorClass ?? F;
  if (builtin !== F) return builtin;
  return policy?.retryOn.includes(code) ? T : F;
}

// mysql2 errors for a connection that broke before any server code arrived.
const LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);

// mysql2's codes for a TLS handshake that failed, or that the server cannot do.
const TLS = new Set(['HANDSHAKE_SSL_ERROR', 'HANDSHAKE_NO_SSL_SUPPORT']);

/**
 * The MySQL/MariaDB error number a mysql2 error carries, else null. A Node
 * system error's errno is libuv's (negative), not a server code. Driver
 * failures map as spec 2 says, as the C client does: a host name that does not
 * resolve is 2005 CR_UNKNOWN_HOST, a failed TLS handshake 2026
 * CR_SSL_CONNECTION_ERROR (both fatal).
 */
function errorCode(error) {
  if (error?.syscall === 'getaddrinfo') return 2005;
  if (TLS.has(error?.code)) return 2026;
  const errno = error?.errno;
  return Number.isInteger(errno) && errno > 0 && error.syscall === undefined ? errno : null;
}

/** A socket error or timeout with no server code (refused, reset, timed out, lost). */
function isNetworkError(error) {
  if (errorCode(error) !== null) return false;
  return typeof error?.syscall === 'string' || LOST.has(error?.code);
}

module.exports = { classify, codeInfo, errorCode, isNetworkError };
