#include "connguard/query_error.hpp"

#include <utility>

namespace connguard {

QueryError::QueryError(SqlError error)
    : std::runtime_error(error.message + " (error " + std::to_string(error.code) +
                         (error.sqlstate.empty() ? "" : ", SQLSTATE " + error.sqlstate) + ")"),
      error_(std::move(error)) {}

}  // namespace connguard
