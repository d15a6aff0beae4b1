// The limiter's gate with real threads on a fake clock: callers block until
// the gate lets them in, and time moves only when a test moves it.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "connguard/gate.hpp"
#include "fake_clock.hpp"

namespace connguard {
namespace {

constexpr double kForever = std::numeric_limits<double>::infinity();

// One connection at a time, probes every `probe` seconds (no jitter).
Policy one_at_a_time(double probe = 10.0) {
    Policy policy;
    policy.limiter.initial_limit = 1;
    policy.limiter.max_limit = 1;
    policy.jitter = Jitter::None;
    policy.initial_delay = probe;
    policy.max_delay = 4 * probe;
    return policy;
}

// What the callers' threads did, in order, for the test thread to wait on.
class Journal {
public:
    void add(int entry) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            entries_.push_back(entry);
        }
        changed_.notify_all();
    }
    // The entries once there are `count` of them (10 s of real time at most).
    std::vector<int> first(std::size_t count) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(10), [&] { return entries_.size() >= count; });
        return entries_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<int> entries_;
};

class GateTest : public ::testing::Test {
protected:
    // A connection held through the gate, as a running service would have.
    Slot hold() {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        EXPECT_TRUE(ticket.wait(kForever));
        return ticket.connected();
    }

    void expect_idle() {
        const Gate::State state = gate->state();
        EXPECT_EQ(state.holding, 0);
        EXPECT_EQ(state.in_use, 0);
        EXPECT_EQ(state.queued, 0u);
    }

    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<Gate> gate = std::make_shared<Gate>(one_at_a_time(), 1, clock);
};

