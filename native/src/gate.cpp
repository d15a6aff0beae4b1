#include "connguard/gate.hpp"

#include <stdexcept>
#include <utility>

namespace connguard {

Slot& Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        gate_ = std::move(other.gate_);
    }
    return *this;
}

void Slot::release() noexcept {
    if (gate_) std::exchange(gate_, nullptr)->released();
}

Gate::Gate(const Policy& policy, std::uint64_t seed, std::shared_ptr<Clock> clock)
    : clock_(std::move(clock)), limiter_(policy, seed) {
    if (!clock_) throw std::invalid_argument("connguard::Gate: no clock");
}

std::shared_ptr<Gate> Gate::of(const std::string& target, const Policy& policy,
                               const std::shared_ptr<Clock>& clock,
                               const std::function<std::uint64_t()>& seed) {
    static std::mutex mutex;
    // The gate holds its clock, so a clock's address is not reused while its key stands.
    static std::map<std::pair<std::string, const Clock*>, std::shared_ptr<Gate>> gates;
    const std::lock_guard<std::mutex> lock(mutex);
    std::shared_ptr<Gate>& gate = gates[{target, clock.get()}];
    if (!gate) gate = std::make_shared<Gate>(policy, seed(), clock);
    return gate;
}

Gate::Place Gate::enter() {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    const Limiter::Waiter waiter = next_waiter_++;
    turns_.try_emplace(waiter);
    apply(limiter_.acquire(waiter));
    return Place(*this, waiter);
}

Gate::State Gate::state() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return {limiter_.limit(), limiter_.holding(), limiter_.in_use(), limiter_.queue().size()};
}

bool Gate::wait(Limiter::Waiter waiter, double deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    Turn& turn = turns_.at(waiter);
    while (true) {
        fire_due_probe();
        if (turn.granted) return true;
        if (clock_->now() >= deadline) {
            apply(limiter_.left(waiter));
            return false;
        }
        // The head is granted the next probe, so it also keeps the timer.
        const bool head = !limiter_.queue().empty() && limiter_.queue().front() == waiter;
        const double until = head && probe_due_ && *probe_due_ < deadline ? *probe_due_ : deadline;
        clock_->wait_until(lock, turn.cv, until);
    }
}

Slot Gate::connected(Limiter::Waiter waiter) {
    std::shared_ptr<Gate> self = shared_from_this();
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    apply(limiter_.connected(waiter));
    return Slot(std::move(self));
}

void Gate::rejected(Limiter::Waiter waiter) {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    turns_.at(waiter).granted = false;
    apply(limiter_.rejected(waiter));
}

void Gate::left(Limiter::Waiter waiter) {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    apply(limiter_.left(waiter));
}

void Gate::rejoin(Limiter::Waiter waiter) {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    turns_.at(waiter).granted = false;
    apply(limiter_.acquire(waiter));
}

void Gate::released() {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    apply(limiter_.released());
}

void Gate::finish(Limiter::Waiter waiter, bool in_limiter) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (in_limiter) apply(limiter_.left(waiter));
    turns_.erase(waiter);
}

void Gate::fire_due_probe() {
    if (probe_due_ && clock_->now() >= *probe_due_) {
        probe_due_.reset();
        apply(limiter_.probe());
    }
}

void Gate::apply(const Limiter::Actions& actions) {
    for (const Limiter::Waiter waiter : actions.granted) {
        Turn& turn = turns_.at(waiter);
        turn.granted = true;
        turn.cv.notify_one();
    }
    if (actions.probe_in) probe_due_ = clock_->now() + *actions.probe_in;
    // The head may be new, or the timer newly armed: wake it to wait for the timer.
    if (probe_due_ && !limiter_.queue().empty()) turns_.at(limiter_.queue().front()).cv.notify_one();
}

Gate::Place::~Place() {
    if (where_ != Where::Done) gate_.finish(waiter_, where_ != Where::Out);
}

void Gate::Place::expect(Where where) const {
    if (where_ != where) throw std::logic_error("connguard::Gate::Place: call out of order");
}

bool Gate::Place::wait(double deadline) {
    expect(Where::Queued);
    const bool granted = gate_.wait(waiter_, deadline);
    where_ = granted ? Where::Attempting : Where::Out;
    return granted;
}

Slot Gate::Place::connected() {
    expect(Where::Attempting);
    Slot slot = gate_.connected(waiter_);
    gate_.finish(waiter_, false);
    where_ = Where::Done;
    return slot;
}

void Gate::Place::rejected() {
    expect(Where::Attempting);
    gate_.rejected(waiter_);
    where_ = Where::Queued;
}

void Gate::Place::leave() {
    expect(Where::Attempting);
    gate_.left(waiter_);
    where_ = Where::Out;
}

void Gate::Place::rejoin() {
    expect(Where::Out);
    gate_.rejoin(waiter_);
    where_ = Where::Queued;
}

}  // namespace connguard
