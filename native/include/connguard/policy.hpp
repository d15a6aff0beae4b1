// The effective retry policy of one service (spec 1.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace connguard {

enum class Jitter { Full, Equal, Decorrelated, None };

// "full", "equal", "decorrelated", "none".
std::string_view to_string(Jitter jitter);

// Durations are in seconds. Defaults are the spec's built-in defaults.
struct Policy {
    std::string service;  // "" for the [default] policy
    int max_attempts = 10;
    double deadline = 30.0;
    double connect_timeout = 5.0;
    double initial_delay = 0.05;
    double max_delay = 5.0;
    double multiplier = 2.0;
    Jitter jitter = Jitter::Full;
    std::vector<int> retry_on;
    std::vector<int> never_retry;
};

}  // namespace connguard
