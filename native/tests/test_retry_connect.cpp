// The call loop MySQLDB runs, with scripted attempts and a fake clock: the
// exact delays of the conformance vectors, the log lines and the give-up error.
#include <gtest/gtest.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <future>
#include <limits>
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
    const Attempt attempt = [&](double /*timeout*/) -> std::optional<AttemptFailure> {
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
    return [codes, made](double /*timeout*/) -> std::optional<AttemptFailure> {
        const auto k = static_cast<std::size_t>((*made)++);
        if (k >= codes.size()) return std::nullopt;
        return AttemptFailure{codes[k], "08004", "Too many connections"};
    };
}

TEST(RetryConnect, ConnectingAtOnceDrawsOneSeedAndLogsNothing) {
    FakeClock clock;
    Captured log;
    int made = 0;
    int seeds = 0;
    const SeedSource counted = [&seeds] { return static_cast<std::uint64_t>(++seeds); };
    EXPECT_EQ(retry_connect(Policy{}, kSite, failing({}, &made), clock, log.sink(), counted), 1);
    EXPECT_EQ(seeds, 1);
    EXPECT_TRUE(log.records.empty());
    EXPECT_TRUE(clock.sleeps.empty());
}

// Spec 7: each attempt is capped at min(connect_timeout, deadline - t).
TEST(RetryConnect, EachAttemptGetsItsCap) {
    Policy policy = no_jitter();
    policy.deadline = 1.0;
    policy.connect_timeout = 0.4;
    FakeClock clock;
    std::vector<double> caps;
    const Attempt attempt = [&](double timeout) -> std::optional<AttemptFailure> {
        caps.push_back(timeout);
        clock.advance(timeout);  // a server that never answers: every attempt runs out its cap
        return AttemptFailure{std::nullopt, "HY000", "timed out"};
    };
    try {
        retry_connect(policy, kSite, attempt, clock, LogSink());
        FAIL() << "connected";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.reason(), Reason::Deadline);
        EXPECT_NEAR(error.elapsed(), 1.0, 1e-9);  // never beyond the deadline
    }
    ASSERT_EQ(caps.size(), 3u);  // 0 to 0.4, sleep 0.05, 0.45 to 0.85, sleep 0.1, 0.95 to 1
    EXPECT_EQ(caps[0], 0.4);
    EXPECT_EQ(caps[1], 0.4);
    EXPECT_NEAR(caps[2], 0.05, 1e-9);
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
    const Attempt attempt = [](double /*timeout*/) -> std::optional<AttemptFailure> {
        throw std::bad_alloc();
    };
    EXPECT_THROW(retry_connect(Policy{}, kSite, attempt, clock, LogSink()), std::bad_alloc);
}

// Through a limiter gate of its own (spec 6): the call runs on another thread
// when it must wait, and the test moves the fake clock.
class RetryConnectGated : public ::testing::Test {
protected:
    // A gate whose first probe comes only after 10 s.
    void slow_probes(int max_limit) {
        Policy policy = no_jitter();
        policy.initial_delay = 10.0;
        policy.max_delay = 10.0;
        policy.limiter.initial_limit = 1;
        policy.limiter.max_limit = max_limit;
        gate = std::make_shared<Gate>(policy, 1, clock);
    }

    std::future<Admitted> start(const Policy& policy, const Attempt& attempt) {
        return std::async(std::launch::async,
                          [=] { return retry_connect_gated(policy, kSite, attempt, *gate, log.sink()); });
    }

    void expect_idle() {
        const Gate::State state = gate->state();
        EXPECT_EQ(state.in_use, 0);
        EXPECT_EQ(state.queued, 0u);
    }

    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<Gate> gate = std::make_shared<Gate>(no_jitter(), 1, clock);
    Captured log;  // read once the call has ended
    int made = 0;
};

TEST_F(RetryConnectGated, ACapacityRefusalWaitsInTheQueueInsteadOfSleeping) {
    std::future<Admitted> call = start(no_jitter(), failing({1040}, &made));
    ASSERT_TRUE(clock->waiting(1));     // refused while holding nothing: limit 0, queued
    EXPECT_EQ(gate->state().limit, 0);  // for the probe, due at 50ms
    clock->set(0.05);
    Admitted admitted = call.get();
    EXPECT_EQ(admitted.attempts, 2);
    EXPECT_TRUE(clock->sleeps.empty());
    ASSERT_EQ(log.records.size(), 1u);
    EXPECT_EQ(log.records[0].message,
              "connguard retry: service=api target=mariadb://app:***@127.0.0.1:3306/main code=1040 "
              "ER_CON_COUNT_ERROR (capacity) attempt 1/10, queued for a free slot: Too many connections");
    EXPECT_EQ(gate->state().holding, 1);
    EXPECT_EQ(gate->state().limit, 2);  // the probe connected: room for one more than in use
    admitted.slot.release();
    EXPECT_EQ(gate->state().holding, 0);
}

