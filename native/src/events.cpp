#include "connguard/events.hpp"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace connguard {
namespace detail {

std::atomic<int> event_sinks{0};

// Emitters share the lock; adding or removing a sink takes it alone, so a
// removed sink is never called again once its handle's reset() returns.
struct EventRegistry {
    std::shared_mutex mutex;
    std::vector<std::pair<std::uint64_t, EventSink>> sinks;
    std::uint64_t next_id = 1;
};

}  // namespace detail
namespace {

// Shared with every handle, so a handle destroyed after static destruction
// began still finds it.
const std::shared_ptr<detail::EventRegistry>& registry() {
    static const std::shared_ptr<detail::EventRegistry> instance = std::make_shared<detail::EventRegistry>();
    return instance;
}

}  // namespace

std::string_view to_string(EventName name) {
    switch (name) {
        case EventName::Granted: return "granted";
        case EventName::Attempt: return "attempt";
        case EventName::Failed: return "failed";
        case EventName::Retry: return "retry";
        case EventName::GiveUp: return "give_up";
        case EventName::Connected: return "connected";
        case EventName::Released: return "released";
        case EventName::Limit: return "limit";
    }
    return "unknown";
}

void emit(const Event& event) noexcept {
    detail::EventRegistry& sinks = *registry();
    const std::shared_lock<std::shared_mutex> lock(sinks.mutex);
    for (const auto& [id, sink] : sinks.sinks) {
        // Spec 8.1: a failing sink is logged and changes nothing; a broken exporter must
        // not fail a connect, nor leave a slot behind.
        try {
            sink(event);
        } catch (const std::exception& error) {
            std::cerr << "connguard ERROR: an event sink failed on a " << to_string(event.name)
                      << " event: " << error.what() << '\n';
        } catch (...) {
            std::cerr << "connguard ERROR: an event sink failed on a " << to_string(event.name) << " event\n";
        }
    }
}

EventSubscription add_event_sink(EventSink sink) {
    if (!sink) throw std::invalid_argument("connguard::add_event_sink: an empty sink");
    std::shared_ptr<detail::EventRegistry> shared = registry();
    const std::lock_guard<std::shared_mutex> lock(shared->mutex);
    const std::uint64_t id = shared->next_id++;
    shared->sinks.emplace_back(id, std::move(sink));
    detail::event_sinks.fetch_add(1, std::memory_order_relaxed);
    return EventSubscription(std::move(shared), id);
}

EventSubscription::EventSubscription(EventSubscription&& other) noexcept
    : registry_(std::move(other.registry_)), id_(std::exchange(other.id_, 0)) {}

EventSubscription& EventSubscription::operator=(EventSubscription&& other) noexcept {
    if (this != &other) {
        reset();
        registry_ = std::move(other.registry_);
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

void EventSubscription::reset() noexcept {
    if (!registry_) return;
    {
        const std::lock_guard<std::shared_mutex> lock(registry_->mutex);
        auto& sinks = registry_->sinks;
        sinks.erase(std::remove_if(sinks.begin(), sinks.end(), [&](const auto& s) { return s.first == id_; }),
                    sinks.end());
        detail::event_sinks.fetch_sub(1, std::memory_order_relaxed);
    }
    registry_.reset();
}

}  // namespace connguard
