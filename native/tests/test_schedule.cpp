#include <gtest/gtest.h>

#include <memory>

#include "connguard/schedule.hpp"

namespace connguard {
namespace {

// SplitMix64 from seed 0, as published with the reference implementation.
constexpr std::uint64_t kOut0[] = {0xE220A8397B1DCDAFULL, 0x6E789E6AA1B965F4ULL, 0x06C45D188009454FULL};
constexpr double kUnit0[] = {0.8833108082136426, 0.43152799704850997, 0.026433771592597743};

TEST(SplitMix64, ReferenceOutputs) {
    SplitMix64 rng(0);
    for (const std::uint64_t expected : kOut0) EXPECT_EQ(rng.next(), expected);
    EXPECT_EQ(rng.state(), 3 * 0x9E3779B97F4A7C15ULL);
}

TEST(SplitMix64, UnitIsTopBitsScaled) {
    SplitMix64 rng(0);
    for (const double expected : kUnit0) EXPECT_EQ(rng.next_unit(), expected);
    SplitMix64 max_state(~std::uint64_t{0} - 0x9E3779B97F4A7C15ULL);  // wraps to 2^64 - 1
    EXPECT_LT(max_state.next_unit(), 1.0);
}

Policy policy_with(Jitter jitter) {
    Policy policy;  // initial 50ms, multiplier 2, max 5s
    policy.jitter = jitter;
    return policy;
}

TEST(Schedule, BaseDelayGrowsThenCaps) {
    const Policy policy;
    EXPECT_EQ(base_delay(policy, 1), 0.05);
    EXPECT_EQ(base_delay(policy, 2), 0.1);
    EXPECT_EQ(base_delay(policy, 7), 3.2);
    EXPECT_EQ(base_delay(policy, 8), 5.0);
    EXPECT_EQ(base_delay(policy, 5000), 5.0);  // pow overflows to inf; min keeps max_delay
    Policy flat;
    flat.multiplier = 1.0;
    EXPECT_EQ(base_delay(flat, 100), 0.05);
}

TEST(Schedule, NoneIsTheBase) {
    Schedule schedule(policy_with(Jitter::None), 0);
    for (const double expected : {0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0}) {
        EXPECT_EQ(schedule.next(), expected);
    }
    EXPECT_EQ(schedule.retries(), 9);
}

TEST(Schedule, FullSeedZero) {
    Schedule schedule(policy_with(Jitter::Full), 0);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.04416554041068213);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.043152799704851);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.005286754318519549);
}

TEST(Schedule, EqualSeedZero) {
    Schedule schedule(policy_with(Jitter::Equal), 0);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.04708277020534107);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.0715763998524255);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.10264337715925978);
}

TEST(Schedule, DecorrelatedSeedZero) {
    Schedule schedule(policy_with(Jitter::Decorrelated), 0);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.13833108082136428);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.20750480285677114);
    EXPECT_DOUBLE_EQ(schedule.next(), 0.06513371510961885);
}

TEST(Schedule, DecorrelatedIsCappedByMaxDelay) {
    Policy policy = policy_with(Jitter::Decorrelated);
    policy.initial_delay = 1.0;
    policy.max_delay = 1.0;
    Schedule schedule(policy, 0);
    for (int n = 0; n < 5; ++n) EXPECT_EQ(schedule.next(), 1.0);
}

TEST(Schedule, EveryKindDrawsOneUnitPerRetry) {
    // Full jitter exposes u = d / base; the other kinds must stay in step with it.
    Schedule full(policy_with(Jitter::Full), 12345);
    Schedule none(policy_with(Jitter::None), 12345);
    Schedule equal(policy_with(Jitter::Equal), 12345);
    SplitMix64 rng(12345);
    for (int n = 1; n <= 10; ++n) {
        const double u = rng.next_unit();
        const double base = base_delay(Policy{}, n);
        EXPECT_EQ(full.next(), u * base);
        EXPECT_EQ(none.next(), base);
        EXPECT_EQ(equal.next(), base / 2 + u * base / 2);
    }
}

TEST(Schedule, OutlivesThePolicy) {
    auto policy = std::make_unique<Policy>(policy_with(Jitter::None));
    Schedule schedule(*policy, 0);
    policy.reset();
    EXPECT_EQ(schedule.next(), 0.05);
}

}  // namespace
}  // namespace connguard
