#include "connguard/error.hpp"

#include <utility>

namespace connguard {

Error::Error(const std::string& what, std::optional<int> code, std::string sqlstate)
    : std::runtime_error(what), code_(code), sqlstate_(std::move(sqlstate)) {}

}  // namespace connguard
