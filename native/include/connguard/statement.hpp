// A prepared statement of a MySQLDB connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connguard/query_error.hpp"
#include "connguard/rows.hpp"

struct st_mysql_stmt;  // MYSQL_STMT of Connector/C

namespace connguard {

// Parameters in placeholder order; nullopt binds SQL NULL. Values travel as
// strings and the server converts them to the column types.
using Params = std::vector<std::optional<std::string>>;

// Move-only; closes the statement on destruction. Must not outlive the
// MySQLDB connection it was prepared on.
class Statement {
public:
    // Binds `params` and runs the statement; false on failure (last_error()).
    // A result set is buffered at once, so other statements can run before
    // rows() reads it. Never retried: its outcome may be unknown.
    bool execute(const Params& params = {});
    // The result set of the last execute(); no columns when it had none.
    Rows rows();
    std::uint64_t affected_rows() const;
    std::uint64_t insert_id() const;
    const SqlError& last_error() const noexcept { return last_error_; }

private:
    friend class MySQLDB;
    struct Closer {
        void operator()(st_mysql_stmt* stmt) const noexcept;
    };
    explicit Statement(st_mysql_stmt* stmt) : stmt_(stmt) {}
    bool fail();

    std::unique_ptr<st_mysql_stmt, Closer> stmt_;
    SqlError last_error_;
};

}  // namespace connguard
