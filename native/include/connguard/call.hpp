// One call (spec 7): a caller's attempt to connect, with its retries, as a
// state machine with no clock, no I/O and no threads. A runner feeds it events
// with t, the seconds since the call started, and performs the actions each
// answers, in order; every decision is made here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "connguard/classification.hpp"
#include "connguard/decision.hpp"
#include "connguard/policy.hpp"

namespace connguard {

// What a runner does next. Fields a kind does not use keep their defaults.
struct Action {
    enum class Do { Join, Wait, Attempt, Connected, Rejected, Left, Sleep, Retry, GiveUp, Done };

    Do kind = Do::Done;
    std::optional<double> until;            // Wait: wait for a turn until t = until
    std::optional<double> timeout;          // Attempt: the attempt's cap
    std::optional<double> delay;            // Sleep; Retry (nullopt: queued at the gate)
    int attempt = 0;                        // Retry: the attempt that failed (k)
    int max_attempts = 0;                   // Retry
    int attempts = 0;                       // GiveUp, Done
    std::optional<int> code;                // Retry, GiveUp: nullopt = network (or, GiveUp, never attempted)
    std::optional<ErrorClass> error_class;  // Retry, GiveUp (nullopt: never attempted)
    std::optional<Reason> reason;           // GiveUp
    double elapsed = 0.0;                   // Retry, GiveUp, Done
    bool attempted = false;                 // GiveUp: false when the caller never had an attempt
};

// "join", "wait", "attempt", "connected", "rejected", "left", "sleep",
// "retry", "give_up", "done".
std::string_view to_string(Action::Do kind);

// The actions of one event: at most three, kept inline so that an event
// allocates nothing.
class Actions {
public:
    static constexpr std::size_t kCapacity = 3;

    void push_back(const Action& action);
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const Action& operator[](std::size_t i) const { return items_[i]; }
    const Action* begin() const noexcept { return items_.data(); }
    const Action* end() const noexcept { return items_.data() + size_; }

private:
    std::array<Action, kCapacity> items_{};
    std::size_t size_ = 0;
};

// An event the call cannot take in its phase: the runner's programming error.
class CallError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

class Call {
public:
    enum class Phase { Idle, Waiting, Attempting, Sleeping, Done };

    // `policy`: the caller's effective policy; `seed`: the decision's
    // generator (spec 3.1); `gated`: the call goes through a gate (spec 6.1).
    Call(const Policy& policy, std::uint64_t seed, bool gated);

    // Each throws CallError, changing nothing, outside the phases spec 7 allows.
    Actions start();
    Actions granted(double t);
    Actions succeeded(double t);
    Actions failed(double t, std::optional<int> code);  // code nullopt = network
    Actions woke(double t);
    Actions expired(double t);
    Actions abandoned(double t);

    Phase phase() const noexcept { return phase_; }
    int attempts() const noexcept { return decision_.attempts(); }
    bool gated() const noexcept { return gated_; }
    const Policy& policy() const noexcept { return decision_.policy(); }

private:
    void expect(const char* event, std::initializer_list<Phase> phases) const;
    // Each appends its actions and moves to the phase they lead to.
    void attempt(Actions& actions, double t);
    void queue(Actions& actions);
    void expire(Actions& actions, double t);
    void give_up(Actions& actions, Reason reason, double t);

    Decision decision_;
    bool gated_;
    Phase phase_ = Phase::Idle;
    // The last failed attempt's code and class; unset before the first failure.
    std::optional<int> last_code_;
    std::optional<ErrorClass> last_class_;
};

// "idle", "waiting", "attempting", "sleeping", "done".
std::string_view to_string(Call::Phase phase);

}  // namespace connguard
