// A clock for unit tests: time moves only when a test sets it or the code
// under test sleeps, and every sleep is recorded instead of waited for.
#pragma once

#include <vector>

#include "connguard/clock.hpp"

namespace connguard {

class FakeClock final : public Clock {
public:
    double now() override { return now_; }
    void sleep_for(double seconds) override {
        sleeps.push_back(seconds);
        now_ += seconds;
    }
    // Vectors state elapsed times directly, not always after the last sleep.
    void set(double seconds) { now_ = seconds; }

    std::vector<double> sleeps;

private:
    double now_ = 0.0;
};

}  // namespace connguard
