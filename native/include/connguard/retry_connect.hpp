// One call (spec 4): connect attempts, retried through the engine's Decision,
// sleeping on a Clock and reporting to a LogSink, and optionally admitted by a
// limiter Gate (spec 6). Driver-free: MySQLDB runs it with Connector/C
// attempts, unit tests with scripted ones.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "connguard/clock.hpp"
#include "connguard/gate.hpp"
#include "connguard/log_sink.hpp"
#include "connguard/policy.hpp"

namespace connguard {

// A failed attempt as the driver reported it.
struct AttemptFailure {
    std::optional<int> code;  // nullopt = network error without a code
    std::string sqlstate;
    std::string message;  // the driver's text, password already masked
};

// nullopt when the attempt connected.
using Attempt = std::function<std::optional<AttemptFailure>()>;
using SeedSource = std::function<std::uint64_t()>;

// 64 bits from std::random_device: a fresh seed per call, so neither threads
// nor forked workers replay each other's jitter.
std::uint64_t random_seed();

// Who and what a call connects to, as log lines and errors name them.
struct CallSite {
    std::string service;  // "" = the [default] policy
    std::string target;   // masked DSN, "" if unknown
};

// Runs `attempt` until it connects and returns the attempts made. On give-up
// throws ConnectError with the last failure. The seed is drawn only after a
// first failure, so a call that connects at once costs no entropy.
int retry_connect(const Policy& policy, const CallSite& site, const Attempt& attempt, Clock& clock,
                  const LogSink& sink, const SeedSource& seed = random_seed);

// What a gated call connected with: the attempts made and the connection's Slot.
struct Admitted {
    int attempts;
    Slot slot;
};

// retry_connect through `gate`, on the gate's clock: every attempt waits for
// the gate's grant. A capacity refusal the decision would retry waits in the
// queue rather than sleeping (logged "queued for a free slot"); any other
// retried failure leaves the queue, sleeps its delay and joins again. When the
// deadline passes in the queue it gives up with the last failure, or, never
// having attempted, with a ConnectError saying it waited (no code, 0 attempts).
Admitted retry_connect_gated(const Policy& policy, const CallSite& site, const Attempt& attempt, Gate& gate,
                             const LogSink& sink, const SeedSource& seed = random_seed);

}  // namespace connguard
