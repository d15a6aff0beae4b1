// The limit of docs/spec.md 1.3 on how long a number is written, which toml++
// keeps for some forms of number only (126 characters for a decimal integer,
// none for a hexadecimal one): a scan of the text's values finds the first
// number past it, wherever toml++ itself stops.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace connguard::detail {

constexpr std::size_t kMaxNumberLength = 126;  // sign and underscores included

// The offset of the first bare value that is a number (it starts with a digit
// or a sign, and is no date or time) longer than kMaxNumberLength.
std::optional<std::size_t> first_long_number(std::string_view text);

}  // namespace connguard::detail
