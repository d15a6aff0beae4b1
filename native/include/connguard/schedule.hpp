// Delay before each retry (spec 3.2).
#pragma once

#include <cstdint>

#include "connguard/policy.hpp"
#include "connguard/splitmix64.hpp"

namespace connguard {

// min(max_delay, initial_delay * multiplier^(n-1)) for retry n >= 1.
double base_delay(const Policy& policy, int n);

// The delays of one call's retries. Copies what it needs from the policy, so
// it does not depend on the policy's lifetime.
class Schedule {
public:
    Schedule(const Policy& policy, std::uint64_t seed);

    // Delay of the next retry (n = 1, 2, ...); draws exactly one u whatever
    // the jitter, so the stream stays aligned across jitter kinds.
    double next();
    // Retries scheduled so far (calls to next()).
    int retries() const noexcept { return retries_; }

private:
    double initial_delay_;
    double max_delay_;
    double multiplier_;
    Jitter jitter_;
    SplitMix64 rng_;
    double previous_;  // d_(n-1), for decorrelated jitter; d_0 = initial_delay
    int retries_ = 0;
};

}  // namespace connguard
