// One call (spec 7) run on threads: the engine's Call decides, and this runner
// performs its actions: attempts with their cap, sleeps on a Clock, waits at a
// limiter Gate (spec 6.1), logs to a LogSink and emits the call's events to
// the process's event sinks (events.hpp, spec 8.1). Driver-free: MySQLDB runs
// it with Connector/C attempts, unit tests with scripted ones.
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

// One connection attempt, which must end within `timeout` seconds (the call's
// cap: the policy's connect_timeout, less as the deadline nears); nullopt
// when it connected. An attempt the cap cuts off fails as a network error.
using Attempt = std::function<std::optional<AttemptFailure>(double timeout)>;
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
// throws ConnectError with the last failure; an exception of `attempt`
// propagates as it is. Each call draws one seed.
int retry_connect(const Policy& policy, const CallSite& site, const Attempt& attempt, Clock& clock,
                  const LogSink& sink, const SeedSource& seed = random_seed);

// What a gated call connected with: the attempts made and the connection's Slot.
struct Admitted {
    int attempts;
    Slot slot;
};

// retry_connect through `gate`, on the gate's clock: every attempt waits for
// its turn at the gate. A capacity refusal the decision would retry waits in
// the queue rather than sleeping (logged "queued for a free slot"); any other
// retried failure leaves the queue, sleeps its delay and joins again. The gate
// hears of every refusal before the call gives up. When the deadline passes in
// the queue it gives up with the last failure, or, never having attempted,
// with a ConnectError saying it waited (no code, 0 attempts).
Admitted retry_connect_gated(const Policy& policy, const CallSite& site, const Attempt& attempt, Gate& gate,
                             const LogSink& sink, const SeedSource& seed = random_seed);

}  // namespace connguard
