// The process's event sinks (events.hpp): added and removed by their handles,
// and what a sink that throws does to a call and its gate.
#include <gtest/gtest.h>

#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "connguard/events.hpp"
#include "connguard/gate.hpp"
#include "connguard/retry_connect.hpp"
#include "fake_clock.hpp"

namespace connguard {
namespace {

Event named(EventName name) {
    Event event;
    event.name = name;
    return event;
}

TEST(Events, NamesAreSpecNames) {
    const std::vector<std::string> names = {"granted", "attempt",   "failed",   "retry",
                                            "give_up", "connected", "released", "limit"};
    const std::vector<EventName> values = {EventName::Granted,  EventName::Attempt, EventName::Failed,
                                           EventName::Retry,    EventName::GiveUp,  EventName::Connected,
                                           EventName::Released, EventName::Limit};
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(to_string(values[i]), names[i]);
}

TEST(Events, EverySinkGetsEachEventUntilItsHandleIsGone) {
    EXPECT_FALSE(observed());
    std::vector<std::string> seen;
    EventSubscription first =
        add_event_sink([&](const Event& e) { seen.push_back("1 " + std::string(to_string(e.name))); });
    {
        const EventSubscription second =
            add_event_sink([&](const Event& e) { seen.push_back("2 " + std::string(to_string(e.name))); });
        EXPECT_TRUE(observed());
        emit(named(EventName::Attempt));
    }
    emit(named(EventName::Failed));
    first.reset();
    EXPECT_FALSE(first.active());
    EXPECT_FALSE(observed());
    emit(named(EventName::Retry));
    EXPECT_EQ(seen, (std::vector<std::string>{"1 attempt", "2 attempt", "1 failed"}));
}

TEST(Events, AMovedHandleRemovesItsSinkOnce) {
    int calls = 0;
    EventSubscription a = add_event_sink([&](const Event&) { ++calls; });
    EventSubscription b = std::move(a);
    EXPECT_FALSE(a.active());  // a moved-from handle is empty
    EventSubscription c;
    c = std::move(b);
    emit(named(EventName::Attempt));
    EXPECT_EQ(calls, 1);
    c = add_event_sink([&](const Event&) { calls += 10; });  // the first sink goes
    emit(named(EventName::Attempt));
    EXPECT_EQ(calls, 11);
    c.reset();
    EXPECT_FALSE(observed());
}

TEST(Events, AnEmptySinkIsRefused) {
    EXPECT_THROW((void)add_event_sink(EventSink()), std::invalid_argument);
    EXPECT_FALSE(observed());
}

// The times the vectors leave out: a queued caller's wait for the probe,
// and the call's t in each event.
TEST(Events, GrantedSaysHowLongTheCallerWaited) {
    Policy policy;
    policy.jitter = Jitter::None;  // the probe comes after 0.05 s
    const auto clock = std::make_shared<FakeClock>();
    const auto gate = std::make_shared<Gate>(policy, 1, clock, "waits:3306");
    std::mutex mutex;
    std::vector<Event> events;
    const EventSubscription observing = add_event_sink([&](const Event& e) {
        const std::lock_guard<std::mutex> lock(mutex);
        events.push_back(e);
    });
    bool refused = false;
    const Attempt refused_once = [&](double /*timeout*/) -> std::optional<AttemptFailure> {
        if (std::exchange(refused, true)) return std::nullopt;
        return AttemptFailure{1040, "08004", "Too many connections"};
    };
    std::future<Admitted> call = std::async(std::launch::async, [&] {
        return retry_connect_gated(policy, CallSite{"api", ""}, refused_once, *gate, LogSink());
    });
    ASSERT_TRUE(clock->waiting(1));
    clock->set(0.05);
    Slot slot = call.get().slot;
    std::vector<std::string> names;
    for (const Event& e : events) names.emplace_back(to_string(e.name));
    ASSERT_EQ(names, (std::vector<std::string>{"granted", "attempt", "failed", "limit", "retry", "granted",
                                               "attempt", "limit", "connected"}));
    EXPECT_EQ(events[0].waited, 0.0);  // let in as it joined
    EXPECT_EQ(events[2].elapsed, 0.0);
    EXPECT_EQ(events[4].delay, std::nullopt);  // queued
    EXPECT_EQ(events[5].waited, 0.05);
    EXPECT_EQ(events[8].elapsed, 0.05);
    EXPECT_EQ(events[8].service, "api");
    EXPECT_EQ(events[8].target, "-");
}

Attempt connects() {
    return [](double /*timeout*/) -> std::optional<AttemptFailure> { return std::nullopt; };
}

class ThrowingSink : public ::testing::Test {
protected:
    // A sink that throws on the events named `name`.
    EventSubscription throw_on(EventName name) {
        return add_event_sink([name](const Event& e) {
            if (e.name == name) throw std::runtime_error("the sink's bug");
        });
    }
    void expect_idle() const {
        const Gate::State state = gate->state();
        EXPECT_EQ(state.in_use, 0);
        EXPECT_EQ(state.queued, 0u);
    }

    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<Gate> gate = std::make_shared<Gate>(Policy{}, 1, clock, "sinks:3306");
};

// Spec 8.1: a sink that throws is logged and changes nothing, wherever it throws.
TEST_F(ThrowingSink, ChangesNothingWhereverItThrows) {
    for (const EventName name : {EventName::Granted, EventName::Attempt, EventName::Limit,
                                 EventName::Connected, EventName::Released}) {
        SCOPED_TRACE(std::string(to_string(name)));
        int released = 0;
        const EventSubscription count = add_event_sink([&](const Event& e) {
            released += e.name == EventName::Released && e.server == "sinks:3306" ? 1 : 0;
        });
        const EventSubscription sink = throw_on(name);
        {
            const Admitted admitted = retry_connect_gated(Policy{}, CallSite{}, connects(), *gate, LogSink());
            EXPECT_EQ(admitted.attempts, 1);
            EXPECT_EQ(gate->state().holding, 1);
        }
        expect_idle();
        EXPECT_EQ(gate->state().holding, 0);
        EXPECT_EQ(released, 1);
    }
}

}  // namespace
}  // namespace connguard
