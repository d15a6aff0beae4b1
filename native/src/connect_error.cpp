#include "connguard/connect_error.hpp"

#include <utility>

namespace connguard {
namespace {

// A call that never attempted (it waited its deadline in the limiter's queue)
// has no driver error: connguard's own message says it all.
std::string format_what(const std::optional<int>& code, const std::string& sqlstate,
                        const std::string& message, int attempts, const std::string& summary) {
    if (attempts == 0) return message;
    std::string text = message + " (error " + (code ? std::to_string(*code) : "network");
    if (!sqlstate.empty()) text += ", SQLSTATE " + sqlstate;
    return text + "); " + summary;
}

}  // namespace

ConnectError::ConnectError(std::optional<int> code, std::string sqlstate, std::string message, int attempts,
                           double elapsed, Reason reason, ErrorClass error_class, const std::string& summary)
    : Error(format_what(code, sqlstate, message, attempts, summary), code, sqlstate),
      message_(std::move(message)),
      attempts_(attempts),
      elapsed_(elapsed),
      reason_(reason),
      error_class_(error_class) {}

}  // namespace connguard
