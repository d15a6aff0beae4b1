#include "connguard/duration.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace connguard {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Length of the leading run of digits of `text` from `pos`.
std::size_t digits_from(std::string_view text, std::size_t pos) {
    std::size_t end = pos;
    while (end < text.size() && is_digit(text[end])) ++end;
    return end - pos;
}

// Shortest fixed-notation text that reads back as exactly `value`.
std::string fixed_shortest(double value) {
    std::array<char, 400> buf{};  // enough for any finite double in fixed form
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed);
    if (ec != std::errc()) throw std::domain_error("format_duration: cannot format value");
    return std::string(buf.data(), end);
}

}  // namespace

std::optional<double> parse_duration(std::string_view text) {
    // Match ^[0-9]+(\.[0-9]+)?(ms|s|m)$ by hand: <regex> is slow and
    // locale-aware, and this grammar is tiny.
    std::size_t pos = digits_from(text, 0);
    if (pos == 0) return std::nullopt;
    if (pos < text.size() && text[pos] == '.') {
        const std::size_t fraction = digits_from(text, pos + 1);
        if (fraction == 0) return std::nullopt;
        pos += 1 + fraction;
    }
    const std::string_view number = text.substr(0, pos);
    const std::string_view unit = text.substr(pos);
    if (unit != "ms" && unit != "s" && unit != "m") return std::nullopt;

    double value = 0.0;
    const auto [end, ec] =
        std::from_chars(number.data(), number.data() + number.size(), value, std::chars_format::fixed);
    if (ec == std::errc::result_out_of_range) {
        // from_chars leaves value untouched: an integer part other than zeros
        // overflowed, otherwise the number underflowed to (nearly) zero.
        const bool overflow = number.find_first_not_of("0.") < number.find('.');
        value = overflow ? HUGE_VAL : 0.0;
    } else if (ec != std::errc() || end != number.data() + number.size()) {
        return std::nullopt;
    }

    if (unit == "ms") return value / 1000.0;
    if (unit == "m") return value * 60.0;
    return value;
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0) {
        throw std::domain_error("format_duration: duration must be finite and >= 0");
    }
    // Candidates in tie-break order; "s" always round-trips, the others only
    // when scaling loses nothing.
    const std::array<std::string, 3> candidates = {
        fixed_shortest(seconds) + "s",
        fixed_shortest(seconds * 1000.0) + "ms",
        fixed_shortest(seconds / 60.0) + "m",
    };
    const std::string* best = &candidates[0];
    for (const std::string& candidate : candidates) {
        if (candidate.size() < best->size() && parse_duration(candidate) == seconds) {
            best = &candidate;
        }
    }
    return *best;
}

}  // namespace connguard
