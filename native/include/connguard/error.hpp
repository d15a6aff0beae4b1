// The base of every exception connguard throws, so that a service can catch
// them all in one place and map them into its own hierarchy.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace connguard {

// ConnectError (open() gave up), QueryError (a statement failed), UsageError
// (a call the object's state does not allow) and PolicyError (a bad policy
// file) derive from it. A std::runtime_error, so handlers of that catch it too.
class Error : public std::runtime_error {
public:
    // The driver's or server's error number (mysql_errno); nullopt when the
    // error is connguard's own (a policy file, a misuse, a deadline passed in
    // the limiter's queue) or a network failure that carried none.
    std::optional<int> code() const noexcept { return code_; }
    // The SQLSTATE that came with code(); "" when none did.
    const std::string& sqlstate() const noexcept { return sqlstate_; }

protected:
    Error(const std::string& what, std::optional<int> code, std::string sqlstate);

private:
    std::optional<int> code_;
    std::string sqlstate_;
};

}  // namespace connguard
