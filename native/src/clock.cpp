#include "connguard/clock.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace connguard {
namespace {

// Longer waits are cut into pieces: a duration<double> of days (or infinity)
// does not convert to the steady clock's integer ticks.
constexpr double kLongestWait = 3600.0;

}  // namespace

void Clock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, double deadline) {
    const double left = deadline - now();
    if (!(left > 0.0)) return;
    cv.wait_for(lock, std::chrono::duration<double>(std::min(left, kLongestWait)));
}

double SteadyClock::now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SteadyClock::sleep_for(double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace connguard
