// Metrics (spec 8.2, 8.3) of scripted calls on a fake clock: the values, the
// snapshot and the Prometheus text.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "connguard/connect_error.hpp"
#include "connguard/events.hpp"
#include "connguard/gate.hpp"
#include "connguard/metrics.hpp"
#include "connguard/retry_connect.hpp"
#include "fake_clock.hpp"

namespace connguard {
namespace {

using nlohmann::json;

const CallSite kApi{"api", "mariadb://app:***@db:3306/main"};
const std::string kTarget = kApi.target;

// Fails with the given codes in turn, then connects.
Attempt failing(std::vector<std::optional<int>> codes) {
    auto made = std::make_shared<std::size_t>(0);
    return [codes, made](double /*timeout*/) -> std::optional<AttemptFailure> {
        const std::size_t k = (*made)++;
        if (k >= codes.size()) return std::nullopt;
        return AttemptFailure{codes[k], "HY000", "scripted"};
    };
}

// Delays of 0.25 s then 0.5 s: binary fractions, so elapsed times add up exactly.
Policy exact_delays() {
    Policy policy;
    policy.jitter = Jitter::None;
    policy.initial_delay = 0.25;
    return policy;
}

// Three calls through the process's sinks: api connects on its third attempt
// after 0.75 s, then gives up on a fatal code; an anonymous call connects at once.
class ScriptedCalls : public ::testing::Test {
protected:
    void SetUp() override {
        const EventSubscription observing = add_event_sink(metrics.sink());
        EXPECT_EQ(retry_connect(exact_delays(), kApi, failing({1040, std::nullopt}), clock, LogSink()), 3);
        EXPECT_THROW(retry_connect(exact_delays(), kApi, failing({1045}), clock, LogSink()), ConnectError);
        EXPECT_EQ(retry_connect(Policy{}, CallSite{}, failing({}), clock, LogSink()), 1);
    }

    // The snapshot without the limiter's gauges, which other tests' gates feed.
    json call_series() const {
        json found = json::array();
        for (const json& series : json::parse(metrics.snapshot_json())) {
            if (series.at("name").get<std::string>().rfind("connguard_limiter_", 0) != 0)
                found.push_back(series);
        }
        return found;
    }

