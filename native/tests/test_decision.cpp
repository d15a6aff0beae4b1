#include <gtest/gtest.h>

#include <stdexcept>

#include "connguard/decision.hpp"

namespace connguard {
namespace {

Policy no_jitter() {
    Policy policy;  // 10 attempts, 30s deadline, 50ms doubling to 5s
    policy.jitter = Jitter::None;
    return policy;
}

TEST(Decision, RetriesWithTheScheduleUntilAttemptsRunOut) {
    Policy policy = no_jitter();
    policy.max_attempts = 4;
    Decision decision(policy, 7);
    for (const double expected : {0.05, 0.1, 0.2}) {
        const Verdict verdict = decision.after_failure(2003, 0.0);
        EXPECT_TRUE(verdict.retry);
        EXPECT_EQ(verdict.delay, expected);
        EXPECT_EQ(verdict.error_class, ErrorClass::Transient);
        EXPECT_EQ(verdict.attempt, decision.attempts());
    }
    const Verdict last = decision.after_failure(1040, 0.0);
    EXPECT_FALSE(last.retry);
    EXPECT_EQ(last.reason, Reason::Attempts);
    EXPECT_EQ(last.error_class, ErrorClass::Capacity);
    EXPECT_EQ(last.attempt, 4);
}

TEST(Decision, FatalGivesUpAtOnce) {
    Decision decision(no_jitter(), 0);
    const Verdict verdict = decision.after_failure(1045, 0.0);
    EXPECT_FALSE(verdict.retry);
    EXPECT_EQ(verdict.reason, Reason::Fatal);
    EXPECT_EQ(verdict.error_class, ErrorClass::Fatal);
    EXPECT_EQ(verdict.attempt, 1);
}

TEST(Decision, FatalIsCheckedBeforeAttempts) {
    Policy policy = no_jitter();
    policy.max_attempts = 1;
    EXPECT_EQ(Decision(policy, 0).after_failure(1049, 0.0).reason, Reason::Fatal);
    EXPECT_EQ(Decision(policy, 0).after_failure(2013, 0.0).reason, Reason::Attempts);
}

TEST(Decision, AttemptsAreCheckedBeforeDeadline) {
    Policy policy = no_jitter();
    policy.max_attempts = 1;
    EXPECT_EQ(Decision(policy, 0).after_failure(std::nullopt, 1e9).reason, Reason::Attempts);
}

TEST(Decision, DeadlineCountsTheNextDelayAndIncludesEquality) {
    Policy policy = no_jitter();
    policy.deadline = 1.0;
    policy.initial_delay = 0.5;
    Decision decision(policy, 0);
    const Verdict first = decision.after_failure(std::nullopt, 0.49);  // 0.49 + 0.5 < 1
    EXPECT_TRUE(first.retry);
    EXPECT_EQ(first.delay, 0.5);
    const Verdict second = decision.after_failure(std::nullopt, 0.0);  // 0 + 1.0 >= 1
    EXPECT_FALSE(second.retry);
    EXPECT_EQ(second.reason, Reason::Deadline);
    EXPECT_EQ(second.delay, 1.0);
    EXPECT_EQ(second.attempt, 2);
}

TEST(Decision, DelaysFollowTheScheduleOfTheSameSeed) {
    Policy policy;  // full jitter
    Decision decision(policy, 99);
    Schedule schedule(policy, 99);
    for (int k = 1; k < policy.max_attempts; ++k) {
        const Verdict verdict = decision.after_failure(std::nullopt, 0.0);
        ASSERT_TRUE(verdict.retry);
        EXPECT_EQ(verdict.delay, schedule.next());
    }
}

TEST(Decision, PolicyClassifiesCodes) {
    Policy policy = no_jitter();
    policy.retry_on = {1205};
    policy.never_retry = {2006};
    Decision decision(policy, 0);
    EXPECT_TRUE(decision.after_failure(1205, 0.0).retry);
    const Verdict verdict = decision.after_failure(2006, 0.1);
    EXPECT_EQ(verdict.reason, Reason::Fatal);
    EXPECT_EQ(verdict.attempt, 2);
}

TEST(Decision, SuccessCountsItself) {
    Decision decision(no_jitter(), 0);
    decision.after_failure(2003, 0.0);
    decision.after_failure(2003, 0.1);
    EXPECT_EQ(decision.after_success(), 3);
    EXPECT_EQ(decision.attempts(), 3);
    EXPECT_EQ(Decision(no_jitter(), 0).after_success(), 1);
}

TEST(Decision, AnEndedCallTakesNoMoreOutcomes) {
    Decision succeeded(no_jitter(), 0);
    succeeded.after_success();
    EXPECT_THROW(succeeded.after_success(), std::logic_error);
    EXPECT_THROW(succeeded.after_failure(2003, 0.0), std::logic_error);
    Decision failed(no_jitter(), 0);
    failed.after_failure(1045, 0.0);
    EXPECT_THROW(failed.after_failure(2003, 0.0), std::logic_error);
    EXPECT_THROW(failed.after_success(), std::logic_error);
}

TEST(Decision, Names) {
    EXPECT_EQ(to_string(Reason::Fatal), "fatal");
    EXPECT_EQ(to_string(Reason::Attempts), "attempts");
    EXPECT_EQ(to_string(Reason::Deadline), "deadline");
    EXPECT_EQ(Decision(no_jitter(), 0).policy().jitter, Jitter::None);
}

}  // namespace
}  // namespace connguard
