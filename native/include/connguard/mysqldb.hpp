// A MariaDB Connector/C connection whose open() survives error 1040 and a
// restarting server: the common C++ service wrapper (CLP's MySQLDB: open,
// close, execute_query, prepare_statement, get_iterator), with connguard's retry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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
#include "connguard/usage_error.hpp"

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
    // mysql_real_connect's client_flag for every attempt, e.g. CLIENT_COMPRESS
    // (CLP's MySQLDB passes it) or CLIENT_FOUND_ROWS.
    unsigned long client_flags = 0;
    // Called with each attempt's fresh handle, after mysql_init and the
    // timeouts above, before mysql_real_connect: the mysql_options calls a
    // service makes (MYSQL_OPT_COMPRESS, TLS, MYSQL_INIT_COMMAND, ...). connguard
    // sets MYSQL_OPT_CONNECT_TIMEOUT after it: the call's cap (open()) wins. An
    // exception from it ends open() as it is, the handle closed.
    std::function<void(st_mysql*)> configure;
};

// One connection, used by one thread at a time (close() and the destructor
// may run on another). Move-only; the destructor closes it.
class MySQLDB {
public:
    // CLP's name for what get_iterator() returns.
    using Iterator = Rows;

    MySQLDB();
    explicit MySQLDB(MySQLDBOptions options);
    ~MySQLDB();
    MySQLDB(MySQLDB&& other) noexcept;
    MySQLDB& operator=(MySQLDB&& other) noexcept;
    MySQLDB(const MySQLDB&) = delete;
    MySQLDB& operator=(const MySQLDB&) = delete;

    // Connects, retrying per the policy: every attempt starts from a fresh
    // mysql_init (options' client_flags and configure applied to each), so a
    // failed open() leaves the object closed and ready for the next. With
    // policy.limiter.enabled, attempts go through the process's gate for
    // host:port (spec 6), and close() hands the slot on. Emits the call's
    // events to the process's sinks (events.hpp). Throws UsageError when a
    // connection is open (as CLP's does), ConnectError on give-up, PolicyError
    // for a bad $CONNGUARD_POLICY file.
    void open(const std::string& host, unsigned int port, const std::string& username,
              const std::string& password, const std::string& database);
    // The same with an explicit policy; `service` names the caller in log
    // lines (default: the policy's service, else $CONNGUARD_SERVICE).
    void open(const std::string& host, unsigned int port, const std::string& username,
              const std::string& password, const std::string& database, const Policy& policy,
              std::string_view service = "");
    // Throws UsageError when no connection is open (as CLP's does); the
    // destructor and a move-assignment close without asking.
    void close();
    bool is_open() const noexcept { return handle_ != nullptr; }
    // Attempts the last successful open() took (1 = no retry).
    int attempts() const noexcept { return attempts_; }

    // The statement calls throw UsageError when no connection is open.

    // Runs `sql`; false on failure (last_error()). Never retried.
    bool execute_query(const std::string& sql);
    // Throws QueryError when the server rejects it.
    Statement prepare_statement(const std::string& sql);
    Statement prepare_statement(const char* sql, std::size_t length);
    // The result set of the last execute_query(), streamed from the server
    // (mysql_use_result, as CLP's): read it to the end or destroy it before
    // the next statement on this connection. No columns when it had none.
    // Throws QueryError when the rows cannot be read.
    Iterator get_iterator();
    std::uint64_t affected_rows() const;
    std::uint64_t insert_id() const;
    const SqlError& last_error() const noexcept { return last_error_; }

    // For what this class does not wrap; null when not open.
    st_mysql* native_handle() const noexcept { return handle_.get(); }

private:
    struct Closer {
        void operator()(st_mysql* mysql) const noexcept;
    };
    void require_open(const char* call) const;
    void require_closed() const;
    void reset() noexcept;
    bool fail();

    MySQLDBOptions options_;
    Slot slot_;  // before handle_: destroyed after it, so the server sees the close first
    std::unique_ptr<st_mysql, Closer> handle_;
    SqlError last_error_;
    int attempts_ = 0;
};

}  // namespace connguard
