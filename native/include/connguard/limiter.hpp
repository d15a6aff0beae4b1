// Load control per process and target server (spec 6): who may attempt a
// connection now, and when to probe a server that is full.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

#include "connguard/policy.hpp"
#include "connguard/schedule.hpp"
#include "connguard/splitmix64.hpp"

namespace connguard {

// A state machine with no clock and no threads: adapters report events and
// carry out what each answers. Not thread-safe; an adapter serialises calls.
class Limiter {
public:
    using Waiter = std::uint64_t;

    // What the adapter must do after an event.
    struct Actions {
        std::vector<Waiter> granted;     // may attempt a connection now, in this order
        std::optional<double> probe_in;  // call probe() after this many seconds
    };

    // `policy` gives the limits (policy.limiter) and paces probes with its
    // backoff schedule, seeded by `seed`.
    Limiter(const Policy& policy, std::uint64_t seed);

    Actions acquire(Waiter waiter);    // joins the queue's tail
    Actions connected(Waiter waiter);  // its attempt succeeded: it holds a connection
    Actions rejected(Waiter waiter);   // refused for capacity: back to the queue's head
    Actions left(Waiter waiter);       // failed otherwise, or gave up: frees its place
    Actions released();                // one of the process's connections closed
    Actions probe();                   // the probe timer fired

    int limit() const noexcept { return limit_; }
    int holding() const noexcept { return holding_; }
    int in_use() const noexcept { return holding_ + static_cast<int>(in_flight_.size()); }
    const std::deque<Waiter>& queue() const noexcept { return queue_; }
    bool slow_start() const noexcept { return slow_start_; }
    int streak() const noexcept { return streak_; }

private:
    Actions settle(std::vector<Waiter> granted = {});
    void grant(Waiter waiter, std::vector<Waiter>& granted);
    void remove_queued(Waiter waiter);

    Policy backoff_;
    SplitMix64 seeds_;
    Schedule probes_;
    int limit_;
    int max_limit_;
    int holding_ = 0;
    std::set<Waiter> in_flight_;
    std::deque<Waiter> queue_;
    std::optional<Waiter> probing_;
    bool timer_armed_ = false;
    bool slow_start_ = true;
    int streak_ = 0;  // probes that succeeded since the last rejection
};

}  // namespace connguard
