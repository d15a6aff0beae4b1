// Runs the conformance vectors of spec section 5: one test per case, named
// after the case, so that a failure names it.
#include <gtest/gtest.h>

#include <algorithm>
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

#include "connguard/call.hpp"
#include "connguard/classification.hpp"
#include "connguard/connect_error.hpp"
#include "connguard/decision.hpp"
#include "connguard/events.hpp"
#include "connguard/gate.hpp"
#include "connguard/limiter.hpp"
#include "connguard/mask.hpp"
#include "connguard/metrics.hpp"
#include "connguard/policy_set.hpp"
#include "connguard/report.hpp"
#include "connguard/retry_connect.hpp"
#include "connguard/splitmix64.hpp"
#include "instant_clock.hpp"

namespace connguard {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 12> kFiles = {
    "splitmix64.json", "classification.json", "effective_policy.json", "decision.json", "invalid_policy.json",
    "limiter.json",    "call.json",           "error_codes.json",      "report.json",   "mask.json",
    "events.json",     "metrics.json"};
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

// The enum value whose name is `text`, of the values `to_string` names.
template <typename Enum, std::size_t N>
Enum enum_of(const std::array<Enum, N>& values, const std::string& text) {
    for (const Enum value : values) {
        if (to_string(value) == text) return value;
    }
    throw std::invalid_argument("unknown name " + text);
}

std::optional<ErrorClass> class_of(const json& value) {
    if (value.is_null()) return std::nullopt;
    constexpr std::array<ErrorClass, 3> kClasses = {ErrorClass::Capacity, ErrorClass::Transient,
                                                    ErrorClass::Fatal};
    return enum_of(kClasses, value.get<std::string>());
}

Reason reason_of(const json& value) {
    constexpr std::array<Reason, 3> kReasons = {Reason::Fatal, Reason::Attempts, Reason::Deadline};
    return enum_of(kReasons, value.get<std::string>());
}

json optional_json(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

// An action as call.json writes it: `do` and the fields spec 7 gives its kind.
json action_json(const Action& a) {
    json out = {{"do", std::string(to_string(a.kind))}};
    const auto error_class = [&] {
        return a.error_class ? json(std::string(to_string(*a.error_class))) : json(nullptr);
    };
    const auto code = [&] { return a.code ? json(*a.code) : json(nullptr); };
    switch (a.kind) {
        case Action::Do::Wait: out["until"] = optional_json(a.until); break;
        case Action::Do::Attempt: out["timeout"] = optional_json(a.timeout); break;
        case Action::Do::Sleep: out["delay"] = optional_json(a.delay); break;
        case Action::Do::Retry:
            out.update({{"attempt", a.attempt},
                        {"max_attempts", a.max_attempts},
                        {"code", code()},
                        {"class", error_class()},
                        {"delay", optional_json(a.delay)},
                        {"elapsed", a.elapsed}});
            break;
        case Action::Do::GiveUp:
            out.update({{"reason", a.reason ? json(std::string(to_string(*a.reason))) : json(nullptr)},
                        {"attempts", a.attempts},
                        {"elapsed", a.elapsed},
                        {"code", code()},
                        {"class", error_class()},
                        {"attempted", a.attempted}});
            break;
        case Action::Do::Done: out.update({{"attempts", a.attempts}, {"elapsed", a.elapsed}}); break;
        default: break;  // the reports to the ticket carry no fields
    }
    return out;
}

// Equal keys and values, floats to 1e-9 (spec 5).
void expect_same(const json& actual, const json& expected, const std::string& where) {
    ASSERT_EQ(actual.size(), expected.size()) << where << ": " << actual << " vs " << expected;
    for (const auto& [key, value] : expected.items()) {
        ASSERT_TRUE(actual.contains(key)) << where << ": no " << key;
        const json& got = actual.at(key);
        if (value.is_number_float() || got.is_number_float()) {
            ASSERT_TRUE(got.is_number()) << where << "." << key << ": " << got;
            EXPECT_NEAR(got.get<double>(), value.get<double>(), 1e-9) << where << "." << key;
        } else {
            EXPECT_EQ(got, value) << where << "." << key;
        }
    }
}

Actions call_event(Call& call, const json& step) {
    const std::string event = step.at("event").get<std::string>();
    if (event == "start") return call.start();
    const double t = step.at("t").get<double>();
    if (event == "granted") return call.granted(t);
    if (event == "succeeded") return call.succeeded(t);
    if (event == "failed") return call.failed(t, code_of(step.at("code")));
    if (event == "woke") return call.woke(t);
    if (event == "expired") return call.expired(t);
    if (event == "abandoned") return call.abandoned(t);
    throw std::invalid_argument("unknown event " + event);
}

class CallVectors : public VectorTest {};

TEST_P(CallVectors, Matches) {
    Call call(policy_of(data()), parse_seed(data().at("seed")), data().at("gated").get<bool>());
    const json& steps = data().at("steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const json& step = steps[i];
        const std::string where =
            "step " + std::to_string(i + 1) + ": " + step.at("event").get<std::string>();
        const json& expect = step.at("expect");
        if (expect.is_object()) {
            ASSERT_TRUE(expect.at("error").get<bool>()) << where;
            EXPECT_THROW(call_event(call, step), CallError) << where;
            continue;
        }
        const Actions actions = call_event(call, step);
        ASSERT_EQ(actions.size(), expect.size()) << where;
        for (std::size_t j = 0; j < actions.size(); ++j) {
            expect_same(action_json(actions[j]), expect[j], where + ", action " + std::to_string(j + 1));
        }
    }
}

class ErrorCodeVectors : public VectorTest {};

TEST_P(ErrorCodeVectors, Matches) {
    const int code = data().at("code").get<int>();
    const CodeInfo* info = lookup_code(code);
    ASSERT_NE(info, nullptr) << code << " is not in the table";
    EXPECT_EQ(info->code, code);
    EXPECT_EQ(info->name, data().at("symbol").get<std::string>());
    EXPECT_EQ(to_string(info->error_class), data().at("class").get<std::string>());
    EXPECT_EQ(info->meaning, data().at("meaning").get<std::string>());
    EXPECT_EQ(info->advice, data().at("advice").get<std::string>());
    EXPECT_EQ(lookup_code(info->name), info);
}

// And no entry the vectors do not have: every code an error packet can carry
// (2 bytes) is looked up.
TEST(ErrorCodeTable, HoldsNoOtherEntries) {
    std::vector<int> vector_codes;
    for (const VectorCase& c : load_cases("error_codes.json")) vector_codes.push_back(c.data.at("code"));
    ASSERT_FALSE(vector_codes.empty());
    std::vector<int> table_codes;
    for (int code = 0; code <= 0xFFFF; ++code) {
        if (lookup_code(code) != nullptr) table_codes.push_back(code);
    }
    std::sort(vector_codes.begin(), vector_codes.end());
    EXPECT_EQ(table_codes, vector_codes);
}

class ReportVectors : public VectorTest {};

TEST_P(ReportVectors, Matches) {
    const std::string record = data().at("record").get<std::string>();
    const std::string service = data().at("service").get<std::string>();
    const std::string target = data().at("target").get<std::string>();
    const std::string message = data().at("message").get<std::string>();
    const json& fields = data().at("fields");
    const json& expect = data().at("expect");
    if (record == "queue_timeout") {
        EXPECT_EQ(queue_timeout_message(target, fields.at("waited").get<double>(),
                                        fields.at("holding").get<int>(), fields.at("limit").get<int>()),
                  expect.at("line").get<std::string>());
        return;
    }
    Action action;
    action.code = code_of(fields.at("code"));
    action.error_class = class_of(fields.at("class"));
    if (record == "retry") {
        action.kind = Action::Do::Retry;
        action.attempt = fields.at("attempt").get<int>();
        action.max_attempts = fields.at("max_attempts").get<int>();
        if (!fields.at("delay").is_null()) action.delay = fields.at("delay").get<double>();
        EXPECT_EQ(retry_line(service, target, action, message), expect.at("line").get<std::string>());
        return;
    }
    ASSERT_EQ(record, "give_up");
    action.kind = Action::Do::GiveUp;
    action.reason = reason_of(fields.at("reason"));
    action.attempts = fields.at("attempts").get<int>();
    action.elapsed = fields.at("elapsed").get<double>();
    action.attempted = fields.at("attempted").get<bool>();
    EXPECT_EQ(give_up_line(service, target, action, message), expect.at("line").get<std::string>());
    EXPECT_EQ(give_up_summary(service, target, action), expect.at("summary").get<std::string>());
}

class MaskVectors : public VectorTest {};

TEST_P(MaskVectors, Matches) {
    EXPECT_EQ(mask_dsn(data().at("text").get<std::string>()), data().at("expect").get<std::string>());
}

// An event as events.json writes it: [name, fields], the times left out and
// a delay that is not null written "sleep" (spec 8.1).
json event_json(const Event& e) {
    const json code = e.code ? json(*e.code) : json(nullptr);
    const json error_class = e.error_class ? json(std::string(to_string(*e.error_class))) : json(nullptr);
    json fields = json::object();
    switch (e.name) {
        case EventName::Granted:
        case EventName::Released: break;
        case EventName::Attempt: fields["attempt"] = e.attempt.value(); break;
        case EventName::Failed:
            fields = {{"attempt", e.attempt.value()}, {"code", code}, {"class", error_class}};
            break;
        case EventName::Retry:
            fields = {{"attempt", e.attempt.value()}, {"delay", e.delay ? json("sleep") : json(nullptr)}};
            break;
        case EventName::GiveUp:
            fields = {{"reason", std::string(to_string(e.reason.value()))},
                      {"attempts", e.attempts.value()},
                      {"code", code},
                      {"class", error_class}};
            break;
        case EventName::Connected: fields["attempts"] = e.attempts.value(); break;
        case EventName::Limit:
            fields = {{"limit", e.limit.value()},
                      {"holding", e.holding.value()},
                      {"in_flight", e.in_flight.value()},
                      {"queued", e.queued.value()}};
            break;
    }
    return json::array({std::string(to_string(e.name)), fields});
}

constexpr const char* kServer = "vectors:3306";

// What the vector leaves out: each event names its call or its gate, and has
// the times spec 8.1 gives it.
void expect_where_and_when(const Event& e) {
    const std::string name(to_string(e.name));
    if (e.name == EventName::Released || e.name == EventName::Limit) {
        EXPECT_EQ(e.server, kServer) << name;
        EXPECT_EQ(e.service + e.target, "") << name;
        return;
    }
    EXPECT_EQ(e.service, "default") << name;
    EXPECT_EQ(e.target, "-") << name;
    EXPECT_EQ(e.server, "") << name;
    EXPECT_EQ(e.waited.has_value(), e.name == EventName::Granted) << name;
    EXPECT_EQ(e.elapsed.has_value(), e.name != EventName::Granted && e.name != EventName::Attempt) << name;
}

class EventVectors : public VectorTest {};

// The real runner with one caller in test mode: scripted attempts, a clock on
// which nothing waits and, gated, a fresh gate whose probe fires at once.
TEST_P(EventVectors, Matches) {
    const Policy policy = PolicySet::parse(data().at("policy").get<std::string>(), kFileName).defaults();
    const std::vector<json> script = data().at("script").get<std::vector<json>>();
    std::size_t next = 0;
    const Attempt attempt = [&](double /*timeout*/) -> std::optional<AttemptFailure> {
        const json& outcome = script.at(next++);
        if (outcome == "ok") return std::nullopt;
        return AttemptFailure{code_of(outcome), "HY000", "scripted"};
    };
    const SeedSource seed = [] { return std::uint64_t{1}; };
    const auto clock = std::make_shared<InstantClock>();
    Slot kept;  // a connection the script leaves open: released unobserved, at the end
    std::vector<Event> events;
    {
        const EventSubscription observing = add_event_sink([&](const Event& e) { events.push_back(e); });
        try {
            if (data().at("gated").get<bool>()) {
                const auto gate = std::make_shared<Gate>(policy, 1, clock, kServer);
                kept = retry_connect_gated(policy, CallSite{}, attempt, *gate, LogSink(), seed).slot;
            } else {
                retry_connect(policy, CallSite{}, attempt, *clock, LogSink(), seed);
            }
        } catch (const ConnectError&) {
            // how it ended is the events' to say
        }
        if (next < script.size() && script[next] == "close") {
            ++next;
            kept.release();
        }
    }
    EXPECT_EQ(next, script.size()) << "script steps used";
    json actual = json::array();
    for (const Event& e : events) {
        actual.push_back(event_json(e));
        expect_where_and_when(e);
    }
    EXPECT_EQ(actual, data().at("events"))
        << "\n   got " << actual.dump() << "\nwanted " << data().at("events").dump();
}

// The Event a metrics.json event object describes: every key is a field of
// spec 8.1, so that a key this runner does not know fails the case.
Event event_of(const json& fields) {
    constexpr std::array<EventName, 8> kNames = {
        EventName::Granted, EventName::Attempt,   EventName::Failed,   EventName::Retry,
        EventName::GiveUp,  EventName::Connected, EventName::Released, EventName::Limit};
    const auto number = [](const json& value) {
        return value.is_null() ? std::nullopt : std::optional<double>(value.get<double>());
    };
    Event e;
    for (const auto& [key, value] : fields.items()) {
        if (key == "name") {
            e.name = enum_of(kNames, value.get<std::string>());
        } else if (key == "service") {
            e.service = value.get<std::string>();
        } else if (key == "target") {
            e.target = value.get<std::string>();
        } else if (key == "server") {
            e.server = value.get<std::string>();
        } else if (key == "waited") {
            e.waited = number(value);
        } else if (key == "attempt") {
            e.attempt = value.get<int>();
        } else if (key == "attempts") {
            e.attempts = value.get<int>();
        } else if (key == "code") {
            e.code = code_of(value);
        } else if (key == "class") {
            e.error_class = class_of(value);
        } else if (key == "delay") {
            e.delay = number(value);
        } else if (key == "elapsed") {
            e.elapsed = number(value);
        } else if (key == "reason") {
            e.reason = reason_of(value);
        } else if (key == "limit") {
            e.limit = value.get<int>();
        } else if (key == "holding") {
            e.holding = value.get<int>();
        } else if (key == "in_flight") {
            e.in_flight = value.get<int>();
        } else if (key == "queued") {
            e.queued = value.get<int>();
        } else {
            throw std::invalid_argument("unknown event field " + key);
        }
    }
    return e;
}

class MetricsVectors : public VectorTest {};

// The events fed in order to a fresh Metrics; its spec 8.3 snapshot, without
// the limiter's gauges (the gates' state, which other tests' gates feed),
// equals the case's: numbers compare as numbers (1 == 1.0), sums to 1e-9.
TEST_P(MetricsVectors, Matches) {
    Metrics metrics;
    for (const json& fields : data().at("events")) metrics.record(event_of(fields));
    json actual = json::array();
    for (const json& series : json::parse(metrics.snapshot_json())) {
        if (series.at("name").get<std::string>().rfind("connguard_limiter_", 0) != 0)
            actual.push_back(series);
    }
    json expected = data().at("snapshot");
    ASSERT_EQ(actual.size(), expected.size())
        << "\n   got " << actual.dump() << "\nwanted " << expected.dump();
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const std::string where = "series " + std::to_string(i + 1) + " " + expected[i].at("name").dump();
        EXPECT_EQ(actual[i].contains("sum"), expected[i].contains("sum")) << where;
        if (actual[i].contains("sum") && expected[i].contains("sum")) {
            EXPECT_NEAR(actual[i].at("sum").get<double>(), expected[i].at("sum").get<double>(), 1e-9)
                << where;
            actual[i].erase("sum");
            expected[i].erase("sum");
        }
        EXPECT_EQ(actual[i], expected[i]) << where;
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
INSTANTIATE_TEST_SUITE_P(Vectors, CallVectors, ::testing::ValuesIn(load_cases("call.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, ErrorCodeVectors, ::testing::ValuesIn(load_cases("error_codes.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, ReportVectors, ::testing::ValuesIn(load_cases("report.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, MaskVectors, ::testing::ValuesIn(load_cases("mask.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, EventVectors, ::testing::ValuesIn(load_cases("events.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Vectors, MetricsVectors, ::testing::ValuesIn(load_cases("metrics.json")), case_name);

}  // namespace
}  // namespace connguard
