// The text of the call's records (spec 4.2): one implementation for the
// engine's log lines and errors and, through the binding, Python's.
#pragma once

#include <string>
#include <string_view>

#include "connguard/call.hpp"

namespace connguard {

// `service` "" is the [default] policy and `target` (a masked DSN) "" is
// unknown. `message` is the driver's text, any password already masked.
// Each throws std::invalid_argument for an action of another kind.

// The WARNING of a retry action: "connguard retry: service=S target=T
// code=CODE (CLASS) attempt K/MAX, next in Ds: MESSAGE" (or "queued for a
// free slot" for a retry with no delay).
std::string retry_line(std::string_view service, std::string_view target, const Action& retry,
                       std::string_view message);

// What the caller's error carries of a give_up action: "connguard gave up
// after N attempt(s) in Es (reason: R; last error CODE, CLASS; WHERE)", and
// for a fatal code connguard knows, "; CODE: ADVICE".
std::string give_up_summary(std::string_view service, std::string_view target, const Action& give_up);

// The ERROR of a give_up action: the summary without advice, ": MESSAGE".
std::string give_up_line(std::string_view service, std::string_view target, const Action& give_up,
                         std::string_view message);

// The message of a caller that never had a turn at the gate before its
// deadline (there is no driver error to end with).
std::string queue_timeout_message(std::string_view target, double waited, int holding, int limit);

}  // namespace connguard
