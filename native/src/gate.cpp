#include "connguard/gate.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "connguard/events.hpp"

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

Gate::Gate(const Policy& policy, std::uint64_t seed, std::shared_ptr<Clock> clock, std::string server)
    : clock_(std::move(clock)), server_(std::move(server)), limiter_(policy, seed), limit_(limiter_.limit()) {
    if (!clock_) throw std::invalid_argument("connguard::Gate: no clock");
}

namespace {

// The gates of Gate::of(). The gate holds its clock, so a clock's address is
// not reused while its key stands.
struct Gates {
    std::mutex mutex;
    std::map<std::pair<std::string, const Clock*>, std::shared_ptr<Gate>> by_key;
};

Gates& gates() {
    static Gates instance;
    return instance;
}

}  // namespace

std::shared_ptr<Gate> Gate::of(const std::string& target, const Policy& policy,
                               const std::shared_ptr<Clock>& clock,
                               const std::function<std::uint64_t()>& seed) {
    Gates& registry = gates();
    const std::lock_guard<std::mutex> lock(registry.mutex);
    std::shared_ptr<Gate>& gate = registry.by_key[{target, clock.get()}];
    if (!gate) gate = std::make_shared<Gate>(policy, seed(), clock, target);
    return gate;
}

std::vector<std::shared_ptr<Gate>> Gate::all() {
    Gates& registry = gates();
    const std::lock_guard<std::mutex> lock(registry.mutex);
    std::vector<std::shared_ptr<Gate>> found;
    for (const auto& [key, gate] : registry.by_key) found.push_back(gate);
    return found;
}

Gate::Ticket Gate::ticket() {
    const std::lock_guard<std::mutex> lock(mutex_);
    const Limiter::Waiter waiter = next_waiter_++;
    turns_.try_emplace(waiter);
    return Ticket(*this, waiter);
}

Gate::State Gate::state() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return {limiter_.limit(), limiter_.holding(), limiter_.in_use(), limiter_.queue().size()};
}

void Gate::join(Limiter::Waiter waiter) {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    turns_.at(waiter).granted = false;
    apply(limiter_.acquire(waiter));
}

bool Gate::wait(Limiter::Waiter waiter, double until) {
    std::unique_lock<std::mutex> lock(mutex_);
    Turn& turn = turns_.at(waiter);
    while (true) {
        fire_due_probe();
        if (turn.granted) return true;
        if (clock_->now() >= until) return false;
        // The head is granted the next probe, so it also keeps the timer.
        const bool head = !limiter_.queue().empty() && limiter_.queue().front() == waiter;
        clock_->wait_until(lock, turn.cv, head && probe_due_ && *probe_due_ < until ? *probe_due_ : until);
    }
}

Slot Gate::connected(Limiter::Waiter waiter) {
    Slot slot;  // before the lock: should anything below throw, it is released after the unlock
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    const Limiter::Actions actions = limiter_.connected(waiter);
    slot = Slot(shared_from_this());
    apply(actions);
    return slot;
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

void Gate::released() {
    const std::lock_guard<std::mutex> lock(mutex_);
    fire_due_probe();
    apply(limiter_.released());
    if (observed()) {
        Event released;
        released.name = EventName::Released;
        released.server = server_;
        emit(released);
    }
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
    if (limiter_.limit() != limit_) {
        limit_ = limiter_.limit();
        if (observed()) {
            Event limit;
            limit.name = EventName::Limit;
            limit.server = server_;
            limit.limit = limit_;
            limit.holding = limiter_.holding();
            limit.in_flight = limiter_.in_use() - limiter_.holding();
            limit.queued = static_cast<int>(limiter_.queue().size());
            emit(limit);
        }
    }
}

Gate::Ticket::~Ticket() {
    if (where_ != Where::Done) gate_.finish(waiter_, where_ != Where::Out);
}

void Gate::Ticket::expect(std::initializer_list<Where> allowed) const {
    if (std::find(allowed.begin(), allowed.end(), where_) == allowed.end()) {
        throw std::logic_error("connguard::Gate::Ticket: call out of order");
    }
}

void Gate::Ticket::join() {
    expect({Where::Out});
    gate_.join(waiter_);
    where_ = Where::Queued;
}

bool Gate::Ticket::wait(double until) {
    expect({Where::Queued});
    const bool granted = gate_.wait(waiter_, until);
    if (granted) where_ = Where::Attempting;
    return granted;
}

Slot Gate::Ticket::connected() {
    expect({Where::Attempting});
    Slot slot = gate_.connected(waiter_);
    gate_.finish(waiter_, false);
    where_ = Where::Done;
    return slot;
}

void Gate::Ticket::rejected() {
    expect({Where::Attempting});
    gate_.rejected(waiter_);
    where_ = Where::Queued;
}

void Gate::Ticket::left() {
    expect({Where::Queued, Where::Attempting});
    gate_.left(waiter_);
    where_ = Where::Out;
}

}  // namespace connguard
