#include "connguard/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>

#include "connguard/gate.hpp"

namespace connguard {
namespace {

enum class Kind { Counter, Histogram, Gauge };

struct Instrument {
    std::string_view name;  // the Prometheus name, which snapshots use too
    Kind kind;
    std::array<std::string_view, 4> labels;  // the first ones, as many as a series has values
    std::string_view help;
};

// Spec 8.2's table, indexed by the constants below; the help texts are the Python package's.
constexpr std::array<Instrument, 10> kInstruments = {{
    {"connguard_attempts_total", Kind::Counter, {"service", "target"}, "Connection attempts made."},
    {"connguard_attempt_failures_total",
     Kind::Counter,
     {"service", "target", "class", "code"},
     "Attempts that failed to connect, by error class and code (code 'network' without one)."},
    {"connguard_give_ups_total",
     Kind::Counter,
     {"service", "target", "reason"},
     "Calls that gave up, by reason (fatal, attempts, deadline)."},
    {"connguard_connects_total", Kind::Counter, {"service", "target"}, "Calls that connected."},
    {"connguard_connects_retried_total",
     Kind::Counter,
     {"service", "target"},
     "Calls that connected after more than one attempt."},
    {"connguard_connect_duration_seconds",
     Kind::Histogram,
     {"service", "target", "outcome"},
     "Seconds from a call's start to connected or given up, waits at the gate included."},
    {"connguard_limiter_limit",
     Kind::Gauge,
     {"server"},
     "The limiter's limit: connections and attempts it allows at once."},
    {"connguard_limiter_holding",
     Kind::Gauge,
     {"server"},
     "Connections this process holds open through connguard."},
    {"connguard_limiter_in_flight", Kind::Gauge, {"server"}, "Attempts granted and not yet reported."},
    {"connguard_limiter_queued", Kind::Gauge, {"server"}, "Callers waiting at the gate for a turn."},
}};
constexpr std::size_t kAttempts = 0;
constexpr std::size_t kFailures = 1;
constexpr std::size_t kGiveUps = 2;
constexpr std::size_t kConnects = 3;
constexpr std::size_t kRetried = 4;
constexpr std::size_t kDuration = 5;
constexpr std::size_t kGauges = 6;  // limit, holding, in_flight, queued

// The shortest text that reads back as `value` ("0.005", "3").
std::string number(double value) {
    std::array<char, 32> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    return std::string(buf.data(), ec == std::errc() ? end : buf.data());
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    std::array<char, 8> escaped{};
                    std::snprintf(escaped.data(), escaped.size(), "\\u%04x", static_cast<unsigned char>(c));
                    out += escaped.data();
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

// A label value or HELP text in the text format: backslash and newline
// escaped, and in label values the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

}  // namespace

struct Metrics::Series {
    std::size_t instrument;
    std::vector<std::string> labels;  // values, in the instrument's label order
    double value = 0.0;               // counters and gauges
    Histogram histogram;              // the histogram

    const Instrument& of() const { return kInstruments[instrument]; }
    // Sorted by name, then labels: (label, value) pairs in label order.
    std::vector<std::pair<std::string_view, std::string_view>> sorted_labels() const {
        std::vector<std::pair<std::string_view, std::string_view>> pairs;
        for (std::size_t i = 0; i < labels.size(); ++i) pairs.emplace_back(of().labels[i], labels[i]);
        std::sort(pairs.begin(), pairs.end());
        return pairs;
    }
    std::uint64_t count() const {
        std::uint64_t total = 0;
        for (const std::uint64_t n : histogram.counts) total += n;
        return total;
    }
};

void Metrics::record(const Event& event) {
    const auto call = [&](std::initializer_list<std::string> more) {
        std::vector<std::string> labels{event.service, event.target};
        labels.insert(labels.end(), more);
        return labels;
    };
    const auto observe = [&](std::vector<std::string> labels) {
        Histogram& histogram = histograms_[{kDuration, std::move(labels)}];
        const double seconds = event.elapsed.value_or(0.0);
        const auto bucket = std::lower_bound(kDurationBounds.begin(), kDurationBounds.end(), seconds);
        ++histogram.counts[static_cast<std::size_t>(bucket - kDurationBounds.begin())];
        histogram.sum += seconds;
    };
    switch (event.name) {
        case EventName::Attempt: {
            std::vector<std::string> labels = call({});
            const std::lock_guard<std::mutex> lock(mutex_);
            ++counts_[{kAttempts, std::move(labels)}];
            break;
        }
        case EventName::Failed: {
            std::vector<std::string> labels =
                call({event.error_class ? std::string(to_string(*event.error_class)) : "",
                      event.code ? std::to_string(*event.code) : "network"});
            const std::lock_guard<std::mutex> lock(mutex_);
            ++counts_[{kFailures, std::move(labels)}];
            break;
        }
        case EventName::Connected: {
            const bool retried = event.attempts.value_or(0) > 1;
            const std::lock_guard<std::mutex> lock(mutex_);
            ++counts_[{kConnects, call({})}];
            if (retried) ++counts_[{kRetried, call({})}];
            observe(call({"connected"}));
            break;
        }
        case EventName::GiveUp: {
            const std::lock_guard<std::mutex> lock(mutex_);
            ++counts_[{kGiveUps, call({event.reason ? std::string(to_string(*event.reason)) : ""})}];
            observe(call({"gave_up"}));
            break;
        }
        default: break;  // the rest move no counter; gauges are read from the gates
    }
}

EventSink Metrics::sink() {
    return [this](const Event& event) { record(event); };
}

std::vector<Metrics::Series> Metrics::collect() const {
    std::vector<Series> series;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [key, count] : counts_) {
            series.push_back({key.first, key.second, static_cast<double>(count), {}});
        }
        for (const auto& [key, histogram] : histograms_)
            series.push_back({key.first, key.second, 0.0, histogram});
    }
    // Outside our lock: a gate emits under its own. Gates of one server on
    // different clocks (a test's) add up.
    std::map<std::string, std::array<int, 4>> gauges;
    for (const std::shared_ptr<Gate>& gate : Gate::all()) {
        const Gate::State state = gate->state();
        std::array<int, 4>& sum = gauges[gate->server()];
        sum[0] += state.limit;
        sum[1] += state.holding;
        sum[2] += state.in_use - state.holding;
        sum[3] += static_cast<int>(state.queued);
    }
    for (const auto& [server, values] : gauges) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            series.push_back({kGauges + i, {server}, static_cast<double>(values[i]), {}});
        }
    }
    std::sort(series.begin(), series.end(), [](const Series& a, const Series& b) {
        if (a.of().name != b.of().name) return a.of().name < b.of().name;
        return a.sorted_labels() < b.sorted_labels();
    });
    return series;
}

