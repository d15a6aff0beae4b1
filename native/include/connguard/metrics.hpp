// Metrics (spec 8.2) computed from the events (events.hpp), kept in memory,
// and rendered as spec 8.3's snapshot or in the Prometheus text format, which
// a service serves from its own HTTP endpoint (connguard runs no server).
//
//     connguard::Metrics metrics;                                // outlives the subscription
//     const connguard::EventSubscription observing = connguard::add_event_sink(metrics.sink());
//     ...
//     response.body = metrics.prometheus_text();                 // GET /metrics
//
// Counters and the histogram move with each call's events; the limiter's
// gauges are read from the process's gates (Gate::of) when rendered.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "connguard/events.hpp"

namespace connguard {

// The histogram's bucket bounds in seconds (spec 8.2), "+Inf" after them.
inline constexpr std::array<double, 13> kDurationBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1,     2.5,  5,     10,   30,  60};

// Thread-safe: any thread may record and render at once.
class Metrics {
public:
    Metrics() = default;
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Moves the instruments `event` moves (spec 8.2's "from" column).
    void record(const Event& event);
    // record() as a sink for add_event_sink(); it refers to this object.
    EventSink sink();

    // The sum over the series named `name` (a Prometheus name) whose labels
    // include `labels` (a histogram's count); 0 when there is none.
    double value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;

    // Spec 8.3: a JSON list of every series, sorted by name then labels.
    std::string snapshot_json() const;
    // The Prometheus text exposition format 0.0.4, HELP and TYPE lines included
    // (Content-Type: text/plain; version=0.0.4).
    std::string prometheus_text() const;

private:
    struct Histogram {
        std::array<std::uint64_t, kDurationBounds.size() + 1> counts{};  // per bucket, the last +Inf
        double sum = 0.0;
    };
    // An instrument's index (metrics.cpp) and its label values, in its label order.
    using Key = std::pair<std::size_t, std::vector<std::string>>;
    struct Series;

    // Every series, sorted; the gauges read from the gates now.
    std::vector<Series> collect() const;

    mutable std::mutex mutex_;
    std::map<Key, std::uint64_t> counts_;
    std::map<Key, Histogram> histograms_;
};

}  // namespace connguard
