// Where connguard's log lines go: one WARNING per retry, one ERROR on give-up
// (spec 4.2). A plain callable, so any logging framework can be plugged in
// without connguard depending on it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "connguard/classification.hpp"
#include "connguard/decision.hpp"

namespace connguard {

enum class LogLevel { Warning, Error };

// "WARNING", "ERROR".
std::string_view to_string(LogLevel level);

enum class LogEvent { Retry, GiveUp };

// One log line with its fields, for sinks that log structured data.
struct LogRecord {
    LogLevel level;
    LogEvent event;
    // The line, worded like the Python adapters' (connguard/report.py), with
    // every password masked.
    std::string message;
    std::string service;      // "" = the [default] policy
    std::string target;       // masked DSN: mariadb://user:***@host:port/db
    std::optional<int> code;  // nullopt = network error
    ErrorClass error_class;
    int attempt;  // the failed attempt (for GiveUp: the attempts made)
    int max_attempts;
    double delay;                  // Retry: seconds until the next attempt
    double elapsed;                // seconds since the first attempt started
    std::optional<Reason> reason;  // GiveUp only
};

using LogSink = std::function<void(const LogRecord&)>;

// The default: `connguard LEVEL: MESSAGE` on one line to stderr.
LogSink stderr_sink();

}  // namespace connguard
