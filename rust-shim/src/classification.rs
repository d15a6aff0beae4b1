//! Mapping a failed attempt's error to a retry class (spec 2).

use std::fmt;

use crate::policy::Policy;

/// Whether a failure is worth another attempt, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The server (or a proxy) is out of connections or threads: retried.
    Capacity,
    /// The server is briefly unreachable: retried.
    Transient,
    /// Retrying cannot help: never retried.
    Fatal,
}

impl ErrorClass {
    /// `"capacity"`, `"transient"`, `"fatal"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capacity => "capacity",
            Self::Transient => "transient",
            Self::Fatal => "fatal",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a failed attempt was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// A MySQL/MariaDB error number.
    Code(u16),
    /// A socket error or timeout with no server code: always transient.
    Network,
    /// The pool found no connection within its `acquire_timeout`: always
    /// capacity (the pool, or the server behind it, is full).
    PoolTimedOut,
}

impl Failure {
    /// The error number, if the failure carried one.
    pub fn code(self) -> Option<u16> {
        match self {
            Self::Code(code) => Some(code),
            Self::Network | Self::PoolTimedOut => None,
        }
    }
}

impl fmt::Display for Failure {
    /// `"1040 ER_CON_COUNT_ERROR"`, `"1205"`, `"network"`, `"pool_timed_out"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(code) => match lookup_code(*code) {
                Some(info) => write!(f, "{code} {}", info.name),
                None => write!(f, "{code}"),
            },
            Self::Network => f.write_str("network"),
            Self::PoolTimedOut => f.write_str("pool_timed_out"),
        }
    }
}

/// What connguard knows about a server or client error number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: u16,
    /// Symbolic name, e.g. `ER_CON_COUNT_ERROR`.
    pub name: &'static str,
    /// Built-in class.
    pub class: ErrorClass,
    /// One line: what happened.
    pub meaning: &'static str,
    /// One line: what an operator should do.
    pub advice: &'static str,
}

const fn info(
    code: u16,
    name: &'static str,
    class: ErrorClass,
    meaning: &'static str,
    advice: &'static str,
) -> CodeInfo {
    CodeInfo {
        code,
        name,
        class,
        meaning,
        advice,
    }
}

use ErrorClass::{Capacity as C, Fatal as F, Transient as T};

/// Every code spec 2 names, sorted; codes absent here are fatal by rule.
/// Written by hand from tests/vectors/reference/codes.py and held to
/// error_codes.json, entry for entry, by tests/vectors.rs.
#[rustfmt::skip]
const CODES: [CodeInfo; 27] = [
    info(1040, "ER_CON_COUNT_ERROR", C, "Too many connections: the server reached max_connections.",
         "Raise max_connections or shrink client pools; consider a connection pooler."),
    info(1041, "ER_OUT_OF_RESOURCES", C, "The server ran out of memory.",
         "Check the server's memory use and per-connection buffers; reduce connections or add memory."),
    info(1044, "ER_DBACCESS_DENIED_ERROR", F, "The account has no access to the requested database.",
         "GRANT the account privileges on that database, or connect to another one."),
    info(1045, "ER_ACCESS_DENIED_ERROR", F, "Access denied: wrong user, password or client host.",
         "Check the credentials and the hosts the account may connect from (SHOW GRANTS)."),
    info(1049, "ER_BAD_DB_ERROR", F, "The requested database does not exist.",
         "Fix the database name in the connection settings or create the database."),
    info(1053, "ER_SERVER_SHUTDOWN", T, "The server is shutting down.",
         "Wait for the restart or fail over; check whether the shutdown was planned."),
    info(1129, "ER_HOST_IS_BLOCKED", F, "The client host is blocked after too many failed connection attempts.",
         "On the server, run FLUSH HOSTS or raise max_connect_errors, then fix what makes connections fail."),
    info(1130, "ER_HOST_NOT_PRIVILEGED", F, "The client host is not allowed to connect to this server.",
         "Create or grant the account for this client host (user@'host'), or connect from a host it allows."),
    info(1135, "ER_CANT_CREATE_THREAD", C, "The server could not create a thread for the connection.",
         "Check the server's OS limits (ulimit -u, systemd TasksMax) and memory, or use a thread pool."),
    info(1158, "ER_NET_READ_ERROR", T, "The server got an error reading a packet from the client.",
         "Check the network between client and server and net_read_timeout."),
    info(1159, "ER_NET_READ_INTERRUPTED", T, "The server timed out reading a packet from the client.",
         "Check network latency and packet loss, and net_read_timeout."),
    info(1160, "ER_NET_ERROR_ON_WRITE", T, "The server got an error writing a packet to the client.",
         "Check the network between client and server and net_write_timeout."),
    info(1161, "ER_NET_WRITE_INTERRUPTED", T, "The server timed out writing a packet to the client.",
         "Check network latency and packet loss, and net_write_timeout."),
    info(1203, "ER_TOO_MANY_USER_CONNECTIONS", C, "The account already has max_user_connections active connections.",
         "Raise the account's connection limit or shrink the pools that use this account."),
    info(1226, "ER_USER_LIMIT_REACHED", C, "The account exceeded a resource limit such as MAX_CONNECTIONS_PER_HOUR.",
         "Raise the account's resource limits (ALTER USER ... WITH ...) or spread the load."),
    info(1927, "ER_CONNECTION_KILLED", T, "The connection was killed.",
         "Find what killed it: a KILL statement, a query killer or a failover tool."),
    info(2002, "CR_CONNECTION_ERROR", T, "Cannot connect through the local socket.",
         "Check that the server is running and the socket path is right."),
    info(2003, "CR_CONN_HOST_ERROR", T, "Cannot connect to the server's host and port.",
         "Check that the server is up and listening on that address, and that no firewall blocks it."),
    info(2005, "CR_UNKNOWN_HOST", F, "The server's host name cannot be resolved.",
         "Fix the host name in the connection settings or the DNS records."),
    info(2006, "CR_SERVER_GONE_ERROR", T, "The server closed the connection (server has gone away).",
         "Check the server log for restarts or crashes, and wait_timeout and max_allowed_packet."),
    info(2013, "CR_SERVER_LOST", T, "The connection to the server was lost.",
         "Check the network, proxies and load balancers in between, and the server log."),
    info(2026, "CR_SSL_CONNECTION_ERROR", F, "The TLS handshake with the server failed.",
         "Check TLS settings on both sides: certificates, CA, TLS versions and ciphers."),
    info(2055, "CR_SERVER_LOST_EXTENDED", T, "The connection to the server was lost at a stage the client reports.",
         "Check the network, proxies and load balancers in between, and the server log."),
    info(2059, "CR_AUTH_PLUGIN_CANNOT_LOAD", F, "The client cannot load the authentication plugin the account uses.",
         "Install the plugin for the client, or switch the account to a plugin the client has."),
    info(3159, "ER_SECURE_TRANSPORT_REQUIRED", F, "The server requires TLS (require_secure_transport=ON) and the connection did not use it.",
         "Turn TLS on in the client's connection settings (ssl-mode REQUIRED, or a CA)."),
    info(4031, "ER_CLIENT_INTERACTION_TIMEOUT", T, "The server closed the connection after it sat idle longer than wait_timeout (MySQL 8.0.24+).",
         "Reconnect; keep pooled connections idle for less than wait_timeout, or raise it."),
    info(9001, "PROXYSQL_MAX_CONNECT_TIMEOUT", C,
         "ProxySQL found no usable backend within its connect timeout (Max connect timeout reached).",
         "Check backend health and ProxySQL's hostgroup limits and connect timeouts."),
];

