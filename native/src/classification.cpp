#include "connguard/classification.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace connguard {
namespace {

constexpr ErrorClass C = ErrorClass::Capacity;
constexpr ErrorClass T = ErrorClass::Transient;
constexpr ErrorClass F = ErrorClass::Fatal;

// Every code spec 2 names. Codes absent here are fatal by rule, not by entry.
constexpr std::array<CodeInfo, 27> kCodes = {{
    {1040, "ER_CON_COUNT_ERROR", C, "Too many connections: the server reached max_connections.",
     "Raise max_connections or shrink client pools; consider a connection pooler."},
    {1041, "ER_OUT_OF_RESOURCES", C, "The server ran out of memory.",
     "Check the server's memory use and per-connection buffers; reduce connections or add memory."},
    {1044, "ER_DBACCESS_DENIED_ERROR", F, "The account has no access to the requested database.",
     "GRANT the account privileges on that database, or connect to another one."},
    {1045, "ER_ACCESS_DENIED_ERROR", F, "Access denied: wrong user, password or client host.",
     "Check the credentials and the hosts the account may connect from (SHOW GRANTS)."},
    {1049, "ER_BAD_DB_ERROR", F, "The requested database does not exist.",
     "Fix the database name in the connection settings or create the database."},
    {1053, "ER_SERVER_SHUTDOWN", T, "The server is shutting down.",
     "Wait for the restart or fail over; check whether the shutdown was planned."},
    {1129, "ER_HOST_IS_BLOCKED", F, "The client host is blocked after too many failed connection attempts.",
     "On the server, run FLUSH HOSTS or raise max_connect_errors, then fix what makes "
     "connections fail."},
    {1130, "ER_HOST_NOT_PRIVILEGED", F, "The client host is not allowed to connect to this server.",
     "Create or grant the account for this client host (user@'host'), or connect from a host it allows."},
    {1135, "ER_CANT_CREATE_THREAD", C, "The server could not create a thread for the connection.",
     "Check the server's OS limits (ulimit -u, systemd TasksMax) and memory, or use a thread pool."},
    {1158, "ER_NET_READ_ERROR", T, "The server got an error reading a packet from the client.",
     "Check the network between client and server and net_read_timeout."},
    {1159, "ER_NET_READ_INTERRUPTED", T, "The server timed out reading a packet from the client.",
     "Check network latency and packet loss, and net_read_timeout."},
    {1160, "ER_NET_ERROR_ON_WRITE", T, "The server got an error writing a packet to the client.",
     "Check the network between client and server and net_write_timeout."},
    {1161, "ER_NET_WRITE_INTERRUPTED", T, "The server timed out writing a packet to the client.",
     "Check network latency and packet loss, and net_write_timeout."},
    {1203, "ER_TOO_MANY_USER_CONNECTIONS", C,
     "The account already has max_user_connections active connections.",
     "Raise the account's connection limit or shrink the pools that use this account."},
    {1226, "ER_USER_LIMIT_REACHED", C,
     "The account exceeded a resource limit such as MAX_CONNECTIONS_PER_HOUR.",
     "Raise the account's resource limits (ALTER USER ... WITH ...) or spread the load."},
    {1927, "ER_CONNECTION_KILLED", T, "The connection was killed.",
     "Find what killed it: a KILL statement, a query killer or a failover tool."},
    {2002, "CR_CONNECTION_ERROR", T, "Cannot connect through the local socket.",
     "Check that the server is running and the socket path is right."},
    {2003, "CR_CONN_HOST_ERROR", T, "Cannot connect to the server's host and port.",
     "Check that the server is up and listening on that address, and that no firewall blocks it."},
    {2005, "CR_UNKNOWN_HOST", F, "The server's host name cannot be resolved.",
     "Fix the host name in the connection settings or the DNS records."},
    {2006, "CR_SERVER_GONE_ERROR", T, "The server closed the connection (server has gone away).",
     "Check the server log for restarts or crashes, and wait_timeout and max_allowed_packet."},
    {2013, "CR_SERVER_LOST", T, "The connection to the server was lost.",
     "Check the network, proxies and load balancers in between, and the server log."},
    {2026, "CR_SSL_CONNECTION_ERROR", F, "The TLS handshake with the server failed.",
     "Check TLS settings on both sides: certificates, CA, TLS versions and ciphers."},
    {2055, "CR_SERVER_LOST_EXTENDED", T,
     "The connection to the server was lost at a stage the client reports.",
     "Check the network, proxies and load balancers in between, and the server log."},
    {2059, "CR_AUTH_PLUGIN_CANNOT_LOAD", F,
     "The client cannot load the authentication plugin the account uses.",
     "Install the plugin for the client, or switch the account to a plugin the client has."},
    {3159, "ER_SECURE_TRANSPORT_REQUIRED", F,
     "The server requires TLS (require_secure_transport=ON) and the connection did not use it.",
     "Turn TLS on in the client's connection settings (ssl-mode REQUIRED, or a CA)."},
    {4031, "ER_CLIENT_INTERACTION_TIMEOUT", T,
     "The server closed the connection after it sat idle longer than wait_timeout (MySQL 8.0.24+).",
     "Reconnect; keep pooled connections idle for less than wait_timeout, or raise it."},
    {9001, "PROXYSQL_MAX_CONNECT_TIMEOUT", C,
     "ProxySQL found no usable backend within its connect timeout (Max connect timeout reached).",
     "Check backend health and ProxySQL's hostgroup limits and connect timeouts."},
}};

bool contains(const std::vector<int>& codes, int code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

std::string_view to_string(ErrorClass error_class) {
    switch (error_class) {
        case ErrorClass::Capacity: return "capacity";
        case ErrorClass::Transient: return "transient";
        case ErrorClass::Fatal: return "fatal";
    }
    return "unknown";
}

const CodeInfo* lookup_code(int code) {
    const auto found = std::lower_bound(kCodes.begin(), kCodes.end(), code,
                                        [](const CodeInfo& info, int c) { return info.code < c; });
    return found != kCodes.end() && found->code == code ? &*found : nullptr;
}

const CodeInfo* lookup_code(std::string_view name) {
    const auto same = [name](const CodeInfo& info) {
        return std::equal(info.name.begin(), info.name.end(), name.begin(), name.end(),
                          [](char a, char b) { return a == std::toupper(static_cast<unsigned char>(b)); });
    };
    const auto found = std::find_if(kCodes.begin(), kCodes.end(), same);
    return found != kCodes.end() ? &*found : nullptr;
}

ErrorClass classify(std::optional<int> code) {
    if (!code) return ErrorClass::Transient;
    const CodeInfo* info = lookup_code(*code);
    return info != nullptr ? info->error_class : ErrorClass::Fatal;
}

ErrorClass classify(std::optional<int> code, const Policy& policy) {
    if (!code) return ErrorClass::Transient;
    if (contains(policy.never_retry, *code)) return ErrorClass::Fatal;
    const ErrorClass builtin = classify(code);
    if (builtin != ErrorClass::Fatal) return builtin;
    return contains(policy.retry_on, *code) ? ErrorClass::Transient : ErrorClass::Fatal;
}

}  // namespace connguard