    FakeClock clock;
    Metrics metrics;
};

json buckets(const std::vector<int>& cumulative) {
    const std::vector<double> bounds(kDurationBounds.begin(), kDurationBounds.end());
    json out = json::array();
    for (std::size_t i = 0; i < bounds.size(); ++i) out.push_back({bounds[i], cumulative[i]});
    out.push_back({"+Inf", cumulative.back()});
    return out;
}

TEST_F(ScriptedCalls, SnapshotHasEverySeriesSortedByNameThenLabels) {
    const json api = {{"service", "api"}, {"target", kTarget}};
    const auto with = [](json labels, const json& more) {
        labels.update(more);
        return labels;
    };
    const std::vector<int> under_1s = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};  // 0.75 s
    const std::vector<int> at_0s(14, 1);
    const json expected = {
        {{"name", "connguard_attempt_failures_total"},
         {"labels", with(api, {{"class", "capacity"}, {"code", "1040"}})},
         {"value", 1}},
        {{"name", "connguard_attempt_failures_total"},
         {"labels", with(api, {{"class", "fatal"}, {"code", "1045"}})},
         {"value", 1}},
        {{"name", "connguard_attempt_failures_total"},
         {"labels", with(api, {{"class", "transient"}, {"code", "network"}})},
         {"value", 1}},
        {{"name", "connguard_attempts_total"}, {"labels", api}, {"value", 4}},
        {{"name", "connguard_attempts_total"},
         {"labels", {{"service", "default"}, {"target", "-"}}},
         {"value", 1}},
        {{"name", "connguard_connect_duration_seconds"},
         {"labels", with(api, {{"outcome", "connected"}})},
         {"count", 1},
         {"sum", 0.75},
         {"buckets", buckets(under_1s)}},
        {{"name", "connguard_connect_duration_seconds"},
         {"labels", {{"service", "default"}, {"target", "-"}, {"outcome", "connected"}}},
         {"count", 1},
         {"sum", 0},
         {"buckets", buckets(at_0s)}},
        {{"name", "connguard_connect_duration_seconds"},
         {"labels", with(api, {{"outcome", "gave_up"}})},
         {"count", 1},
         {"sum", 0},
         {"buckets", buckets(at_0s)}},
        {{"name", "connguard_connects_retried_total"}, {"labels", api}, {"value", 1}},
        {{"name", "connguard_connects_total"}, {"labels", api}, {"value", 1}},
        {{"name", "connguard_connects_total"},
         {"labels", {{"service", "default"}, {"target", "-"}}},
         {"value", 1}},
        {{"name", "connguard_give_ups_total"}, {"labels", with(api, {{"reason", "fatal"}})}, {"value", 1}},
    };
    EXPECT_EQ(call_series(), expected) << call_series().dump(1);
}

TEST_F(ScriptedCalls, ValueSumsTheSeriesWithTheLabelsGiven) {
    EXPECT_EQ(metrics.value("connguard_attempt_failures_total"), 3);
    EXPECT_EQ(metrics.value("connguard_attempt_failures_total", {{"class", "capacity"}}), 1);
    EXPECT_EQ(metrics.value("connguard_attempts_total", {{"service", "api"}}), 4);
    EXPECT_EQ(metrics.value("connguard_connect_duration_seconds"), 3);  // a histogram's count
    EXPECT_EQ(metrics.value("connguard_connect_duration_seconds", {{"outcome", "gave_up"}}), 1);
    EXPECT_EQ(metrics.value("connguard_give_ups_total", {{"reason", "deadline"}}), 0);
    EXPECT_EQ(metrics.value("no_such_metric"), 0);
}

// Every line of the text format: HELP and TYPE once per family, and each
// sample `name{labels} value`.
TEST_F(ScriptedCalls, PrometheusTextHasEveryFamilyAndTheSamples) {
    const std::string text = metrics.prometheus_text();
    const std::string api = "service=\"api\",target=\"" + kTarget + "\"";
    for (const std::string& line : std::vector<std::string>{
             "# TYPE connguard_attempts_total counter",
             "# HELP connguard_attempts_total Connection attempts made.",
             "# TYPE connguard_attempt_failures_total counter",
             "# TYPE connguard_give_ups_total counter",
             "# TYPE connguard_connects_total counter",
             "# TYPE connguard_connects_retried_total counter",
             "# TYPE connguard_connect_duration_seconds histogram",
             "# TYPE connguard_limiter_limit gauge",
             "# TYPE connguard_limiter_holding gauge",
             "# TYPE connguard_limiter_in_flight gauge",
             "# TYPE connguard_limiter_queued gauge",
             "connguard_attempts_total{" + api + "} 4",
             "connguard_attempts_total{service=\"default\",target=\"-\"} 1",
             "connguard_attempt_failures_total{" + api + ",class=\"transient\",code=\"network\"} 1",
             "connguard_give_ups_total{" + api + ",reason=\"fatal\"} 1",
             "connguard_connects_retried_total{" + api + "} 1",
             "connguard_connect_duration_seconds_bucket{" + api + ",outcome=\"connected\",le=\"0.5\"} 0",
             "connguard_connect_duration_seconds_bucket{" + api + ",outcome=\"connected\",le=\"1\"} 1",
             "connguard_connect_duration_seconds_bucket{" + api + ",outcome=\"connected\",le=\"+Inf\"} 1",
             "connguard_connect_duration_seconds_sum{" + api + ",outcome=\"connected\"} 0.75",
             "connguard_connect_duration_seconds_count{" + api + ",outcome=\"connected\"} 1",
         }) {
        EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
    }
    std::istringstream lines(text);
    int helps = 0;
    int types = 0;
    for (std::string line; std::getline(lines, line);) {
        helps += line.rfind("# HELP ", 0) == 0 ? 1 : 0;
        types += line.rfind("# TYPE ", 0) == 0 ? 1 : 0;
        if (line[0] == '#') continue;
        const std::size_t brace = line.find("} ");
        ASSERT_NE(brace, std::string::npos) << line;
        EXPECT_EQ(line.rfind("connguard_", 0), 0u) << line;
        EXPECT_NO_THROW((void)std::stod(line.substr(brace + 2))) << line;
    }
    EXPECT_EQ(helps, 10);
    EXPECT_EQ(types, 10);
}

TEST(Metrics, LabelValuesAreEscaped) {
    Metrics metrics;
    Event attempt;
    attempt.name = EventName::Attempt;
    attempt.service = "a\"b\\c\nd";
    attempt.target = "-";
    metrics.record(attempt);
    EXPECT_NE(metrics.prometheus_text().find(
                  "connguard_attempts_total{service=\"a\\\"b\\\\c\\nd\",target=\"-\"} 1\n"),
              std::string::npos)
        << metrics.prometheus_text();
    const json snapshot = json::parse(metrics.snapshot_json());
    bool found = false;
    for (const json& series : snapshot) {
        found = found || series.at("labels").value("service", "") == attempt.service;
    }
    EXPECT_TRUE(found) << snapshot.dump();
}

TEST(Metrics, GaugesAreReadFromTheGatesWhenRendered) {
    const auto clock = std::make_shared<FakeClock>();
    const std::shared_ptr<Gate> gate = Gate::of("gauges.test:3306", Policy{}, clock, [] { return 1; });
    Metrics metrics;
    const std::map<std::string, std::string> server = {{"server", "gauges.test:3306"}};
    EXPECT_EQ(metrics.value("connguard_limiter_limit", server), 2);  // initial_limit
    Gate::Ticket holder = gate->ticket();
    holder.join();
    ASSERT_TRUE(holder.wait(std::numeric_limits<double>::infinity()));
    Slot held = holder.connected();
    Gate::Ticket attempting = gate->ticket();
    attempting.join();
    ASSERT_TRUE(attempting.wait(std::numeric_limits<double>::infinity()));
    EXPECT_EQ(metrics.value("connguard_limiter_limit", server), 3);  // slow start: one more per success
    EXPECT_EQ(metrics.value("connguard_limiter_holding", server), 1);
    EXPECT_EQ(metrics.value("connguard_limiter_in_flight", server), 1);
    EXPECT_EQ(metrics.value("connguard_limiter_queued", server), 0);
    EXPECT_NE(metrics.prometheus_text().find("connguard_limiter_holding{server=\"gauges.test:3306\"} 1\n"),
              std::string::npos);
    attempting.left();
    held.release();
    EXPECT_EQ(metrics.value("connguard_limiter_holding", server), 0);
    EXPECT_EQ(metrics.value("connguard_limiter_in_flight", server), 0);
}

TEST(Metrics, RecordsFromManyThreadsAtOnce) {
    Metrics metrics;
    Event attempt;
    attempt.name = EventName::Attempt;
    attempt.service = "default";
    attempt.target = "-";
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int k = 0; k < 1000; ++k) metrics.record(attempt);
        });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(metrics.value("connguard_attempts_total"), 4000);
}

TEST(Metrics, EventsOfNoCounterAddNoSeries) {
    Metrics metrics;
    for (const EventName name :
         {EventName::Granted, EventName::Retry, EventName::Released, EventName::Limit}) {
        Event event;
        event.name = name;
        metrics.record(event);
    }
    int calls = 0;
    for (const json& series : json::parse(metrics.snapshot_json())) {
        calls += series.at("name").get<std::string>().rfind("connguard_limiter_", 0) == 0 ? 0 : 1;
    }
    EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace connguard
