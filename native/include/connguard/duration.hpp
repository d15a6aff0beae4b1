// Durations as written in policy files (spec 1.2): "250ms", "5s", "2m".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace connguard {

// Seconds denoted by text matching ^[0-9]+(\.[0-9]+)?(ms|s|m)$, else nullopt.
// The number is read as the nearest double (locale-independent), then divided
// by 1000 (ms), kept (s) or multiplied by 60 (m). A number too large for a
// double yields infinity; callers range-check the result.
std::optional<double> parse_duration(std::string_view text);

// Shortest text that parse_duration maps back to exactly `seconds`
// ("50ms", "5s", "2m", "1.5s"); on a tie s is preferred, then ms, then m.
// Precondition: seconds is finite and >= 0 (throws std::domain_error otherwise).
std::string format_duration(double seconds);

}  // namespace connguard
