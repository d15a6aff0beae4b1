#include "connguard/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace connguard {
namespace {

double base(double initial_delay, double max_delay, double multiplier, int n) {
    return std::min(max_delay, initial_delay * std::pow(multiplier, n - 1));
}

}  // namespace

double base_delay(const Policy& policy, int n) {
    return base(policy.initial_delay, policy.max_delay, policy.multiplier, n);
}

Schedule::Schedule(const Policy& policy, std::uint64_t seed)
    : initial_delay_(policy.initial_delay),
      max_delay_(policy.max_delay),
      multiplier_(policy.multiplier),
      jitter_(policy.jitter),
      rng_(seed),
      previous_(policy.initial_delay) {}

double Schedule::next() {
    ++retries_;
    // Drawn before the switch for every kind, so the stream stays aligned.
    const double u = rng_.next_unit();
    const double b = base(initial_delay_, max_delay_, multiplier_, retries_);
    double d = b;
    switch (jitter_) {
        case Jitter::None: d = b; break;
        case Jitter::Full: d = u * b; break;
        case Jitter::Equal: d = b / 2 + u * b / 2; break;
        case Jitter::Decorrelated:
            d = std::min(max_delay_, initial_delay_ + u * (3 * previous_ - initial_delay_));
            break;
    }
    previous_ = d;
    return d;
}

}  // namespace connguard
