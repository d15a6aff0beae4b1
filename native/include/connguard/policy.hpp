// The effective retry policy of one service (spec 1.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace connguard {

enum class Jitter { Full, Equal, Decorrelated, None };

// "full", "equal", "decorrelated", "none".
std::string_view to_string(Jitter jitter);

// Load control per process and target (spec 6), the [*.limiter] table.
struct LimiterPolicy {
    bool enabled = true;
    int initial_limit = 2;  // slow start begins with this many attempts at once
    int max_limit = 1000;   // never more connections than this per process and target
};

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
    LimiterPolicy limiter;
};

}  // namespace connguard
