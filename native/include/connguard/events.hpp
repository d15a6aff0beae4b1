// Events (spec 8.1): what calls and gates tell observers as they happen.
//
// One process-wide set of sinks receives every event: those of calls (the
// runners retry_connect and retry_connect_gated, so every MySQLDB::open) and
// those of gates (`limit`, `released`). Process-wide, not an option of each
// MySQLDB like its LogSink: a gate serves every caller of a target whatever
// their options, and metrics are the process's. add_event_sink() returns the
// handle that removes the sink again.
//
// With no sink, an event site costs one atomic load (observed()) and builds
// nothing.
//
// Sinks run on the thread of the call, or of the gate report that caused the
// event, several at once: they must be thread-safe. A gate emits under its
// lock, so that its events keep their order: a sink must not call into a gate
// (Gate::state(), an open()), nor add or remove sinks. An exception from a
// sink is written to stderr and changes nothing (spec 8.1).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connguard/classification.hpp"
#include "connguard/decision.hpp"

namespace connguard {

enum class EventName { Granted, Attempt, Failed, Retry, GiveUp, Connected, Released, Limit };

// "granted", "attempt", "failed", "retry", "give_up", "connected", "released", "limit".
std::string_view to_string(EventName name);

// One event; the fields its name does not use (spec 8.1's table) are empty.
struct Event {
    EventName name = EventName::Attempt;
    std::string service;  // "default" for the [default] policy; "" for released and limit
    std::string target;   // masked, as log lines print it, "-" when unknown; "" for released and limit
    std::string server;   // released, limit: the gate's key, "host:port" or the socket path
    std::optional<double> waited;           // granted: seconds since it joined or rejoined
    std::optional<int> attempt;             // attempt, failed, retry: k, 1 for the first
    std::optional<int> attempts;            // give_up, connected
    std::optional<int> code;                // failed, give_up: nullopt = network (give_up: or no attempt)
    std::optional<ErrorClass> error_class;  // failed, give_up (give_up: nullopt = no attempt)
    std::optional<double> delay;            // retry: seconds; nullopt = queued at the gate
    std::optional<double> elapsed;          // failed, retry, give_up, connected: the call's t
    std::optional<Reason> reason;           // give_up
    std::optional<int> limit;               // limit: the limiter's state after the event
    std::optional<int> holding;             // limit
    std::optional<int> in_flight;           // limit
    std::optional<int> queued;              // limit
};

using EventSink = std::function<void(const Event&)>;

namespace detail {
extern std::atomic<int> event_sinks;  // how many are added; read by observed()
struct EventRegistry;
}  // namespace detail

// Whether any sink is added: event sites build an event only then.
inline bool observed() noexcept {
    return detail::event_sinks.load(std::memory_order_relaxed) != 0;
}

// Hands `event` to every sink, in the order they were added. For runners and
// gates: call it behind `if (observed())`.
void emit(const Event& event) noexcept;

// A sink's registration: destroying or resetting it removes the sink, waiting
// for the sink's runs in progress on other threads to end, so whatever the
// sink refers to may be destroyed next. Move-only.
class EventSubscription {
public:
    EventSubscription() noexcept = default;
    ~EventSubscription() { reset(); }
    EventSubscription(EventSubscription&& other) noexcept;
    EventSubscription& operator=(EventSubscription&& other) noexcept;
    EventSubscription(const EventSubscription&) = delete;
    EventSubscription& operator=(const EventSubscription&) = delete;

    void reset() noexcept;
    bool active() const noexcept { return registry_ != nullptr; }

private:
    friend EventSubscription add_event_sink(EventSink sink);
    EventSubscription(std::shared_ptr<detail::EventRegistry> registry, std::uint64_t id) noexcept
        : registry_(std::move(registry)), id_(id) {}

    std::shared_ptr<detail::EventRegistry> registry_;  // kept alive for the handle's reset()
    std::uint64_t id_ = 0;
};

// Adds `sink` for every event of the process from now on, until the returned
// handle is destroyed. Throws std::invalid_argument for an empty sink.
[[nodiscard]] EventSubscription add_event_sink(EventSink sink);

}  // namespace connguard
