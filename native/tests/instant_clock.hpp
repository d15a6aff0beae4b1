// Test mode (spec 8.4) for one caller, as C++ has it: an injected clock on
// which sleeps take no time and a wait ends at once at its deadline, so a
// gate's probe timer fires as soon as it is armed. Single-threaded: a wait
// moves time for everyone (FakeClock is the one for several threads).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "connguard/clock.hpp"

namespace connguard {

class InstantClock final : public Clock {
public:
    double now() override { return now_; }
    void sleep_for(double seconds) override { sleeps.push_back(seconds); }
    void wait_until(std::unique_lock<std::mutex>& /*lock*/, std::condition_variable& /*cv*/,
                    double deadline) override {
        now_ = std::max(now_, deadline);
    }

    std::vector<double> sleeps;  // what the call asked for

private:
    double now_ = 0.0;
};

}  // namespace connguard
