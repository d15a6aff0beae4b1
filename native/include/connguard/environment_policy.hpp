// The policy a service gets when its code names none, as in the Python
// adapters: the file $CONNGUARD_POLICY for the service, else the defaults.
#pragma once

#include <string>
#include <string_view>

#include "connguard/policy.hpp"

namespace connguard {

inline constexpr const char* kPolicyEnv = "CONNGUARD_POLICY";
inline constexpr const char* kServiceEnv = "CONNGUARD_SERVICE";

// The effective policy of `service` (or, when empty, of $CONNGUARD_SERVICE)
// in the file named by $CONNGUARD_POLICY; the built-in defaults when that
// variable is unset or empty. Throws PolicyError for a bad or unreadable file.
Policy environment_policy(std::string_view service = "");

// The service to name in log lines: `service`, else the policy's, else
// $CONNGUARD_SERVICE, else "".
std::string service_name(const Policy& policy, std::string_view service = "");

}  // namespace connguard
