// The error MySQLDB::open throws when connguard gives up (spec 4.1): the
// driver's own last error, with the attempts, elapsed time and reason.
#pragma once

#include <optional>
#include <string>

#include "connguard/classification.hpp"
#include "connguard/decision.hpp"
#include "connguard/error.hpp"

namespace connguard {

class ConnectError : public Error {
public:
    // `message` is the driver's text with any password already masked. what()
    // is that text, then code and SQLSTATE, then connguard's summary. With 0
    // attempts (the deadline passed in the limiter's queue) there is no driver
    // error: what() is `message`, connguard's own, and code() is nullopt.
    ConnectError(std::optional<int> code, std::string sqlstate, std::string message, int attempts,
                 double elapsed, Reason reason, ErrorClass error_class, const std::string& summary);

    // code() is the driver's error number (mysql_errno), nullopt for a network
    // error that carried none; sqlstate() its SQLSTATE (Error).
    const std::string& message() const noexcept { return message_; }
    int attempts() const noexcept { return attempts_; }
    double elapsed() const noexcept { return elapsed_; }  // seconds
    Reason reason() const noexcept { return reason_; }
    ErrorClass error_class() const noexcept { return error_class_; }

private:
    std::string message_;
    int attempts_;
    double elapsed_;
    Reason reason_;
    ErrorClass error_class_;
};

}  // namespace connguard