TEST_F(RetryConnectGated, AnotherFailureLeavesTheQueueSleepsAndJoinsAgain) {
    Admitted admitted =
        retry_connect_gated(no_jitter(), kSite, failing({std::nullopt}, &made), *gate, log.sink());
    EXPECT_EQ(admitted.attempts, 2);
    EXPECT_EQ(clock->sleeps, std::vector<double>{0.05});
    ASSERT_EQ(log.records.size(), 1u);
    EXPECT_NE(log.records[0].message.find("code=network (transient) attempt 1/10, next in 0.050s"),
              std::string::npos);
    EXPECT_EQ(gate->state().limit, 3);  // still in slow start
}

TEST_F(RetryConnectGated, TheDeadlinePassingInTheQueueGivesUpWithTheLastError) {
    slow_probes(1000);
    Policy policy = no_jitter();
    policy.deadline = 1.0;
    std::future<Admitted> call = start(policy, failing({1040, 1040}, &made));
    ASSERT_TRUE(clock->waiting(1));
    clock->set(1.0);
    try {
        call.get();
        FAIL() << "connected";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.code(), 1040);
        EXPECT_EQ(error.attempts(), 1);
        EXPECT_EQ(error.reason(), Reason::Deadline);
        EXPECT_EQ(error.error_class(), ErrorClass::Capacity);
        EXPECT_EQ(error.elapsed(), 1.0);
    }
    EXPECT_EQ(made, 1);
    ASSERT_EQ(log.records.size(), 2u);
    EXPECT_EQ(log.records[1].event, LogEvent::GiveUp);
    EXPECT_EQ(
        log.records[1].message,
        "connguard gave up after 1 attempt in 1.000s (reason: deadline; last error 1040 ER_CON_COUNT_ERROR, "
        "capacity; service=api target=mariadb://app:***@127.0.0.1:3306/main): Too many connections");
    expect_idle();
}

TEST_F(RetryConnectGated, NeverAdmittedBeforeTheDeadlineSaysItWaited) {
    slow_probes(1);
    Gate::Ticket holder = gate->ticket();
    holder.join();
    ASSERT_TRUE(holder.wait(std::numeric_limits<double>::infinity()));
    Slot held = holder.connected();
    Policy policy = no_jitter();
    policy.deadline = 1.0;
    std::future<Admitted> call = start(policy, failing({}, &made));
    ASSERT_TRUE(clock->waiting(1));
    clock->set(1.0);
    try {
        call.get();
        FAIL() << "connected";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.code(), std::nullopt);
        EXPECT_EQ(error.attempts(), 0);
        EXPECT_EQ(error.reason(), Reason::Deadline);
        EXPECT_EQ(
            std::string(error.what()),
            "connguard waited 1.00s (the policy deadline) for a turn to connect to "
            "mariadb://app:***@127.0.0.1:3306/main: this process holds 1 connection(s) there and may open 1; "
            "the server refused more. Hold connections for shorter or allow a longer deadline.");
    }
    EXPECT_EQ(made, 0);
    ASSERT_EQ(log.records.size(), 1u);
    EXPECT_EQ(log.records[0].event, LogEvent::GiveUp);
    EXPECT_EQ(log.records[0].attempt, 0);
    EXPECT_EQ(gate->state().queued, 0u);
    held.release();
    expect_idle();
}

// The refusal that ends a call still reaches the gate (rejected, then left),
// so the limit learns from it.
TEST_F(RetryConnectGated, TheGateHearsOfTheRefusalThatEndsTheCall) {
    Policy policy = no_jitter();
    policy.max_attempts = 1;
    try {
        retry_connect_gated(policy, kSite, failing({1040}, &made), *gate, log.sink());
        FAIL() << "connected";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.reason(), Reason::Attempts);
        EXPECT_EQ(error.code(), 1040);
    }
    EXPECT_EQ(gate->state().limit, 0);  // what the server accepted of ours: nothing
    expect_idle();
}

TEST_F(RetryConnectGated, GivingUpOrThrowingFreesTheTicket) {
    EXPECT_THROW(retry_connect_gated(no_jitter(), kSite, failing({1045}, &made), *gate, log.sink()),
                 ConnectError);
    expect_idle();
    const Attempt throws = [](double /*timeout*/) -> std::optional<AttemptFailure> {
        throw std::bad_alloc();
    };
    EXPECT_THROW(retry_connect_gated(no_jitter(), kSite, throws, *gate, log.sink()), std::bad_alloc);
    expect_idle();
}

TEST(RetryConnect, RandomSeedsDiffer) {
    // 64 random bits twice alike would mean a constant source.
    EXPECT_NE(random_seed(), random_seed());
}

}  // namespace
}  // namespace connguard
