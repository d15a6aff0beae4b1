#include "connguard/policy_error.hpp"

#include <utility>

namespace connguard {
namespace {

std::string format_message(const std::string& file, int line, const std::string& table,
                           const std::string& key, const std::string& problem, const std::string& allowed) {
    std::string message = file;
    if (line != 0) message += ":" + std::to_string(line);
    message += ": ";
    if (!table.empty()) message += "[" + table + "] ";
    if (!key.empty()) message += key + ": ";
    message += problem;
    if (!allowed.empty()) message += " (allowed: " + allowed + ")";
    return message;
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
    : std::runtime_error(format_message(file, line, table, key, problem, allowed)),
      kind_(kind),
      file_(std::move(file)),
      line_(line),
      table_(std::move(table)),
      key_(std::move(key)),
      problem_(std::move(problem)),
      allowed_(std::move(allowed)) {}

}  // namespace connguard
