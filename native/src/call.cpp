#include "connguard/call.hpp"

#include <algorithm>
#include <string>

namespace connguard {
namespace {

using Do = Action::Do;

Action make(Do kind) {
    Action action;
    action.kind = kind;
    return action;
}

}  // namespace

std::string_view to_string(Action::Do kind) {
    switch (kind) {
        case Do::Join: return "join";
        case Do::Wait: return "wait";
        case Do::Attempt: return "attempt";
        case Do::Connected: return "connected";
        case Do::Rejected: return "rejected";
        case Do::Left: return "left";
        case Do::Sleep: return "sleep";
        case Do::Retry: return "retry";
        case Do::GiveUp: return "give_up";
        case Do::Done: return "done";
    }
    return "unknown";
}

std::string_view to_string(Call::Phase phase) {
    switch (phase) {
        case Call::Phase::Idle: return "idle";
        case Call::Phase::Waiting: return "waiting";
        case Call::Phase::Attempting: return "attempting";
        case Call::Phase::Sleeping: return "sleeping";
        case Call::Phase::Done: return "done";
    }
    return "unknown";
}

void Actions::push_back(const Action& action) {
    if (size_ == kCapacity) throw std::length_error("connguard::Actions: an event answers at most 3 actions");
    items_[size_++] = action;
}

Call::Call(const Policy& policy, std::uint64_t seed, bool gated) : decision_(policy, seed), gated_(gated) {}

Actions Call::start() {
    expect("start", {Phase::Idle});
    Actions actions;
    if (gated_) {
        actions.push_back(make(Do::Join));
        queue(actions);
    } else {
        attempt(actions, 0.0);
    }
    return actions;
}

Actions Call::granted(double t) {
    expect("granted", {Phase::Waiting});
    Actions actions;
    attempt(actions, t);
    return actions;
}

Actions Call::succeeded(double t) {
    expect("succeeded", {Phase::Attempting});
    Actions actions;
    if (gated_) actions.push_back(make(Do::Connected));
    Action done = make(Do::Done);
    done.attempts = decision_.after_success();
    done.elapsed = t;
    actions.push_back(done);
    phase_ = Phase::Done;
    return actions;
}

Actions Call::failed(double t, std::optional<int> code) {
    expect("failed", {Phase::Attempting});
    const Verdict verdict = decision_.after_failure(code, t);
    last_code_ = code;
    last_class_ = verdict.error_class;
    // A gated capacity refusal keeps its turn at the queue's head, so the
    // limit learns from it; the limiter hears of every refusal first.
    const bool queued = gated_ && verdict.error_class == ErrorClass::Capacity;
    Actions actions;
    if (gated_) actions.push_back(make(queued ? Do::Rejected : Do::Left));
    if (!verdict.retry) {
        if (queued) actions.push_back(make(Do::Left));
        give_up(actions, verdict.reason, t);
        return actions;
    }
    Action retry = make(Do::Retry);
    retry.attempt = verdict.attempt;
    retry.max_attempts = policy().max_attempts;
    retry.code = code;
    retry.error_class = verdict.error_class;
    retry.elapsed = t;
    if (queued) {
        // Waits for a freed slot instead of sleeping; the decision still
        // checked the deadline with the delay it drew.
        actions.push_back(retry);
        queue(actions);
        return actions;
    }
    retry.delay = verdict.delay;
    actions.push_back(retry);
    Action sleep = make(Do::Sleep);
    sleep.delay = verdict.delay;
    actions.push_back(sleep);
    phase_ = Phase::Sleeping;
    return actions;
}

Actions Call::woke(double t) {
    expect("woke", {Phase::Sleeping});
    Actions actions;
    if (t >= policy().deadline) {
        give_up(actions, Reason::Deadline, t);  // the sleep overran: out of the gate, nothing to leave
    } else if (gated_) {
        actions.push_back(make(Do::Join));  // the queue's tail again
        queue(actions);
    } else {
        attempt(actions, t);
    }
    return actions;
}

Actions Call::expired(double t) {
    expect("expired", {Phase::Waiting});
    Actions actions;
    expire(actions, t);
    return actions;
}

Actions Call::abandoned(double /*t*/) {
    expect("abandoned", {Phase::Waiting, Phase::Attempting, Phase::Sleeping});
    Actions actions;
    // A sleeping caller already left the gate.
    if (gated_ && phase_ != Phase::Sleeping) actions.push_back(make(Do::Left));
    phase_ = Phase::Done;
    return actions;
}

void Call::expect(const char* event, std::initializer_list<Phase> phases) const {
    if (std::find(phases.begin(), phases.end(), phase_) == phases.end()) {
        throw CallError("connguard::Call: " + std::string(event) + " while " +
                        std::string(to_string(phase_)));
    }
}

void Call::attempt(Actions& actions, double t) {
    const double left = policy().deadline - t;
    // Granted with no time left to try in.
    if (left <= 0.0) return expire(actions, t);
    Action attempt = make(Do::Attempt);
    attempt.timeout = std::min(policy().connect_timeout, left);
    actions.push_back(attempt);
    phase_ = Phase::Attempting;
}

void Call::queue(Actions& actions) {
    Action wait = make(Do::Wait);
    wait.until = policy().deadline;
    actions.push_back(wait);
    phase_ = Phase::Waiting;
}

void Call::expire(Actions& actions, double t) {
    // Only a gated call holds a ticket to leave.
    if (gated_) actions.push_back(make(Do::Left));
    give_up(actions, Reason::Deadline, t);
}

void Call::give_up(Actions& actions, Reason reason, double t) {
    Action give_up = make(Do::GiveUp);
    give_up.reason = reason;
    give_up.attempts = decision_.attempts();
    give_up.elapsed = t;
    give_up.code = last_code_;
    give_up.error_class = last_class_;
    give_up.attempted = last_class_.has_value();
    actions.push_back(give_up);
    phase_ = Phase::Done;
}

}  // namespace connguard
