// Time as the retry loop sees it: a monotonic reading and a way to wait.
// Injectable so that unit tests replay whole schedules without sleeping.
#pragma once

#include <condition_variable>
#include <mutex>

namespace connguard {

class Clock {
public:
    virtual ~Clock() = default;
    // Seconds since an arbitrary fixed point; never goes backwards. A double,
    // like the engine's elapsed times, so replayed elapsed times stay exact.
    virtual double now() = 0;
    virtual void sleep_for(double seconds) = 0;
    // Blocks on `cv` (whose mutex `lock` holds) until it is notified or the
    // clock reads `deadline`; may return early, so callers wait in a loop.
    // The default waits in real time, `deadline - now()` seconds at most.
    virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, double deadline);
};

// std::chrono::steady_clock and std::this_thread::sleep_for. Stateless, so one
// instance serves every thread.
class SteadyClock final : public Clock {
public:
    double now() override;
    void sleep_for(double seconds) override;
};

}  // namespace connguard
