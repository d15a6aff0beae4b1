// A statement that failed: the driver's error, never retried (connguard
// retries connection establishment only).
#pragma once

#include <string>

#include "connguard/error.hpp"

namespace connguard {

struct SqlError {
    int code = 0;  // mysql_errno; 0 = no error, or a misuse caught before the driver
    std::string sqlstate;
    std::string message;
};

// Thrown where a call has no bool to return (prepare_statement, reading rows).
// code() is error().code, nullopt for 0.
class QueryError : public Error {
public:
    explicit QueryError(SqlError error);

    const SqlError& error() const noexcept { return error_; }

private:
    SqlError error_;
};

}  // namespace connguard
