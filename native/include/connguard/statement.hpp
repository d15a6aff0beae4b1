// A prepared statement of a MySQLDB connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connguard/param_bindings.hpp"
#include "connguard/query_error.hpp"
#include "connguard/rows.hpp"

struct st_mysql;       // MYSQL of Connector/C
struct st_mysql_stmt;  // MYSQL_STMT of Connector/C

namespace connguard {

// Parameters in placeholder order; nullopt binds SQL NULL. Values travel as
// strings and the server converts them to the column types.
using Params = std::vector<std::optional<std::string>>;

// Move-only; closes the statement on destruction. Must not outlive the
// MySQLDB connection it was prepared on. Both execute()s return false on
// failure (last_error()), buffer a result set at once, so other statements
// can run before rows() reads it, and are never retried: their outcome may be
// unknown.
class Statement {
public:
    // The typed bindings that execute() sends (CLP's get_statement_bindings()).
    ParamBindings& get_statement_bindings() noexcept { return bindings_; }
    // Runs the statement with get_statement_bindings(); every placeholder must
    // be bound.
    bool execute();
    // Runs the statement with `params` as strings; get_statement_bindings()
    // is left as it was.
    bool execute(const Params& params);
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
    // Throws QueryError when the server rejects `sql`.
    static Statement prepare(st_mysql* mysql, const char* sql, std::size_t length);
    bool fail();

    std::unique_ptr<st_mysql_stmt, Closer> stmt_;
    ParamBindings bindings_;
    SqlError last_error_;
};

}  // namespace connguard
