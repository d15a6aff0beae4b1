// A PolicySet from an already-parsed toml++ table, for the code built with
// connguard (the Python extension, the tests). Not installed: consumers of the
// library never see toml++, which src/toml_impl.cpp compiles in.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "connguard/policy_set.hpp"

namespace connguard::detail {

// Validates `table` as a file's (e.g. a Python dict converted to TOML,
// source_name "<dict>"); lines are 0 where the nodes carry no source.
PolicySet policy_set_from_table(const toml::table& table, std::string source_name);

}  // namespace connguard::detail
