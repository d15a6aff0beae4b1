// Runs the conformance vectors of spec section 5: one test per case, named
// after the case, so that a failure names it.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "connguard/classification.hpp"
#include "connguard/decision.hpp"
#include "connguard/limiter.hpp"
#include "connguard/policy_set.hpp"
#include "connguard/splitmix64.hpp"

namespace connguard {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 6> kFiles = {"splitmix64.json",       "classification.json",
                                               "effective_policy.json", "decision.json",
                                               "invalid_policy.json",   "limiter.json"};
constexpr const char* kFileName = "vector.toml";  // the file name errors must name

std::filesystem::path vector_path(const char* file) {
    return std::filesystem::path(CONNGUARD_VECTORS_DIR) / file;
}

struct VectorCase {
    std::string name;
    json data;
    std::string load_error;  // set instead of data when the file cannot be used
};

// gtest prints the parameter on failure; the name is what identifies a case.
void PrintTo(const VectorCase& c, std::ostream* os) {
    *os << c.name;
}

// The cases of one file. Missing files give no cases (VectorFiles.Present
// reports them); unreadable ones give a single failing case.
std::vector<VectorCase> load_cases(const char* file) {
    std::ifstream in(vector_path(file));
    if (!in) return {};
    try {
        const json document = json::parse(in);
        std::vector<VectorCase> cases;
        for (const json& c : document.at("cases")) {
            cases.push_back({c.at("name").get<std::string>(), c, ""});
        }
        return cases;
    } catch (const json::exception& error) {
        return {{"load_error", json(), std::string(file) + ": " + error.what()}};
    }
}

std::string case_name(const ::testing::TestParamInfo<VectorCase>& info) {
    std::string name = info.param.name;
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

std::uint64_t parse_seed(const json& value) {
    const std::string text = value.get<std::string>();
    std::uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (ec != std::errc() || end != text.data() + text.size()) {
        throw std::invalid_argument("bad 64-bit decimal string: " + text);
    }
    return seed;
}

std::optional<int> code_of(const json& value) {
    if (value.is_null()) return std::nullopt;
    return value.get<int>();
}

// The policy a case asks for: its service, or [default] when service is null.
Policy policy_of(const json& c) {
    const PolicySet set = PolicySet::parse(c.at("policy").get<std::string>(), kFileName);
    const json& service = c.at("service");
    return service.is_null() ? set.defaults() : set.service(service.get<std::string>());
}

class VectorTest : public ::testing::TestWithParam<VectorCase> {
protected:
    const json& data() const { return GetParam().data; }
    void SetUp() override {
        if (!GetParam().load_error.empty()) GTEST_FAIL() << GetParam().load_error;
    }
};

TEST(VectorFiles, Present) {
    for (const char* file : kFiles) {
        EXPECT_TRUE(std::filesystem::is_regular_file(vector_path(file)))
            << vector_path(file) << " is missing";
        EXPECT_FALSE(load_cases(file).empty()) << file << " has no cases";
    }
}

class SplitMix64Vectors : public VectorTest {};

TEST_P(SplitMix64Vectors, Matches) {
    SplitMix64 outputs(parse_seed(data().at("seed")));
    for (const json& expected : data().at("outputs")) {
        EXPECT_EQ(outputs.next(), parse_seed(expected));
    }
    SplitMix64 units(parse_seed(data().at("seed")));
    for (const json& expected : data().at("units")) {
        EXPECT_EQ(units.next_unit(), expected.get<double>());
    }
}

class ClassificationVectors : public VectorTest {};

TEST_P(ClassificationVectors, Matches) {
    const Policy policy = policy_of(data());
    EXPECT_EQ(to_string(classify(code_of(data().at("code")), policy)), data().at("class").get<std::string>());
}

class EffectivePolicyVectors : public VectorTest {};

TEST_P(EffectivePolicyVectors, Matches) {
    const Policy p = policy_of(data());
    const json& expect = data().at("expect");
    EXPECT_EQ(expect.size(), 10u) << "expect must name every key of spec 1.1";
    EXPECT_EQ(p.max_attempts, expect.at("max_attempts").get<int>());
    EXPECT_DOUBLE_EQ(p.deadline, expect.at("deadline").get<double>());
    EXPECT_DOUBLE_EQ(p.connect_timeout, expect.at("connect_timeout").get<double>());
    EXPECT_DOUBLE_EQ(p.initial_delay, expect.at("initial_delay").get<double>());
    EXPECT_DOUBLE_EQ(p.max_delay, expect.at("max_delay").get<double>());
    EXPECT_DOUBLE_EQ(p.multiplier, expect.at("multiplier").get<double>());
    EXPECT_EQ(to_string(p.jitter), expect.at("jitter").get<std::string>());
    EXPECT_EQ(p.retry_on, expect.at("retry_on").get<std::vector<int>>());
    EXPECT_EQ(p.never_retry, expect.at("never_retry").get<std::vector<int>>());
    const json& limiter = expect.at("limiter");
    EXPECT_EQ(limiter.size(), 3u);
    EXPECT_EQ(p.limiter.enabled, limiter.at("enabled").get<bool>());
    EXPECT_EQ(p.limiter.initial_limit, limiter.at("initial_limit").get<int>());
    EXPECT_EQ(p.limiter.max_limit, limiter.at("max_limit").get<int>());
}

class LimiterVectors : public VectorTest {};

TEST_P(LimiterVectors, Matches) {
    const Policy policy = PolicySet::parse(data().at("policy").get<std::string>(), kFileName).defaults();
    Limiter limiter(policy, parse_seed(data().at("seed")));
    const json& steps = data().at("steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const json& step = steps[i];
        const std::string event = step.at("event").get<std::string>();
        SCOPED_TRACE("step " + std::to_string(i + 1) + ": " + event);
        const auto waiter = [&] { return step.at("waiter").get<Limiter::Waiter>(); };
        Limiter::Actions actions;
        if (event == "acquire") {
            actions = limiter.acquire(waiter());
        } else if (event == "connected") {
            actions = limiter.connected(waiter());
        } else if (event == "rejected") {
            actions = limiter.rejected(waiter());
        } else if (event == "left") {
            actions = limiter.left(waiter());
        } else if (event == "released") {
            actions = limiter.released();
        } else if (event == "probe") {
            actions = limiter.probe();
        } else {
            FAIL() << "unknown event " << event;
        }
        const json& expect = step.at("expect");
        EXPECT_EQ(actions.granted, expect.at("granted").get<std::vector<Limiter::Waiter>>());
        if (expect.at("probe_in").is_null()) {
            EXPECT_FALSE(actions.probe_in.has_value());
        } else {
            ASSERT_TRUE(actions.probe_in.has_value());
            EXPECT_NEAR(*actions.probe_in, expect.at("probe_in").get<double>(), 1e-9);
        }
        EXPECT_EQ(limiter.limit(), expect.at("limit").get<int>());
        EXPECT_EQ(limiter.holding(), expect.at("holding").get<int>());
        EXPECT_EQ(limiter.in_use(), expect.at("in_use").get<int>());
        const std::vector<Limiter::Waiter> queue(limiter.queue().begin(), limiter.queue().end());
        EXPECT_EQ(queue, expect.at("queue").get<std::vector<Limiter::Waiter>>());
    }
}

class DecisionVectors : public VectorTest {};

TEST_P(DecisionVectors, Matches) {
    Decision decision(policy_of(data()), parse_seed(data().at("seed")));
    const json& steps = data().at("steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        SCOPED_TRACE("step " + std::to_string(i + 1));
        const json& step = steps[i];
        const json& expect = step.at("expect");
        if (step.contains("success")) {
            EXPECT_EQ(decision.after_success(), expect.at("attempts").get<int>());
            continue;
        }
        const Verdict verdict =
            decision.after_failure(code_of(step.at("fail")), step.at("elapsed").get<double>());
        EXPECT_EQ(verdict.attempt, static_cast<int>(i + 1));
        if (expect.contains("retry")) {
            ASSERT_TRUE(verdict.retry) << "gave up: " << to_string(verdict.reason);
            EXPECT_NEAR(verdict.delay, expect.at("retry").get<double>(), 1e-9);
        } else {
            ASSERT_FALSE(verdict.retry) << "retried after " << verdict.delay;
            EXPECT_EQ(to_string(verdict.reason), expect.at("give_up").get<std::string>());
        }
    }
}

class InvalidPolicyVectors : public VectorTest {};

TEST_P(InvalidPolicyVectors, Matches) {
    try {
        const Policy policy = policy_of(data());
        FAIL() << "loaded without error";
    } catch (const PolicyError& error) {
        const std::string table = data().at("table").get<std::string>();
        const std::string key = data().at("key").get<std::string>();
        const std::string message = error.what();
        EXPECT_EQ(to_string(error.kind()), data().at("kind").get<std::string>()) << message;
        EXPECT_EQ(error.table(), table) << message;
        EXPECT_EQ(error.key(), key) << message;
        EXPECT_EQ(error.line(), data().at("line").get<int>()) << message;
        EXPECT_EQ(message.rfind(kFileName, 0), 0u) << message;
        if (!table.empty()) {
            EXPECT_NE(message.find("[" + table + "]"), std::string::npos) << message;
        }
        if (!key.empty()) {
            EXPECT_NE(message.find(key), std::string::npos) << message;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Vectors, SplitMix64Vectors, ::testing::ValuesIn(load_cases("splitmix64.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, ClassificationVectors,
                         ::testing::ValuesIn(load_cases("classification.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, EffectivePolicyVectors,
                         ::testing::ValuesIn(load_cases("effective_policy.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, DecisionVectors, ::testing::ValuesIn(load_cases("decision.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, InvalidPolicyVectors,
                         ::testing::ValuesIn(load_cases("invalid_policy.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, LimiterVectors, ::testing::ValuesIn(load_cases("limiter.json")), case_name);

}  // namespace
}  // namespace connguard
