#include "connguard/environment_policy.hpp"

#include <cstdlib>

#include "connguard/policy_set.hpp"

namespace connguard {
namespace {

std::string_view env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

}  // namespace

Policy environment_policy(std::string_view service) {
    const std::string_view path = env(kPolicyEnv);
    if (path.empty()) return Policy{};
    return load_policy(std::filesystem::path(path), service.empty() ? env(kServiceEnv) : service);
}

std::string service_name(const Policy& policy, std::string_view service) {
    if (!service.empty()) return std::string(service);
    if (!policy.service.empty()) return policy.service;
    return std::string(env(kServiceEnv));
}

}  // namespace connguard