/// Every code spec 2 names, sorted by code (tests/vectors/error_codes.json).
pub fn codes() -> &'static [CodeInfo] {
    &CODES
}

/// Every code named in spec 2, or `None` for codes connguard has no notes on
/// (those are fatal).
pub fn lookup_code(code: u16) -> Option<&'static CodeInfo> {
    CODES
        .binary_search_by_key(&code, |info| info.code)
        .ok()
        .map(|i| &CODES[i])
}

/// With the policy on top: `never_retry` > built-in capacity/transient >
/// `retry_on` > fatal. [`Failure::Network`] is always transient and
/// [`Failure::PoolTimedOut`] always capacity: no code of a list names them.
pub fn classify(failure: Failure, policy: &Policy) -> ErrorClass {
    let code = match failure {
        Failure::Network => return ErrorClass::Transient,
        Failure::PoolTimedOut => return ErrorClass::Capacity,
        Failure::Code(code) => code,
    };
    if policy.never_retry.contains(&code) {
        return ErrorClass::Fatal;
    }
    match lookup_code(code).map(|info| info.class) {
        Some(class @ (ErrorClass::Capacity | ErrorClass::Transient)) => class,
        _ if policy.retry_on.contains(&code) => ErrorClass::Transient,
        _ => ErrorClass::Fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_lookup_finds_every_code() {
        assert!(CODES.windows(2).all(|pair| pair[0].code < pair[1].code));
        assert!(CODES
            .iter()
            .all(|info| lookup_code(info.code) == Some(info)));
        assert_eq!(lookup_code(1205), None);
    }

    #[test]
    fn failures_are_named_as_in_log_lines() {
        assert_eq!(Failure::Code(1040).to_string(), "1040 ER_CON_COUNT_ERROR");
        assert_eq!(Failure::Code(1205).to_string(), "1205");
        assert_eq!(Failure::Network.to_string(), "network");
        assert_eq!(Failure::PoolTimedOut.to_string(), "pool_timed_out");
    }

    #[test]
    fn a_pool_timeout_is_capacity_whatever_the_lists_say() {
        let policy = Policy {
            never_retry: vec![1040, 2013],
            ..Policy::default()
        };
        assert_eq!(
            classify(Failure::PoolTimedOut, &policy),
            ErrorClass::Capacity
        );
        assert_eq!(classify(Failure::Network, &policy), ErrorClass::Transient);
        assert_eq!(classify(Failure::Code(1040), &policy), ErrorClass::Fatal);
    }
}
