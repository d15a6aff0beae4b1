#include "connguard/log_sink.hpp"

#include <cstdio>
#include <string>

namespace connguard {

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::Warning: return "WARNING";
        case LogLevel::Error: return "ERROR";
    }
    return "unknown";
}

LogSink stderr_sink() {
    return [](const LogRecord& record) {
        // One write per line, so lines of concurrent calls do not interleave.
        const std::string line =
            "connguard " + std::string(to_string(record.level)) + ": " + record.message + "\n";
        std::fwrite(line.data(), 1, line.size(), stderr);
    };
}

}  // namespace connguard