TEST_F(GateTest, GrantsInArrivalOrderAsEachConnectionCloses) {
    Slot held = hold();
    Journal journal;
    std::vector<std::thread> callers;
    for (int i = 0; i < 3; ++i) {
        callers.emplace_back([&, i] {
            Gate::Ticket ticket = gate->ticket();
            ticket.join();
            if (!ticket.wait(kForever)) return;
            journal.add(i);
            ticket.connected().release();  // the next one's turn
        });
        ASSERT_TRUE(clock->waiting(static_cast<std::size_t>(i) + 1)) << "caller " << i << " never queued";
    }
    EXPECT_EQ(gate->state().queued, 3u);
    held.release();
    for (std::thread& caller : callers) caller.join();
    EXPECT_EQ(journal.first(3), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(clock->now(), 0.0);  // no timer, no sleep: each close let the next in
    expect_idle();
}

TEST_F(GateTest, AConnectionClosedOnAnotherThreadHandsItsSlotOn) {
    Slot held = hold();
    Journal journal;
    std::thread waiter([&] {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        if (ticket.wait(kForever)) journal.add(1);
    });
    ASSERT_TRUE(clock->waiting(1));
    EXPECT_EQ(gate->state().holding, 1);
    std::thread closer([slot = std::move(held)]() mutable { slot.release(); });
    closer.join();
    waiter.join();  // granted, then gone without attempting: its slot is free again
    EXPECT_EQ(journal.first(1), std::vector<int>{1});
    EXPECT_EQ(clock->now(), 0.0);
    expect_idle();
}

TEST_F(GateTest, AWaiterWhoseDeadlinePassesLeavesWithoutLeakingItsTicket) {
    Slot held = hold();
    Journal journal;
    std::thread impatient([&] {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        journal.add(ticket.wait(5.0) ? 1 : 0);
        ticket.left();
    });
    ASSERT_TRUE(clock->waiting(1));
    std::thread patient([&] {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        if (ticket.wait(kForever)) ticket.connected().release();
        journal.add(2);
    });
    ASSERT_TRUE(clock->waiting(2));
    clock->set(5.0);  // the first probe is due at 10 s: only the deadline passes
    impatient.join();
    EXPECT_EQ(journal.first(1), std::vector<int>{0});
    EXPECT_EQ(gate->state().queued, 1u);
    EXPECT_EQ(gate->state().in_use, 1);
    held.release();
    patient.join();
    EXPECT_EQ(journal.first(2), (std::vector<int>{0, 2}));
    expect_idle();
}

TEST_F(GateTest, ATicketDestroyedAfterItsGrantGivesTheSlotBack) {
    {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        ASSERT_TRUE(ticket.wait(kForever));
        EXPECT_EQ(gate->state().in_use, 1);
    }  // e.g. the attempt threw
    expect_idle();
    Slot again = hold();
    EXPECT_TRUE(again.held());
}

TEST_F(GateTest, TheQueuesHeadFiresTheProbeWhenDueOneAtATime) {
    Policy policy = one_at_a_time(0.05);  // probes 50ms, then 100ms, times 2 (one held)
    policy.limiter.max_limit = 2;         // room for one probe beside the connection held
    gate = std::make_shared<Gate>(policy, 1, clock);
    Slot held = hold();  // slow start: limit 2
    Journal journal;
    Journal checked;
    std::thread prober([&] {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        if (!ticket.wait(kForever)) return;
        journal.add(1);
        checked.first(1);
        ticket.rejected();  // the server is full: limit 1, back to the head
        if (!ticket.wait(kForever)) return;
        journal.add(2);
        checked.first(2);
        ticket.rejected();
        if (ticket.wait(kForever)) journal.add(3);
    });                                                // leaves while attempting: its probe ends
    EXPECT_EQ(journal.first(1), std::vector<int>{1});  // room under the limit
    checked.add(0);
    ASSERT_TRUE(clock->waiting(1));
    std::thread behind([&] {
        Gate::Ticket ticket = gate->ticket();
        ticket.join();
        if (ticket.wait(kForever)) journal.add(4);
    });
    ASSERT_TRUE(clock->waiting(2));
    clock->set(0.1);
    EXPECT_EQ(journal.first(2), (std::vector<int>{1, 2}));  // beyond the limit: the probe
    EXPECT_EQ(gate->state().in_use, 2);
    EXPECT_EQ(gate->state().queued, 1u);  // one probe at a time
    checked.add(0);
    ASSERT_TRUE(clock->waiting(2));
    clock->set(0.1 + 0.2);  // the next probe, 200ms after the first
    prober.join();
    EXPECT_EQ(journal.first(3), (std::vector<int>{1, 2, 3}));
    held.release();
    behind.join();
    EXPECT_EQ(journal.first(4), (std::vector<int>{1, 2, 3, 4}));
    expect_idle();
}

// The call decides what a wait that ran out means: the ticket stays queued
// until the call's `left`.
TEST_F(GateTest, AWaitThatRunsOutLeavesTheQueueOnlyWhenTold) {
    Slot held = hold();
    Gate::Ticket ticket = gate->ticket();
    EXPECT_EQ(gate->state().queued, 0u);
    ticket.join();
    EXPECT_FALSE(ticket.wait(0.0));
    EXPECT_EQ(gate->state().queued, 1u);
    ticket.left();
    EXPECT_EQ(gate->state().queued, 0u);
    ticket.join();  // again, at the tail
    EXPECT_EQ(gate->state().queued, 1u);
}

TEST_F(GateTest, MisuseIsAnError) {
    Gate::Ticket ticket = gate->ticket();
    ticket.join();
    EXPECT_THROW(ticket.connected(), std::logic_error);  // not granted yet
    ASSERT_TRUE(ticket.wait(kForever));
    EXPECT_THROW(ticket.join(), std::logic_error);
}

TEST(GateOf, OnePerTargetAndClock) {
    const auto clock = std::make_shared<FakeClock>();
    const auto other = std::make_shared<FakeClock>();
    int seeds = 0;
    const auto seed = [&seeds] { return static_cast<std::uint64_t>(++seeds); };
    const std::shared_ptr<Gate> a = Gate::of("127.0.0.1:3306", Policy{}, clock, seed);
    EXPECT_EQ(Gate::of("127.0.0.1:3306", one_at_a_time(), clock, seed), a);
    EXPECT_EQ(a->state().limit, Policy{}.limiter.initial_limit);  // the first policy set it
    EXPECT_NE(Gate::of("127.0.0.1:3307", Policy{}, clock, seed), a);
    EXPECT_NE(Gate::of("127.0.0.1:3306", Policy{}, other, seed), a);
    EXPECT_EQ(seeds, 3);  // drawn once per gate made
}

}  // namespace
}  // namespace connguard
