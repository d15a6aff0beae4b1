// A clock for unit tests: time moves only when a test sets or advances it or
// the code under test sleeps, and every sleep is recorded instead of waited
// for. Threads waiting on it (a Gate's callers) wake when time reaches their
// deadline; a test learns that they wait with waiting().
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "connguard/clock.hpp"

namespace connguard {

class FakeClock final : public Clock {
public:
    double now() override {
        const std::lock_guard<std::mutex> lock(mutex_);
        return now_;
    }
    void sleep_for(double seconds) override {
        double until = 0.0;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            sleeps.push_back(seconds);
            until = now_ + seconds;
        }
        set(until);
    }
    // Vectors state elapsed times directly, not always after the last sleep.
    void set(double seconds) {
        std::vector<Wait> waits;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            now_ = seconds;
            for (const Wait* wait : waits_) waits.push_back(*wait);
        }
        for (const Wait& wait : waits) {
            // A waiter registers under its own mutex and holds it until it
            // blocks, so taking that mutex first loses no wakeup; a wait still
            // registered has not returned, so its condition variable is alive.
            const std::lock_guard<std::mutex> owner(*wait.mutex);
            const std::lock_guard<std::mutex> lock(mutex_);
            const bool registered =
                std::any_of(waits_.begin(), waits_.end(), [&](const Wait* w) { return w->cv == wait.cv; });
            if (registered) wait.cv->notify_all();
        }
    }
    void advance(double seconds) { set(now() + seconds); }

    // The waiting mutexes (a Gate's) must outlive the calls that move time.
    void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                    double deadline) override {
        Wait wait{lock.mutex(), &cv};
        {
            const std::lock_guard<std::mutex> guard(mutex_);
            if (now_ >= deadline) return;
            waits_.push_back(&wait);
        }
        changed_.notify_all();
        cv.wait(lock);
        const std::lock_guard<std::mutex> guard(mutex_);
        waits_.erase(std::find(waits_.begin(), waits_.end(), &wait));
    }

    // Until at least `count` threads wait on this clock (false after 10 s of
    // real time: the test is stuck, not slow).
    bool waiting(std::size_t count) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return waits_.size() >= count; });
    }

    std::vector<double> sleeps;

private:
    struct Wait {
        std::mutex* mutex;
        std::condition_variable* cv;
    };

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Wait*> waits_;
    double now_ = 0.0;
};

}  // namespace connguard
