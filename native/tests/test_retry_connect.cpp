// The call loop MySQLDB runs, with scripted attempts and a fake clock: the
// exact delays of the conformance vectors, the log lines and the give-up error.
#include <gtest/gtest.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "connguard/connect_error.hpp"
#include "connguard/policy_set.hpp"
#include "connguard/retry_connect.hpp"
#include "fake_clock.hpp"

namespace connguard {
namespace {

using nlohmann::json;

std::uint64_t parse_seed(const std::string& text) {
    std::uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (ec != std::errc() || end != text.data() + text.size())
        throw std::invalid_argument("bad seed " + text);
    return seed;
}

std::optional<int> code_of(const json& value) {
    return value.is_null() ? std::nullopt : std::optional<int>(value.get<int>());
}

std::vector<json> decision_cases() {
    std::ifstream in(std::string(CONNGUARD_VECTORS_DIR) + "/decision.json");
    if (!in) return {};
    const json document = json::parse(in);
    return document.at("cases").get<std::vector<json>>();
}

struct Captured {
    std::vector<LogRecord> records;
    LogSink sink() {
        return [this](const LogRecord& record) { records.push_back(record); };
    }
};

const CallSite kSite{"api", "mariadb://app:***@127.0.0.1:3306/main"};

TEST(RetryConnectVectors, Present) {
    EXPECT_GE(decision_cases().size(), 10u);
}

class RetryConnectVectors : public ::testing::TestWithParam<json> {};

// Each failing step of the case is one attempt, failing at the step's elapsed
// time; the loop must sleep exactly the vector's delays and end as it says.
TEST_P(RetryConnectVectors, SleepsTheVectorDelays) {
    const json& c = GetParam();
    const PolicySet set = PolicySet::parse(c.at("policy").get<std::string>());
    const Policy policy =
        c.at("service").is_null() ? set.defaults() : set.service(c.at("service").get<std::string>());
    const json& steps = c.at("steps");

    FakeClock clock;
    Captured log;
    std::size_t next = 0;
    const Attempt attempt = [&]() -> std::optional<AttemptFailure> {
        const json& step = steps.at(next++);
        if (step.contains("success")) return std::nullopt;
        clock.set(step.at("elapsed").get<double>());
        return AttemptFailure{code_of(step.at("fail")), "HY000", "step " + std::to_string(next)};
    };
    const auto seed = [&] { return parse_seed(c.at("seed").get<std::string>()); };

    std::vector<double> expected_delays;
    for (const json& step : steps) {
        if (step.at("expect").contains("retry")) expected_delays.push_back(step.at("expect").at("retry"));
    }
    const json& last = steps.back();
    if (last.contains("success")) {
        EXPECT_EQ(retry_connect(policy, kSite, attempt, clock, log.sink(), seed),
                  last.at("expect").at("attempts").get<int>());
    } else {
        try {
            retry_connect(policy, kSite, attempt, clock, log.sink(), seed);
            FAIL() << "did not give up";
        } catch (const ConnectError& error) {
            EXPECT_EQ(to_string(error.reason()), last.at("expect").at("give_up").get<std::string>());
            EXPECT_EQ(error.attempts(), static_cast<int>(steps.size()));
            EXPECT_EQ(error.code(), code_of(last.at("fail")));
            EXPECT_EQ(error.elapsed(), last.at("elapsed").get<double>());
            EXPECT_EQ(error.message(), "step " + std::to_string(steps.size()));
        }
    }
    EXPECT_EQ(next, steps.size()) << "attempts made";
    ASSERT_EQ(clock.sleeps.size(), expected_delays.size());
    for (std::size_t i = 0; i < expected_delays.size(); ++i) {
        EXPECT_NEAR(clock.sleeps[i], expected_delays[i], 1e-9) << "retry " << i + 1;
    }
    // One WARNING per retry, one ERROR on give-up, nothing on success.
    const std::size_t give_ups = last.contains("success") ? 0 : 1;
    ASSERT_EQ(log.records.size(), expected_delays.size() + give_ups);
    for (std::size_t i = 0; i < expected_delays.size(); ++i) {
        EXPECT_EQ(log.records[i].event, LogEvent::Retry);
        EXPECT_EQ(log.records[i].delay, clock.sleeps[i]);
    }
    if (give_ups == 1) {
        EXPECT_EQ(log.records.back().event, LogEvent::GiveUp);
    }
}

std::string case_name(const ::testing::TestParamInfo<json>& info) {
    std::string name = info.param.at("name").get<std::string>();
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Decision, RetryConnectVectors, ::testing::ValuesIn(decision_cases()), case_name);

Policy no_jitter() {
    Policy policy;
    policy.jitter = Jitter::None;
    return policy;
}

// Fails with the given codes in turn, then connects.
Attempt failing(std::vector<std::optional<int>> codes, int* made) {
    return [codes, made]() -> std::optional<AttemptFailure> {
        const auto k = static_cast<std::size_t>((*made)++);
        if (k >= codes.size()) return std::nullopt;
        return AttemptFailure{codes[k], "08004", "Too many connections"};
    };
}

TEST(RetryConnect, ConnectingAtOnceDrawsNoSeedAndLogsNothing) {
    FakeClock clock;
    Captured log;
    int made = 0;
    const SeedSource no_seed = []() -> std::uint64_t { throw std::logic_error("seed drawn"); };
    EXPECT_EQ(retry_connect(Policy{}, kSite, failing({}, &made), clock, log.sink(), no_seed), 1);
    EXPECT_TRUE(log.records.empty());
    EXPECT_TRUE(clock.sleeps.empty());
}

TEST(RetryConnect, RetryLineHasThePythonWording) {
    FakeClock clock;
    Captured log;
    int made = 0;
    EXPECT_EQ(retry_connect(no_jitter(), kSite, failing({1040, std::nullopt}, &made), clock, log.sink()), 3);
    ASSERT_EQ(log.records.size(), 2u);
    const LogRecord& first = log.records[0];
    EXPECT_EQ(first.level, LogLevel::Warning);
    EXPECT_EQ(first.message,
              "connguard retry: service=api target=mariadb://app:***@127.0.0.1:3306/main "
              "code=1040 ER_CON_COUNT_ERROR (capacity) attempt 1/10, next in 0.050s: Too many connections");
    EXPECT_EQ(first.code, 1040);
    EXPECT_EQ(first.error_class, ErrorClass::Capacity);
    EXPECT_EQ(first.attempt, 1);
    EXPECT_EQ(first.max_attempts, 10);
    EXPECT_EQ(first.delay, 0.05);
    EXPECT_NE(log.records[1].message.find("code=network (transient) attempt 2/10, next in 0.100s"),
              std::string::npos);
}

TEST(RetryConnect, GiveUpOnAFatalCodeIsImmediateWithAdvice) {
    FakeClock clock;
    Captured log;
    int made = 0;
    const CallSite anonymous{"", ""};
    try {
        retry_connect(no_jitter(), anonymous, failing({2003, 1045}, &made), clock, log.sink());
        FAIL() << "connected";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.code(), 1045);
        EXPECT_EQ(error.sqlstate(), "08004");
        EXPECT_EQ(error.attempts(), 2);
        EXPECT_EQ(error.reason(), Reason::Fatal);
        EXPECT_EQ(error.error_class(), ErrorClass::Fatal);
        EXPECT_EQ(error.elapsed(), 0.05);  // the one sleep
        EXPECT_EQ(std::string(error.what()),
                  "Too many connections (error 1045, SQLSTATE 08004); connguard gave up after 2 attempts in "
                  "0.050s (reason: fatal; last error 1045 ER_ACCESS_DENIED_ERROR, fatal; service=default "
                  "target=-); 1045 ER_ACCESS_DENIED_ERROR: Check the credentials and the hosts the account "
                  "may connect from (SHOW GRANTS).");
    }
    EXPECT_EQ(made, 2);
    ASSERT_EQ(log.records.size(), 2u);
    const LogRecord& give_up = log.records[1];
    EXPECT_EQ(give_up.level, LogLevel::Error);
    EXPECT_EQ(give_up.event, LogEvent::GiveUp);
    EXPECT_EQ(give_up.reason, Reason::Fatal);
    EXPECT_EQ(give_up.message,
              "connguard gave up after 2 attempts in 0.050s (reason: fatal; last error 1045 "
              "ER_ACCESS_DENIED_ERROR, fatal; service=default target=-): Too many connections");
}

TEST(RetryConnect, GivesUpWhenAttemptsRunOut) {
    Policy policy = no_jitter();
    policy.max_attempts = 3;
    FakeClock clock;
    int made = 0;
    try {
        retry_connect(policy, kSite, failing({1203, 1203, 1203, 1203}, &made), clock, LogSink());
        FAIL() << "connected";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.reason(), Reason::Attempts);
        EXPECT_EQ(error.attempts(), 3);
        EXPECT_NE(std::string(error.what()).find("gave up after 3 attempts"), std::string::npos);
    }
    EXPECT_EQ(clock.sleeps, (std::vector<double>{0.05, 0.1}));
}

TEST(RetryConnect, ExceptionsOfAnAttemptPropagateUntouched) {
    FakeClock clock;
    const Attempt attempt = []() -> std::optional<AttemptFailure> { throw std::bad_alloc(); };
    EXPECT_THROW(retry_connect(Policy{}, kSite, attempt, clock, LogSink()), std::bad_alloc);
}

TEST(RetryConnect, RandomSeedsDiffer) {
    // 64 random bits twice alike would mean a constant source.
    EXPECT_NE(random_seed(), random_seed());
}

}  // namespace
}  // namespace connguard
