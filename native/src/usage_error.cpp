#include "connguard/usage_error.hpp"

#include <optional>

namespace connguard {

UsageError::UsageError(const std::string& what) : Error(what, std::nullopt, "") {}

}  // namespace connguard
