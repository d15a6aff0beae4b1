#include "connguard/retry_connect.hpp"

#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

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

// As the Python adapters word it (connguard.errors.QueueTimeout).
std::string two_decimals(double seconds) {
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "%.2f", seconds);
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

void report_give_up(const CallSite& site, const AttemptFailure& failure, int attempts, double elapsed,
                    Reason reason, ErrorClass error_class, const std::string& summary, int max_attempts,
                    const LogSink& sink) {
    if (!sink) return;
    sink(LogRecord{LogLevel::Error, LogEvent::GiveUp, summary + ": " + failure.message, site.service,
                   site.target, failure.code, error_class, attempts, max_attempts, 0.0, elapsed, reason});
}

// The failure path of one call; built after a first failure only.
class FailedCall {
public:
    FailedCall(const Policy& policy, const CallSite& site, Clock& clock, const LogSink& sink, double start,
               std::uint64_t seed)
        : policy_(policy), site_(site), clock_(clock), sink_(sink), start_(start), decision_(policy, seed) {}

    // The verdict to retry, logged; throws ConnectError on give-up. `queued`:
    // a capacity refusal will wait in the limiter's queue, not sleep.
    Verdict failed(const AttemptFailure& failure, bool queued = false) {
        const double elapsed = clock_.now() - start_;
        const Verdict verdict = decision_.after_failure(failure.code, elapsed);
        last_ = failure;
        last_class_ = verdict.error_class;
        if (!verdict.retry) give_up(failure, verdict.attempt, elapsed, verdict.reason, verdict.error_class);
        const std::string then = queued && verdict.error_class == ErrorClass::Capacity
                                     ? "queued for a free slot"
                                     : "next in " + seconds_text(verdict.delay);
        LogRecord record{LogLevel::Warning,
                         LogEvent::Retry,
                         "connguard retry: " + where(site_) + " code=" + code_text(failure.code) + " (" +
                             std::string(to_string(verdict.error_class)) + ") attempt " +
                             std::to_string(verdict.attempt) + "/" + std::to_string(policy_.max_attempts) +
                             ", " + then + ": " + failure.message,
                         site_.service,
                         site_.target,
                         failure.code,
                         verdict.error_class,
                         verdict.attempt,
                         policy_.max_attempts,
                         verdict.delay,
                         elapsed,
                         std::nullopt};
        if (sink_) sink_(record);
        return verdict;
    }

    // The deadline passed in the limiter's queue: give up with the last failure.
    [[noreturn]] void waited_out() {
        give_up(last_, decision_.attempts(), clock_.now() - start_, Reason::Deadline, last_class_);
    }

    int succeeded() { return decision_.after_success(); }

private:
    [[noreturn]] void give_up(const AttemptFailure& failure, int attempts, double elapsed, Reason reason,
                              ErrorClass error_class) {
        std::string summary = "connguard gave up after " + std::to_string(attempts) +
                              (attempts == 1 ? " attempt" : " attempts") + " in " + seconds_text(elapsed) +
                              " (reason: " + std::string(to_string(reason)) + "; last error " +
                              code_text(failure.code) + ", " + std::string(to_string(error_class)) + "; " +
                              where(site_) + ")";
        report_give_up(site_, failure, attempts, elapsed, reason, error_class, summary, policy_.max_attempts,
                       sink_);
        const CodeInfo* info = failure.code ? lookup_code(*failure.code) : nullptr;
        if (info != nullptr && reason == Reason::Fatal) {
            summary += "; " + std::to_string(info->code) + " " + std::string(info->name) + ": " +
                       std::string(info->advice);
        }
        throw ConnectError(failure.code, failure.sqlstate, failure.message, attempts, elapsed, reason,
                           error_class, summary);
    }

    const Policy& policy_;
    const CallSite& site_;
    Clock& clock_;
    const LogSink& sink_;
    double start_;
    Decision decision_;
    AttemptFailure last_;
    ErrorClass last_class_ = ErrorClass::Transient;
};

// A caller whose deadline passed in the queue before its first attempt: there
// is no driver error to give up with, so say what it waited for.
[[noreturn]] void never_admitted(const Policy& policy, const CallSite& site, const Gate& gate, double elapsed,
                                 const LogSink& sink) {
    const Gate::State state = gate.state();
    const AttemptFailure waited{
        std::nullopt, "",
        "connguard waited " + two_decimals(elapsed) + "s (the policy deadline) for a turn to connect to " +
            (site.target.empty() ? std::string("-") : site.target) + ": this process holds " +
            std::to_string(state.holding) + " connection(s) there and may open " +
            std::to_string(state.limit) +
            "; the server refused more. Hold connections for shorter or allow a longer deadline."};
    const std::string summary = "connguard gave up after 0 attempts in " + seconds_text(elapsed) +
                                " (reason: deadline; no attempt, waited in the limiter's queue; " +
                                where(site) + ")";
    report_give_up(site, waited, 0, elapsed, Reason::Deadline, ErrorClass::Capacity, summary,
                   policy.max_attempts, sink);
    throw ConnectError(waited.code, waited.sqlstate, waited.message, 0, elapsed, Reason::Deadline,
                       ErrorClass::Capacity, summary);
}

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
        clock.sleep_for(call->failed(*failure).delay);
    }
}

Admitted retry_connect_gated(const Policy& policy, const CallSite& site, const Attempt& attempt, Gate& gate,
                             const LogSink& sink, const SeedSource& seed) {
    Clock& clock = gate.clock();
    const double start = clock.now();
    const double deadline = start + policy.deadline;
    std::optional<FailedCall> call;
    Gate::Place place = gate.enter();
    while (true) {
        if (!place.wait(deadline)) {
            if (!call) never_admitted(policy, site, gate, clock.now() - start, sink);
            call->waited_out();
        }
        const std::optional<AttemptFailure> failure = attempt();
        if (!failure) {
            Slot slot = place.connected();
            return {call ? call->succeeded() : 1, std::move(slot)};
        }
        if (!call) call.emplace(policy, site, clock, sink, start, seed());
        const Verdict verdict = call->failed(*failure, true);
        if (verdict.error_class == ErrorClass::Capacity) {
            place.rejected();  // keeps its turn at the queue's head: no blind sleep
        } else {
            place.leave();
            clock.sleep_for(verdict.delay);
            place.rejoin();
        }
    }
}

}  // namespace connguard
