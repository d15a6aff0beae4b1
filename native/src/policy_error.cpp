#include "connguard/policy_error.hpp"

#include <cstdio>
#include <optional>
#include <utility>

namespace connguard {
namespace {

// Control characters (a NUL or a newline in a quoted key, say) as \uXXXX:
// the message stays one whole line, and what() is not cut short at a NUL.
std::string escape_controls(const std::string& text) {
    std::string escaped;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04X", byte);
            escaped += escape;
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string format_message(const std::string& file, int line, const std::string& table,
                           const std::string& key, const std::string& problem, const std::string& allowed) {
    std::string message = file;
    if (line != 0) message += ":" + std::to_string(line);
    message += ": ";
    if (!table.empty()) message += "[" + table + "] ";
    if (!key.empty()) message += key + ": ";
    message += problem;
    if (!allowed.empty()) message += " (allowed: " + allowed + ")";
    return escape_controls(message);
}

}  // namespace

std::string_view to_string(PolicyErrorKind kind) {
    switch (kind) {
        case PolicyErrorKind::Io: return "io";
        case PolicyErrorKind::Syntax: return "syntax";
        case PolicyErrorKind::UnknownTable: return "unknown_table";
        case PolicyErrorKind::UnknownKey: return "unknown_key";
        case PolicyErrorKind::WrongType: return "wrong_type";
        case PolicyErrorKind::OutOfRange: return "out_of_range";
        case PolicyErrorKind::BadDuration: return "bad_duration";
        case PolicyErrorKind::BadChoice: return "bad_choice";
        case PolicyErrorKind::Inconsistent: return "inconsistent";
        case PolicyErrorKind::UnknownService: return "unknown_service";
    }
    return "unknown";
}

PolicyError::PolicyError(PolicyErrorKind kind, std::string file, int line, std::string table, std::string key,
                         std::string problem, std::string allowed)
    : Error(format_message(file, line, table, key, problem, allowed), std::nullopt, ""),
      kind_(kind),
      file_(std::move(file)),
      line_(line),
      table_(std::move(table)),
      key_(std::move(key)),
      problem_(std::move(problem)),
      allowed_(std::move(allowed)) {}

}  // namespace connguard
