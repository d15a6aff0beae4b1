// A MariaDB Connector/C connection whose open() survives error 1040 and a
// restarting server: the common C++ service wrapper, with connguard's retry.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connguard/clock.hpp"
#include "connguard/connect_error.hpp"
#include "connguard/gate.hpp"
#include "connguard/log_sink.hpp"
#include "connguard/policy.hpp"
#include "connguard/query_error.hpp"
#include "connguard/retry_connect.hpp"
#include "connguard/rows.hpp"
#include "connguard/statement.hpp"

struct st_mysql;  // MYSQL of Connector/C

namespace connguard {

struct MySQLDBOptions {
    // The policy of every open() without one; nullopt: environment_policy()
    // for `service`, read at each open() so an edited file takes effect.
    std::optional<Policy> policy;
    std::string service;  // "" = $CONNGUARD_SERVICE
    // null = a SteadyClock shared by all MySQLDBs, so that they share the
    // limiter gate of each target (a gate is per target and clock).
    std::shared_ptr<Clock> clock;
    LogSink log_sink;               // empty = stderr_sink()
    SeedSource seed = random_seed;  // tests pin it to replay a schedule
    // MYSQL_OPT_READ_TIMEOUT / MYSQL_OPT_WRITE_TIMEOUT in seconds, 0 = none.
    // Not from the policy: they bound every statement, not only the connect.
    unsigned int read_timeout = 0;
    unsigned int write_timeout = 0;
};

// One connection, used by one thread at a time (close() and the destructor
// may run on another). Move-only; the destructor closes it.
class MySQLDB {
public:
    MySQLDB();
    explicit MySQLDB(MySQLDBOptions options);
    ~MySQLDB();
    MySQLDB(MySQLDB&& other) noexcept;
    MySQLDB& operator=(MySQLDB&& other) noexcept;
    MySQLDB(const MySQLDB&) = delete;
    MySQLDB& operator=(const MySQLDB&) = delete;

    // Closes any open connection, then connects, retrying per the policy:
    // every attempt starts from a fresh mysql_init, so a failed open() leaves
    // the object ready for the next. With policy.limiter.enabled, attempts go
    // through the process's gate for host:port (spec 6), and close() hands the
    // slot on. Emits the call's events to the process's sinks (events.hpp).
    // Throws ConnectError on give-up, PolicyError for a bad $CONNGUARD_POLICY
    // file.
    void open(const std::string& host, unsigned int port, const std::string& username,
              const std::string& password, const std::string& database);
    // The same with an explicit policy; `service` names the caller in log
    // lines (default: the policy's service, else $CONNGUARD_SERVICE).
    void open(const std::string& host, unsigned int port, const std::string& username,
              const std::string& password, const std::string& database, const Policy& policy,
              std::string_view service = "");
    void close() noexcept;
    bool is_open() const noexcept { return handle_ != nullptr; }
    // Attempts the last successful open() took (1 = no retry).
    int attempts() const noexcept { return attempts_; }

    // Runs `sql`; false on failure (last_error()). Never retried.
    bool execute_query(const std::string& sql);
    // Throws QueryError when the server rejects it or no connection is open.
    Statement prepare_statement(const std::string& sql);
    // The result set of the last execute_query(); no columns when it had none.
    // Throws QueryError when the rows cannot be read.
    Rows get_iterator();
    std::uint64_t affected_rows() const;
    std::uint64_t insert_id() const;
    const SqlError& last_error() const noexcept { return last_error_; }

    // For what this class does not wrap; null when not open.
    st_mysql* native_handle() const noexcept { return handle_.get(); }

private:
    struct Closer {
        void operator()(st_mysql* mysql) const noexcept;
    };
    bool fail();

    MySQLDBOptions options_;
    Slot slot_;  // before handle_: destroyed after it, so the server sees the close first
    std::unique_ptr<st_mysql, Closer> handle_;
    SqlError last_error_;
    int attempts_ = 0;
};

}  // namespace connguard
