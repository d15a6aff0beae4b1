#include "connguard/decision.hpp"

#include <stdexcept>
#include <utility>

namespace connguard {

std::string_view to_string(Reason reason) {
    switch (reason) {
        case Reason::Fatal: return "fatal";
        case Reason::Attempts: return "attempts";
        case Reason::Deadline: return "deadline";
    }
    return "unknown";
}

Decision::Decision(Policy policy, std::uint64_t seed)
    : policy_(std::move(policy)), schedule_(policy_, seed) {}

Verdict Decision::after_failure(std::optional<int> code, double elapsed) {
    check_open();
    const int k = ++attempts_;
    const ErrorClass error_class = classify(code, policy_);
    const auto give_up = [&](Reason reason, double delay) {
        ended_ = true;
        return Verdict{false, delay, reason, error_class, k};
    };
    // Spec 4, steps 1-5; u is drawn only once steps 1 and 2 let the call go on.
    if (error_class == ErrorClass::Fatal) return give_up(Reason::Fatal, 0.0);
    if (k >= policy_.max_attempts) return give_up(Reason::Attempts, 0.0);
    const double delay = schedule_.next();
    if (elapsed + delay >= policy_.deadline) return give_up(Reason::Deadline, delay);
    return Verdict{true, delay, Reason::Fatal, error_class, k};
}

int Decision::after_success() {
    check_open();
    ended_ = true;
    return ++attempts_;
}

void Decision::check_open() const {
    if (ended_) throw std::logic_error("connguard::Decision: the call has already ended");
}

}  // namespace connguard
