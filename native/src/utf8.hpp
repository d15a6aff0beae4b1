// Where text stops being UTF-8: a policy file that is not is a syntax error on
// that line (spec 1.3), found before toml++ reads it, as every language does.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace connguard::detail {

// The offset of the first byte that starts no well-formed UTF-8 sequence.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace connguard::detail
