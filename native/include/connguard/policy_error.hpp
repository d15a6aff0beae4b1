// The single error a failed policy load reports (spec 1.3).
#pragma once

#include <string>
#include <string_view>

#include "connguard/error.hpp"

namespace connguard {

enum class PolicyErrorKind {
    Io,
    Syntax,
    UnknownTable,
    UnknownKey,
    WrongType,
    OutOfRange,
    BadDuration,
    BadChoice,
    Inconsistent,
    UnknownService,
};

// "io", "syntax", "unknown_table", ... as named in the spec.
std::string_view to_string(PolicyErrorKind kind);

// what() is `FILE:LINE: [TABLE] KEY: PROBLEM (allowed: ALLOWED)`, leaving out
// `:LINE` when line is 0, `[TABLE] ` when table is empty and `KEY: ` when key
// is empty (and ` (allowed: ...)` when allowed is empty, which connguard's own
// errors never are). code() is nullopt: the error is the file's, not a server's.
class PolicyError : public Error {
public:
    PolicyError(PolicyErrorKind kind, std::string file, int line, std::string table, std::string key,
                std::string problem, std::string allowed);

    PolicyErrorKind kind() const noexcept { return kind_; }
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }  // 1-based, 0 = unknown
    const std::string& table() const noexcept { return table_; }
    const std::string& key() const noexcept { return key_; }
    const std::string& problem() const noexcept { return problem_; }
    const std::string& allowed() const noexcept { return allowed_; }

private:
    PolicyErrorKind kind_;
    std::string file_;
    int line_;
    std::string table_;
    std::string key_;
    std::string problem_;
    std::string allowed_;
};

}  // namespace connguard
