#include "connguard/query_error.hpp"

#include <optional>
#include <utility>

namespace connguard {

QueryError::QueryError(SqlError error)
    : Error(error.message + " (error " + std::to_string(error.code) +
                (error.sqlstate.empty() ? "" : ", SQLSTATE " + error.sqlstate) + ")",
            error.code != 0 ? std::optional<int>(error.code) : std::nullopt, error.sqlstate),
      error_(std::move(error)) {}

}  // namespace connguard
