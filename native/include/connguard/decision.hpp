// Whether to retry after a failed attempt, and after how long (spec 4).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "connguard/classification.hpp"
#include "connguard/policy.hpp"
#include "connguard/schedule.hpp"

namespace connguard {

enum class Reason { Fatal, Attempts, Deadline };

// "fatal", "attempts", "deadline".
std::string_view to_string(Reason reason);

struct Verdict {
    bool retry;
    // When retry: seconds to sleep before the next attempt. When giving up for
    // the deadline: the delay that would have crossed it. Otherwise 0.
    double delay;
    Reason reason;           // valid when !retry
    ErrorClass error_class;  // class of the error, policy applied
    int attempt;             // k, the attempt that failed (1-based)
};

// The state of one call: attempt count, generator and previous delay. Calls
// never share a Decision.
class Decision {
public:
    Decision(Policy policy, std::uint64_t seed);

    // After failed attempt k (counted here) at `elapsed` seconds since the
    // first attempt started; code nullopt = network error. Throws
    // std::logic_error once the call has ended (given up or succeeded).
    Verdict after_failure(std::optional<int> code, double elapsed);
    // Ends the call; returns the attempts made, the successful one included.
    // Throws std::logic_error once the call has ended.
    int after_success();

    int attempts() const noexcept { return attempts_; }
    const Policy& policy() const noexcept { return policy_; }

private:
    void check_open() const;

    Policy policy_;
    Schedule schedule_;
    int attempts_ = 0;
    bool ended_ = false;
};

}  // namespace connguard
