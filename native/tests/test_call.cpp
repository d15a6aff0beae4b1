// What call.json does not pin down: refused events change nothing, and fields
// a kind does not use stay unset.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connguard/call.hpp"

namespace connguard {
namespace {

using Do = Action::Do;

Policy no_jitter() {
    Policy policy;  // 10 attempts, 30s deadline, 5s connect timeout, 50ms doubling
    policy.jitter = Jitter::None;
    return policy;
}

std::vector<Do> kinds(const Actions& actions) {
    std::vector<Do> out;
    for (const Action& action : actions) out.push_back(action.kind);
    return out;
}

TEST(Call, ARefusedEventChangesNothing) {
    Call call(no_jitter(), 1, true);
    call.start();
    call.granted(0.0);
    call.failed(0.01, 2013);  // left, retry, sleep 0.05
    ASSERT_EQ(call.phase(), Call::Phase::Sleeping);
    EXPECT_THROW(call.failed(0.02, 2013), CallError);
    EXPECT_THROW(call.granted(0.02), CallError);
    EXPECT_THROW(call.start(), CallError);
    EXPECT_EQ(call.phase(), Call::Phase::Sleeping);
    EXPECT_EQ(call.attempts(), 1);
    // The refused failure drew no delay: the next retry is still the second.
    call.woke(0.06);
    call.granted(0.06);
    const Actions actions = call.failed(0.07, 2013);
    ASSERT_EQ(kinds(actions), (std::vector<Do>{Do::Left, Do::Retry, Do::Sleep}));
    EXPECT_EQ(actions[1].attempt, 2);
    EXPECT_EQ(actions[2].delay, 0.1);
}

TEST(Call, TheErrorNamesTheEventAndThePhase) {
    Call call(no_jitter(), 1, false);
    try {
        call.woke(0.0);
        FAIL() << "accepted";
    } catch (const std::logic_error& error) {
        EXPECT_EQ(std::string(error.what()), "connguard::Call: woke while idle");
    }
}

TEST(Call, EveryEventIsRefusedOnceDone) {
    for (const bool gated : {false, true}) {
        Call call(no_jitter(), 1, gated);
        call.start();
        if (gated) call.granted(0.0);
        call.failed(0.01, 1045);
        ASSERT_EQ(call.phase(), Call::Phase::Done);
        EXPECT_THROW(call.start(), CallError);
        EXPECT_THROW(call.granted(1.0), CallError);
        EXPECT_THROW(call.succeeded(1.0), CallError);
        EXPECT_THROW(call.failed(1.0, 2013), CallError);
        EXPECT_THROW(call.woke(1.0), CallError);
        EXPECT_THROW(call.expired(1.0), CallError);
        EXPECT_THROW(call.abandoned(1.0), CallError);
        EXPECT_EQ(call.attempts(), 1);
    }
}

TEST(Call, AnActionCarriesOnlyTheFieldsOfItsKind) {
    Call call(no_jitter(), 1, false);
    const Action attempt = call.start()[0];
    EXPECT_EQ(attempt.kind, Do::Attempt);
    EXPECT_EQ(attempt.timeout, 5.0);
    EXPECT_FALSE(attempt.until || attempt.delay || attempt.code || attempt.error_class || attempt.reason);
    const Actions retried = call.failed(0.01, 1040);
    const Action& sleep = retried[1];
    EXPECT_EQ(sleep.kind, Do::Sleep);
    EXPECT_EQ(sleep.delay, 0.05);
    EXPECT_FALSE(sleep.until || sleep.timeout || sleep.code || sleep.error_class || sleep.reason);
    EXPECT_EQ(sleep.attempt, 0);
}

TEST(Call, AbandonedLeavesTheGateOnlyWhileInIt) {
    Call sleeping(no_jitter(), 1, true);
    sleeping.start();
    sleeping.granted(0.0);
    sleeping.failed(0.01, 2013);
    EXPECT_TRUE(sleeping.abandoned(0.02).empty());
    EXPECT_EQ(sleeping.phase(), Call::Phase::Done);
    Call waiting(no_jitter(), 1, true);
    waiting.start();
    EXPECT_EQ(kinds(waiting.abandoned(0.0)), std::vector<Do>{Do::Left});
    Call idle(no_jitter(), 1, true);
    EXPECT_THROW(idle.abandoned(0.0), CallError);
    EXPECT_EQ(idle.phase(), Call::Phase::Idle);
}

TEST(Call, ReportsItsPolicyAndWhetherItIsGated) {
    Policy policy = no_jitter();
    policy.service = "api";
    const Call call(policy, 1, true);
    EXPECT_TRUE(call.gated());
    EXPECT_EQ(call.policy().service, "api");
    EXPECT_EQ(call.attempts(), 0);
    EXPECT_EQ(to_string(call.phase()), "idle");
}

TEST(Actions, HoldsAtMostThree) {
    Actions actions;
    for (int i = 0; i < 3; ++i) actions.push_back(Action{});
    EXPECT_EQ(actions.size(), 3u);
    EXPECT_THROW(actions.push_back(Action{}), std::length_error);
    EXPECT_EQ(actions.size(), 3u);
}

TEST(Action, KindNames) {
    EXPECT_EQ(to_string(Do::Join), "join");
    EXPECT_EQ(to_string(Do::GiveUp), "give_up");
    EXPECT_EQ(to_string(Do::Done), "done");
}

}  // namespace
}  // namespace connguard