double Metrics::value(std::string_view name, const std::map<std::string, std::string>& labels) const {
    double total = 0.0;
    for (const Series& s : collect()) {
        if (s.of().name != name) continue;
        const auto pairs = s.sorted_labels();
        const bool matches = std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
            return std::find(pairs.begin(), pairs.end(),
                             std::pair<std::string_view, std::string_view>(wanted.first, wanted.second)) !=
                   pairs.end();
        });
        if (matches) total += s.of().kind == Kind::Histogram ? static_cast<double>(s.count()) : s.value;
    }
    return total;
}

std::string Metrics::snapshot_json() const {
    std::string out = "[";
    for (const Series& s : collect()) {
        if (out.size() > 1) out += ", ";
        out += "{\"name\": ";
        append_json_string(out, s.of().name);
        out += ", \"labels\": {";
        for (std::size_t i = 0; i < s.labels.size(); ++i) {
            if (i > 0) out += ", ";
            append_json_string(out, s.of().labels[i]);
            out += ": ";
            append_json_string(out, s.labels[i]);
        }
        out += "}";
        if (s.of().kind != Kind::Histogram) {
            out += ", \"value\": " + number(s.value) + "}";
            continue;
        }
        out += ", \"count\": " + std::to_string(s.count()) + ", \"sum\": " + number(s.histogram.sum) +
               ", \"buckets\": [";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < s.histogram.counts.size(); ++i) {
            cumulative += s.histogram.counts[i];
            if (i > 0) out += ", ";
            out += "[" + (i < kDurationBounds.size() ? number(kDurationBounds[i]) : "\"+Inf\"") + ", " +
                   std::to_string(cumulative) + "]";
        }
        out += "]}";
    }
    return out + "]";
}

std::string Metrics::prometheus_text() const {
    const std::vector<Series> series = collect();
    std::vector<std::size_t> families(kInstruments.size());
    for (std::size_t i = 0; i < families.size(); ++i) families[i] = i;
    std::sort(families.begin(), families.end(),
              [](std::size_t a, std::size_t b) { return kInstruments[a].name < kInstruments[b].name; });
    std::string out;
    for (const std::size_t family : families) {
        const Instrument& instrument = kInstruments[family];
        const std::string name(instrument.name);
        out += "# HELP " + name + " ";
        append_escaped(out, instrument.help, false);
        out += "\n# TYPE " + name + " ";
        out += instrument.kind == Kind::Counter ? "counter"
               : instrument.kind == Kind::Gauge ? "gauge"
                                                : "histogram";
        out += "\n";
        for (const Series& s : series) {
            if (s.instrument != family) continue;
            // {a="x",b="y"} with `le` last for a bucket.
            const auto labels = [&](std::string_view le) {
                std::string text = "{";
                for (std::size_t i = 0; i < s.labels.size(); ++i) {
                    text += (i > 0 ? "," : "") + std::string(instrument.labels[i]) + "=\"";
                    append_escaped(text, s.labels[i], true);
                    text += "\"";
                }
                if (!le.empty()) text += ",le=\"" + std::string(le) + "\"";
                return text + "}";
            };
            if (instrument.kind != Kind::Histogram) {
                out += name + labels("") + " " + number(s.value) + "\n";
                continue;
            }
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < s.histogram.counts.size(); ++i) {
                cumulative += s.histogram.counts[i];
                const std::string le = i < kDurationBounds.size() ? number(kDurationBounds[i]) : "+Inf";
                out += name + "_bucket" + labels(le) + " " + std::to_string(cumulative) + "\n";
            }
            out += name + "_sum" + labels("") + " " + number(s.histogram.sum) + "\n";
            out += name + "_count" + labels("") + " " + std::to_string(cumulative) + "\n";
        }
    }
    return out;
}

}  // namespace connguard
