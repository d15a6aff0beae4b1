#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "connguard/limiter.hpp"
#include "connguard/schedule.hpp"

namespace connguard {
namespace {

using Waiters = std::vector<Limiter::Waiter>;

Policy policy_with(int initial_limit, int max_limit = 1000) {
    Policy policy;
    policy.limiter.initial_limit = initial_limit;
    policy.limiter.max_limit = max_limit;
    policy.jitter = Jitter::None;  // probe delays 50ms, 100ms, 200ms, ...
    return policy;
}

TEST(Limiter, GrantsUpToTheInitialLimitAndQueuesTheRest) {
    Limiter limiter(policy_with(2), 1);
    EXPECT_EQ(limiter.acquire(1).granted, Waiters{1});
    EXPECT_EQ(limiter.acquire(2).granted, Waiters{2});
    const auto third = limiter.acquire(3);
    EXPECT_TRUE(third.granted.empty());
    EXPECT_EQ(limiter.queue(), std::deque<Limiter::Waiter>{3});
    EXPECT_EQ(limiter.in_use(), 2);
}

TEST(Limiter, SlowStartGrowsByOnePerSuccessUpToMaxLimit) {
    Limiter limiter(policy_with(2, 5), 1);
    for (Limiter::Waiter w = 1; w <= 10; ++w) limiter.acquire(w);
    EXPECT_EQ(limiter.connected(1).granted, Waiters{3});  // limit 3: 1 holds, 2 and 3 attempt
    EXPECT_EQ(limiter.limit(), 3);
    EXPECT_EQ(limiter.connected(2).granted, Waiters{4});
    EXPECT_EQ(limiter.limit(), 4);
    limiter.connected(3);
    limiter.connected(4);
    EXPECT_EQ(limiter.limit(), 5);  // capped
    EXPECT_EQ(limiter.in_use(), 5);
}

TEST(Limiter, CapacityRejectionSetsTheLimitToWhatIsInUseAndKeepsTheTurn) {
    Limiter limiter(policy_with(4), 1);
    for (Limiter::Waiter w = 1; w <= 6; ++w) limiter.acquire(w);
    limiter.connected(1);
    limiter.connected(2);  // slow start: limit 6, all six granted
    ASSERT_EQ(limiter.in_use(), 6);
    const auto after = limiter.rejected(5);
    EXPECT_EQ(limiter.limit(), 5);  // two held, three still in flight
    EXPECT_FALSE(limiter.slow_start());
    EXPECT_TRUE(after.granted.empty());
    EXPECT_EQ(limiter.queue().front(), 5u);
    EXPECT_TRUE(limiter.rejected(3).granted.empty());  // each refusal takes one off
    EXPECT_EQ(limiter.limit(), 4);
    limiter.connected(4);
    limiter.connected(6);
    EXPECT_EQ(limiter.limit(), 4);  // what the server holds, no more: no growth outside slow start
    EXPECT_EQ(limiter.released().granted, Waiters{3});  // a close hands its slot to the head
    EXPECT_EQ(limiter.limit(), 4);
}

TEST(Limiter, ACloseHandsItsSlotToTheHeadWaiterAtOnce) {
    Limiter limiter(policy_with(1), 1);
    limiter.acquire(1);
    limiter.acquire(2);
    limiter.acquire(3);
    limiter.connected(1);
    limiter.rejected(2);  // limit 1: the one we hold
    EXPECT_EQ(limiter.released().granted, Waiters{2});
}

TEST(Limiter, AFullServerIsProbedOneAtATimePacedByTheBackoffSchedule) {
    Policy policy = policy_with(1);
    Limiter limiter(policy, 1);
    limiter.acquire(1);
    const auto queued = limiter.acquire(2);
    ASSERT_TRUE(queued.probe_in.has_value());  // 2 waits and nothing can let it in
    const auto refused = limiter.rejected(1);  // others hold the server: limit 0
    EXPECT_EQ(limiter.limit(), 0);
    EXPECT_FALSE(refused.probe_in.has_value());  // the armed timer stands
    EXPECT_EQ(*queued.probe_in, 0.05);

    const auto probe = limiter.probe();
    EXPECT_EQ(probe.granted, Waiters{1});      // the head, beyond the limit
    EXPECT_FALSE(probe.probe_in.has_value());  // one probe at a time
    const auto again = limiter.rejected(1);
    EXPECT_EQ(again.probe_in, 0.1);  // the schedule goes on: 50ms, 100ms, ...
    EXPECT_TRUE(limiter.probe().granted == Waiters{1});
    EXPECT_EQ(limiter.rejected(1).probe_in, 0.2);
}

TEST(Limiter, AProbeThatConnectsRaisesTheLimitAndRestartsTheSchedule) {
    Limiter limiter(policy_with(1), 1);
    limiter.acquire(1);
    limiter.acquire(2);
    limiter.acquire(3);
    limiter.rejected(1);  // limit 0
    limiter.probe();      // 1 probes
    limiter.rejected(1);  // next probe in 100ms
    limiter.probe();      // 1 probes again
    const auto in = limiter.connected(1);
    EXPECT_EQ(limiter.limit(), 2);  // one more than in use
    EXPECT_EQ(in.granted, Waiters{2});
    EXPECT_EQ(in.probe_in, 0.1);  // the shortest delay again, times 2 (one connection held)
    EXPECT_EQ(limiter.streak(), 1);
}

TEST(Limiter, MaxLimitCapsProbesToo) {
    Limiter limiter(policy_with(1, 1), 1);
    limiter.acquire(1);
    limiter.acquire(2);
    limiter.connected(1);
    EXPECT_TRUE(limiter.probe().granted.empty());  // one held of one allowed
    EXPECT_EQ(limiter.in_use(), 1);
}

TEST(Limiter, LeavingFreesAQueuedPlaceOrAnAttemptsSlot) {
    Limiter limiter(policy_with(1), 1);
    limiter.acquire(1);
    limiter.acquire(2);
    limiter.acquire(3);
    limiter.left(2);  // gave up while queued
    EXPECT_EQ(limiter.queue(), std::deque<Limiter::Waiter>{3});
    EXPECT_EQ(limiter.left(1).granted, Waiters{3});  // failed otherwise: its slot goes on
    EXPECT_EQ(limiter.in_use(), 1);
}

TEST(Limiter, MisuseIsAnError) {
    Limiter limiter(policy_with(1), 1);
    EXPECT_THROW(limiter.connected(7), std::logic_error);
    EXPECT_THROW(limiter.released(), std::logic_error);
    limiter.acquire(1);
    EXPECT_THROW(limiter.acquire(1), std::logic_error);
}

}  // namespace
}  // namespace connguard
