#include "connguard/limiter.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace connguard {

namespace {
// 2^17 - 1 is above every max_limit: the streak's growth reaches any cap.
constexpr int kStreakCap = 17;
// A probe's delay is the schedule's times min(8, 1 + holding).
constexpr int kProbeScaleCap = 8;
}  // namespace

Limiter::Limiter(const Policy& policy, std::uint64_t seed)
    : backoff_(policy),
      seeds_(seed),
      probes_(backoff_, seeds_.next()),
      limit_(policy.limiter.initial_limit),
      max_limit_(policy.limiter.max_limit) {}

Limiter::Actions Limiter::acquire(Waiter waiter) {
    if (in_flight_.count(waiter) != 0 || std::find(queue_.begin(), queue_.end(), waiter) != queue_.end()) {
        throw std::logic_error("connguard::Limiter: waiter already waiting or attempting");
    }
    queue_.push_back(waiter);
    return settle();
}

Limiter::Actions Limiter::connected(Waiter waiter) {
    if (in_flight_.erase(waiter) == 0)
        throw std::logic_error("connguard::Limiter: connected() without a grant");
    ++holding_;
    // Never below what the server holds of ours: attempts granted before a
    // rejection that succeed after it win their slots back.
    limit_ = std::min(max_limit_, std::max(limit_, holding_));
    if (probing_ == waiter) {
        // The server had room again: grow by 1, 3, 7, ... beyond what is in
        // use per probe that succeeds in a row, paced by the probe timer (not
        // by slow start, which overshoots the room found), and start the next
        // probe again from the shortest delay.
        probing_.reset();
        streak_ = std::min(streak_ + 1, kStreakCap);
        limit_ = std::min(max_limit_, std::max(limit_, in_use() + (1 << streak_) - 1));
        probes_ = Schedule(backoff_, seeds_.next());
    } else if (slow_start_) {
        limit_ = std::min(max_limit_, limit_ + 1);  // one more per success: doubles per round
    }
    return settle();
}

Limiter::Actions Limiter::rejected(Waiter waiter) {
    if (in_flight_.erase(waiter) == 0)
        throw std::logic_error("connguard::Limiter: rejected() without a grant");
    if (probing_ == waiter) probing_.reset();
    // What the server holds of ours, and the attempts it may still accept.
    limit_ = in_use();
    slow_start_ = false;
    streak_ = 0;
    queue_.push_front(waiter);  // it keeps its turn
    return settle();
}

Limiter::Actions Limiter::left(Waiter waiter) {
    if (in_flight_.erase(waiter) == 0) remove_queued(waiter);
    if (probing_ == waiter) probing_.reset();
    return settle();
}

Limiter::Actions Limiter::released() {
    if (holding_ == 0) throw std::logic_error("connguard::Limiter: released() with no connection held");
    --holding_;
    return settle();
}

Limiter::Actions Limiter::probe() {
    timer_armed_ = false;
    std::vector<Waiter> granted;
    if (!queue_.empty() && !probing_ && in_use() < max_limit_) {  // max_limit caps probes too
        probing_ = queue_.front();
        queue_.pop_front();
        grant(*probing_, granted);
    }
    return settle(std::move(granted));
}

Limiter::Actions Limiter::settle(std::vector<Waiter> granted) {
    while (!queue_.empty() && in_use() < limit_) {
        const Waiter next = queue_.front();
        queue_.pop_front();
        grant(next, granted);
    }
    Actions actions{std::move(granted), std::nullopt};
    // Waiters nobody can let in: one probe at a time, paced by the backoff
    // schedule, keeps looking for capacity that others free.
    // At max_limit no probe could go: the event that frees room arms it.
    if (!queue_.empty() && !probing_ && !timer_armed_ && in_use() < max_limit_) {
        timer_armed_ = true;
        // Scaled by what the process holds: one holding many has little to gain
        // from a probe, one holding none looks for freed capacity soonest.
        actions.probe_in = probes_.next() * std::min(kProbeScaleCap, 1 + holding_);
    }
    return actions;
}

void Limiter::grant(Waiter waiter, std::vector<Waiter>& granted) {
    in_flight_.insert(waiter);
    granted.push_back(waiter);
}

void Limiter::remove_queued(Waiter waiter) {
    const auto it = std::find(queue_.begin(), queue_.end(), waiter);
    if (it != queue_.end()) queue_.erase(it);
}

}  // namespace connguard
