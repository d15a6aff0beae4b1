#include "connguard/retry_connect.hpp"

#include <random>
#include <string>
#include <utility>

#include "connguard/call.hpp"
#include "connguard/connect_error.hpp"
#include "connguard/events.hpp"
#include "connguard/report.hpp"

namespace connguard {
namespace {

// Performs one Call's actions in order (spec 7): every decision is the Call's.
// Emits the call's events as it goes (spec 8.1). `gate` and `ticket` are null
// for a call that goes through no gate.
class Runner {
public:
    Runner(const Policy& policy, const CallSite& site, const Attempt& attempt, Clock& clock,
           const LogSink& sink, std::uint64_t seed, const Gate* gate, Gate::Ticket* ticket)
        : site_(site),
          attempt_(attempt),
          clock_(clock),
          sink_(sink),
          gate_(gate),
          ticket_(ticket),
          start_(clock.now()),
          call_(policy, seed, ticket != nullptr) {}

    Admitted run() {
        Actions actions = call_.start();
        while (true) {
            std::optional<Actions> next;
            for (const Action& action : actions) {
                if (action.kind == Action::Do::Done) {
                    if (observed()) emit_connected(action);
                    return {action.attempts, std::move(slot_)};
                }
                next = perform(action);
            }
            actions = next.value();  // the last action of each answer leads to the next event
        }
    }

private:
    double elapsed() const { return clock_.now() - start_; }

    // The call's answer to the event the action leads to, if it leads to one.
    std::optional<Actions> perform(const Action& action) {
        switch (action.kind) {
            case Action::Do::Join: ticket_->join(); break;
            case Action::Do::Wait: return wait(*action.until);
            case Action::Do::Attempt: return attempt(*action.timeout);
            case Action::Do::Connected: slot_ = ticket_->connected(); break;
            case Action::Do::Rejected: ticket_->rejected(); break;
            case Action::Do::Left: ticket_->left(); break;
            case Action::Do::Sleep: clock_.sleep_for(*action.delay); return call_.woke(elapsed());
            case Action::Do::Retry:
                log_retry(action);
                if (observed()) emit_retry(action);
                break;
            case Action::Do::GiveUp: give_up(action);
            case Action::Do::Done: break;  // run() returns
        }
        return std::nullopt;
    }

    Actions wait(double until) {
        const double joined = elapsed();
        if (!ticket_->wait(start_ + until)) return call_.expired(elapsed());
        const double t = elapsed();
        if (observed()) {
            Event granted = event(EventName::Granted);
            granted.waited = t - joined;
            emit(granted);
        }
        return call_.granted(t);
    }

    Actions attempt(double timeout) {
        if (observed()) {
            Event attempt = event(EventName::Attempt);
            attempt.attempt = call_.attempts() + 1;
            emit(attempt);
        }
        std::optional<AttemptFailure> failure;
        try {
            failure = attempt_(timeout);
        } catch (...) {
            // Not a connection failure: off the gate, then it propagates as it is.
            for (const Action& action : call_.abandoned(elapsed())) perform(action);
            throw;
        }
        if (!failure) return call_.succeeded(elapsed());
        last_ = std::move(*failure);
        const double t = elapsed();
        Actions actions = call_.failed(t, last_.code);
        if (observed()) emit_failed(actions, t);
        return actions;
    }

    // A call's event with its service and target as log lines print them.
    Event event(EventName name) const {
        Event event;
        event.name = name;
        event.service = site_.service.empty() ? "default" : site_.service;
        event.target = site_.target.empty() ? "-" : site_.target;
        return event;
    }

    // Before the actions the failure answers; its class is the one the call's
    // retry or give_up judged.
    void emit_failed(const Actions& actions, double t) const {
        Event failed = event(EventName::Failed);
        failed.attempt = call_.attempts();
        failed.code = last_.code;
        failed.elapsed = t;
        for (const Action& action : actions) {
            if (action.kind == Action::Do::Retry || action.kind == Action::Do::GiveUp) {
                failed.error_class = action.error_class;
            }
        }
        emit(failed);
    }

    void emit_retry(const Action& retry) const {
        Event event = this->event(EventName::Retry);
        event.attempt = retry.attempt;
        event.delay = retry.delay;
        event.elapsed = retry.elapsed;
        emit(event);
    }

    void emit_give_up(const Action& give_up) const {
        Event event = this->event(EventName::GiveUp);
        event.reason = give_up.reason;
        event.attempts = give_up.attempts;
        event.elapsed = give_up.elapsed;
        event.code = give_up.code;
        event.error_class = give_up.error_class;
        emit(event);
    }

    void emit_connected(const Action& done) const {
        Event event = this->event(EventName::Connected);
        event.attempts = done.attempts;
        event.elapsed = done.elapsed;
        emit(event);
    }

    void log_retry(const Action& retry) const {
        if (!sink_) return;
        sink_(LogRecord{LogLevel::Warning, LogEvent::Retry,
                        retry_line(site_.service, site_.target, retry, last_.message), site_.service,
                        site_.target, retry.code, *retry.error_class, retry.attempt, retry.max_attempts,
                        retry.delay.value_or(0.0), retry.elapsed, std::nullopt});
    }

    [[noreturn]] void give_up(const Action& give_up) const {
        // Never attempted: there is no driver error to end with, so say what it waited for.
        const AttemptFailure failure = give_up.attempted ? last_ : waited(give_up.elapsed);
        const ErrorClass error_class = give_up.error_class.value_or(ErrorClass::Capacity);
        if (sink_) {
            sink_(LogRecord{LogLevel::Error, LogEvent::GiveUp,
                            give_up_line(site_.service, site_.target, give_up, failure.message),
                            site_.service, site_.target, failure.code, error_class, give_up.attempts,
                            call_.policy().max_attempts, 0.0, give_up.elapsed, give_up.reason});
        }
        if (observed()) emit_give_up(give_up);
        throw ConnectError(failure.code, failure.sqlstate, failure.message, give_up.attempts, give_up.elapsed,
                           *give_up.reason, error_class,
                           give_up_summary(site_.service, site_.target, give_up));
    }

    AttemptFailure waited(double elapsed) const {
        const Gate::State state = gate_->state();
        return {std::nullopt, "", queue_timeout_message(site_.target, elapsed, state.holding, state.limit)};
    }

    const CallSite& site_;
    const Attempt& attempt_;
    Clock& clock_;
    const LogSink& sink_;
    const Gate* gate_;
    Gate::Ticket* ticket_;
    double start_;
    Call call_;
    AttemptFailure last_;
    Slot slot_;
};

}  // namespace

std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
}

int retry_connect(const Policy& policy, const CallSite& site, const Attempt& attempt, Clock& clock,
                  const LogSink& sink, const SeedSource& seed) {
    return Runner(policy, site, attempt, clock, sink, seed(), nullptr, nullptr).run().attempts;
}

Admitted retry_connect_gated(const Policy& policy, const CallSite& site, const Attempt& attempt, Gate& gate,
                             const LogSink& sink, const SeedSource& seed) {
    Gate::Ticket ticket = gate.ticket();
    return Runner(policy, site, attempt, gate.clock(), sink, seed(), &gate, &ticket).run();
}

}  // namespace connguard
