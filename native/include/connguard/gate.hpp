// One target's limiter (spec 6) for threads: the engine's Limiter behind a
// mutex. Each caller blocks on its own condition variable, so a grant wakes
// only the caller it lets in; the queue's head also keeps the probe timer
// (it waits until the probe is due and fires it), so a gate needs no thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "connguard/clock.hpp"
#include "connguard/limiter.hpp"
#include "connguard/policy.hpp"

namespace connguard {

class Gate;

// A connection opened through a gate. Releasing it, or destroying it,
// reports the close once, and the slot goes to the next waiter at once.
// Move-only; any thread may release it.
class Slot {
public:
    Slot() = default;
    ~Slot() { release(); }
    Slot(Slot&& other) noexcept = default;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    void release() noexcept;
    bool held() const noexcept { return gate_ != nullptr; }

private:
    friend class Gate;
    explicit Slot(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}

    std::shared_ptr<Gate> gate_;
};

// Always owned by a std::shared_ptr: the Slots it hands out keep it alive.
// It emits the limiter's events (spec 8.1, events.hpp) under its lock: `limit`
// from the report that changed the limit, `released` when a Slot is released.
class Gate : public std::enable_shared_from_this<Gate> {
public:
    // `policy.limiter` sets the limits and the policy's backoff paces probes;
    // `clock` times the probes and every wait; `server` names the gate in its
    // events ("host:port" or the socket path).
    Gate(const Policy& policy, std::uint64_t seed, std::shared_ptr<Clock> clock, std::string server = "");
    Gate(const Gate&) = delete;
    Gate& operator=(const Gate&) = delete;

    // The process's gate for `target` ("host:port", or the socket path) on
    // `clock`, made by the first caller: its policy sets the limits, `seed` is
    // drawn only then, and `target` is its server. Callers on different clocks
    // (a test's fake one) get different gates.
    static std::shared_ptr<Gate> of(const std::string& target, const Policy& policy,
                                    const std::shared_ptr<Clock>& clock,
                                    const std::function<std::uint64_t()>& seed);
    // Every gate of() has made, for metrics to read their state.
    static std::vector<std::shared_ptr<Gate>> all();

    class Ticket;
    // A caller's ticket for one call, not yet in the queue: join() puts it there.
    Ticket ticket();

    Clock& clock() const noexcept { return *clock_; }
    const std::string& server() const noexcept { return server_; }

    struct State {
        int limit;
        int holding;
        int in_use;
        std::size_t queued;
    };
    State state() const;

private:
    struct Turn {
        std::condition_variable cv;
        bool granted = false;
    };

    // Each takes the mutex and first fires the probe timer if it is due.
    void join(Limiter::Waiter waiter);
    bool wait(Limiter::Waiter waiter, double until);
    Slot connected(Limiter::Waiter waiter);
    void rejected(Limiter::Waiter waiter);
    void left(Limiter::Waiter waiter);
    void released();
    void finish(Limiter::Waiter waiter, bool in_limiter) noexcept;

    // Under the mutex.
    void fire_due_probe();
    void apply(const Limiter::Actions& actions);

    mutable std::mutex mutex_;
    std::shared_ptr<Clock> clock_;
    std::string server_;
    Limiter limiter_;
    int limit_ = 0;                          // the limit as events last told it
    std::map<Limiter::Waiter, Turn> turns_;  // node-based: a Turn stays put while its caller waits
    Limiter::Waiter next_waiter_ = 1;
    std::optional<double> probe_due_;  // when the armed probe timer fires

    friend class Slot;
};

// One caller's place at a gate for the length of one call (spec 6.1), moved
// by the call's actions (spec 7): join, wait, then connected, rejected or left.
// Destroyed while queued or attempting it leaves, so nothing that throws leaks
// a slot. Used by one thread.
class Gate::Ticket {
public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

    // The queue's tail: at first, and again after left().
    void join();
    // Until the caller may attempt (true), or the gate's clock reads `until`
    // (false: still queued, for the call to leave).
    bool wait(double until);
    // The attempt connected: the connection's Slot.
    Slot connected();
    // The attempt was refused for capacity: back to the queue's head.
    void rejected();
    // Out of the queue or of the attempt, freeing its place until join().
    void left();

private:
    friend class Gate;
    enum class Where { Out, Queued, Attempting, Done };
    Ticket(Gate& gate, Limiter::Waiter waiter) : gate_(gate), waiter_(waiter) {}
    void expect(std::initializer_list<Where> allowed) const;

    Gate& gate_;
    Limiter::Waiter waiter_;
    Where where_ = Where::Out;
};

}  // namespace connguard
