// Masking the secrets in a text (spec 4.3): one rule for every text that can
// hold a connection target or a driver's message, shared with Python through
// the binding. tests/vectors/mask.json pins it, as for every implementation.
#pragma once

#include <string>
#include <string_view>

namespace connguard {

// `text` with, line by line, a URL's password ("mysql://app:***@db/main") and
// the value of every password, passwd, pwd, pass or secret pair
// ("password=***") shown as "***"; MariaDB's "(using password: YES)" stays.
std::string mask_dsn(std::string_view text);

}  // namespace connguard
