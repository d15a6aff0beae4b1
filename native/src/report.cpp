#include "connguard/report.hpp"

#include <array>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "connguard/classification.hpp"

namespace connguard {
namespace {

// `value` with `decimals` digits after the point, rounded like printf (and
// Python's format: both round the exact binary value).
std::string fixed(double value, int decimals) {
    std::array<char, 64> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%.*f", decimals, value);
    return std::string(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
}

// "1040 ER_CON_COUNT_ERROR", "1205" (not in the table), "network".
std::string code_text(const std::optional<int>& code) {
    if (!code) return "network";
    std::string text = std::to_string(*code);
    if (const CodeInfo* info = lookup_code(*code)) text.append(" ").append(info->name);
    return text;
}

std::string where(std::string_view service, std::string_view target) {
    std::string text = "service=";
    text.append(service.empty() ? "default" : service)
        .append(" target=")
        .append(target.empty() ? "-" : target);
    return text;
}

void expect_kind(const Action& action, Action::Do kind) {
    if (action.kind != kind) {
        throw std::invalid_argument("connguard: a " + std::string(to_string(action.kind)) +
                                    " action where a " + std::string(to_string(kind)) + " was expected");
    }
}

std::string_view class_text(const Action& action) {
    if (!action.error_class) throw std::invalid_argument("connguard: the action has no error class");
    return to_string(*action.error_class);
}

std::string give_up_head(std::string_view service, std::string_view target, const Action& g) {
    expect_kind(g, Action::Do::GiveUp);
    std::string text = "connguard gave up after ";
    if (!g.attempted) {
        text.append("0 attempts in ")
            .append(fixed(g.elapsed, 3))
            .append("s (reason: deadline; no attempt, waited in the limiter's queue; ")
            .append(where(service, target))
            .append(")");
        return text;
    }
    if (!g.reason) throw std::invalid_argument("connguard: the give_up action has no reason");
    text.append(std::to_string(g.attempts))
        .append(g.attempts == 1 ? " attempt in " : " attempts in ")
        .append(fixed(g.elapsed, 3))
        .append("s (reason: ")
        .append(to_string(*g.reason))
        .append("; last error ")
        .append(code_text(g.code))
        .append(", ")
        .append(class_text(g))
        .append("; ")
        .append(where(service, target))
        .append(")");
    return text;
}

}  // namespace

std::string retry_line(std::string_view service, std::string_view target, const Action& retry,
                       std::string_view message) {
    expect_kind(retry, Action::Do::Retry);
    std::string text = "connguard retry: ";
    text.append(where(service, target))
        .append(" code=")
        .append(code_text(retry.code))
        .append(" (")
        .append(class_text(retry))
        .append(") attempt ")
        .append(std::to_string(retry.attempt))
        .append("/")
        .append(std::to_string(retry.max_attempts))
        .append(retry.delay ? ", next in " + fixed(*retry.delay, 3) + "s: " : ", queued for a free slot: ")
        .append(message);
    return text;
}

std::string give_up_summary(std::string_view service, std::string_view target, const Action& give_up) {
    std::string text = give_up_head(service, target, give_up);
    const CodeInfo* info = give_up.code ? lookup_code(*give_up.code) : nullptr;
    if (give_up.attempted && give_up.reason == Reason::Fatal && info != nullptr) {
        text.append("; ").append(code_text(give_up.code)).append(": ").append(info->advice);
    }
    return text;
}

std::string give_up_line(std::string_view service, std::string_view target, const Action& give_up,
                         std::string_view message) {
    std::string text = give_up_head(service, target, give_up);
    text.append(": ").append(message);
    return text;
}

std::string queue_timeout_message(std::string_view target, double waited, int holding, int limit) {
    std::string text = "connguard waited ";
    text.append(fixed(waited, 2))
        .append("s (the policy deadline) for a turn to connect to ")
        .append(target.empty() ? "-" : target)
        .append(": this process holds ")
        .append(std::to_string(holding))
        .append(" connection(s) there and may open ")
        .append(std::to_string(limit))
        .append("; the server refused more. Hold connections for shorter or allow a longer deadline.");
    return text;
}

}  // namespace connguard
