// One validated policy file: its [default] policy and every [service.NAME]
// policy, all effective (inheritance applied) and checked at load time.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "connguard/policy.hpp"
#include "connguard/policy_error.hpp"

namespace connguard {
namespace detail {
class PolicyValidator;
}

class PolicySet {
public:
    // Both throw PolicyError; nothing is returned unless every table of the
    // file is valid.
    static PolicySet parse(std::string_view toml_text, std::string file_name = "<string>");
    // Io if the file cannot be read; messages name the path as given.
    static PolicySet load(const std::filesystem::path& path);

    const Policy& defaults() const noexcept { return defaults_; }
    // Throws PolicyError (UnknownService) listing the services the file defines.
    const Policy& service(std::string_view name) const;
    // In file order (key order for tables without source positions).
    std::vector<std::string> service_names() const;
    const std::string& source() const noexcept { return source_; }

private:
    // Made only by validation, of a file or of a toml::table (src/policy_set_table.hpp:
    // toml++ stays out of the installed headers).
    friend class detail::PolicyValidator;
    PolicySet(std::string source, Policy defaults, std::vector<Policy> services);

    std::string source_;
    Policy defaults_;
    std::vector<Policy> services_;
};

// The effective policy of `service` in the file at `path`; "" = [default].
Policy load_policy(const std::filesystem::path& path, std::string_view service = "");

}  // namespace connguard
