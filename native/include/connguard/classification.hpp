// Mapping a failed attempt's error to a retry class (spec 2).
#pragma once

#include <optional>
#include <string_view>

#include "connguard/policy.hpp"

namespace connguard {

enum class ErrorClass { Capacity, Transient, Fatal };

// "capacity", "transient", "fatal".
std::string_view to_string(ErrorClass error_class);

// What connguard knows about a server or client error number.
struct CodeInfo {
    int code;
    std::string_view name;     // symbolic name, e.g. "ER_CON_COUNT_ERROR"
    ErrorClass error_class;    // built-in class
    std::string_view meaning;  // one line: what happened
    std::string_view advice;   // one line: what an operator should do
};

// Every code named in spec 2, or nullptr for codes connguard has no notes on
// (those are fatal).
const CodeInfo* lookup_code(int code);

// The same by symbolic name ("ER_CON_COUNT_ERROR"; any case), or nullptr.
const CodeInfo* lookup_code(std::string_view name);

// Built-in class; nullopt is a network error (no server code): transient.
ErrorClass classify(std::optional<int> code);

// With the policy on top: never_retry > built-in capacity/transient > retry_on
// > fatal. A network error is always transient.
ErrorClass classify(std::optional<int> code, const Policy& policy);

}  // namespace connguard
