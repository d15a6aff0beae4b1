#include "connguard/retry_connect.hpp"

#include <array>
#include <cstdio>
#include <random>
#include <string>

#include "connguard/classification.hpp"
#include "connguard/connect_error.hpp"
#include "connguard/decision.hpp"

namespace connguard {
namespace {

std::string seconds_text(double seconds) {
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "%.3fs", seconds);
    return buf.data();
}

// "1040 ER_CON_COUNT_ERROR", "1205", "network": as connguard/report.py.
std::string code_text(const std::optional<int>& code) {
    if (!code) return "network";
    const CodeInfo* info = lookup_code(*code);
    return info != nullptr ? std::to_string(*code) + " " + std::string(info->name) : std::to_string(*code);
}

std::string where(const CallSite& site) {
    return "service=" + (site.service.empty() ? std::string("default") : site.service) +
           " target=" + (site.target.empty() ? std::string("-") : site.target);
}

// The failure path of one call; built after a first failure only.
class FailedCall {
public:
    FailedCall(const Policy& policy, const CallSite& site, Clock& clock, const LogSink& sink, double start,
               std::uint64_t seed)
        : policy_(policy), site_(site), clock_(clock), sink_(sink), start_(start), decision_(policy, seed) {}

    // Sleeps before the next attempt, or throws ConnectError.
    void failed(const AttemptFailure& failure) {
        const double elapsed = clock_.now() - start_;
        const Verdict verdict = decision_.after_failure(failure.code, elapsed);
        LogRecord record{verdict.retry ? LogLevel::Warning : LogLevel::Error,
                         verdict.retry ? LogEvent::Retry : LogEvent::GiveUp,
                         "",
                         site_.service,
                         site_.target,
                         failure.code,
                         verdict.error_class,
                         verdict.attempt,
                         policy_.max_attempts,
                         verdict.retry ? verdict.delay : 0.0,
                         elapsed,
                         std::nullopt};
        if (verdict.retry) {
            record.message = "connguard retry: " + where(site_) + " code=" + code_text(failure.code) + " (" +
                             std::string(to_string(verdict.error_class)) + ") attempt " +
                             std::to_string(verdict.attempt) + "/" + std::to_string(policy_.max_attempts) +
                             ", next in " + seconds_text(verdict.delay) + ": " + failure.message;
            if (sink_) sink_(record);
            clock_.sleep_for(verdict.delay);
            return;
        }
        std::string summary = "connguard gave up after " + std::to_string(verdict.attempt) +
                              (verdict.attempt == 1 ? " attempt" : " attempts") + " in " +
                              seconds_text(elapsed) + " (reason: " + std::string(to_string(verdict.reason)) +
                              "; last error " + code_text(failure.code) + ", " +
                              std::string(to_string(verdict.error_class)) + "; " + where(site_) + ")";
        record.reason = verdict.reason;
        record.message = summary + ": " + failure.message;
        if (sink_) sink_(record);
        const CodeInfo* info = failure.code ? lookup_code(*failure.code) : nullptr;
        if (info != nullptr && verdict.reason == Reason::Fatal) {
            summary += "; " + std::to_string(info->code) + " " + std::string(info->name) + ": " +
                       std::string(info->advice);
        }
        throw ConnectError(failure.code, failure.sqlstate, failure.message, verdict.attempt, elapsed,
                           verdict.reason, verdict.error_class, summary);
    }

    int succeeded() { return decision_.after_success(); }

private:
    const Policy& policy_;
    const CallSite& site_;
    Clock& clock_;
    const LogSink& sink_;
    double start_;
    Decision decision_;
};

}  // namespace

std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
}

int retry_connect(const Policy& policy, const CallSite& site, const Attempt& attempt, Clock& clock,
                  const LogSink& sink, const SeedSource& seed) {
    const double start = clock.now();
    std::optional<FailedCall> call;
    while (true) {
        const std::optional<AttemptFailure> failure = attempt();
        if (!failure) return call ? call->succeeded() : 1;
        if (!call) call.emplace(policy, site, clock, sink, start, seed());
        call->failed(*failure);
    }
}

}  // namespace connguard
