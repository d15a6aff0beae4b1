#include "connguard/policy_set.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "connguard/duration.hpp"
#include "policy_set_table.hpp"
#include "toml_numbers.hpp"
#include "utf8.hpp"

namespace connguard {
namespace {

using Kind = PolicyErrorKind;

constexpr std::string_view kPolicyKeys =
    "max_attempts, deadline, connect_timeout, initial_delay, max_delay, multiplier, jitter, "
    "retry_on, never_retry and the table limiter";
constexpr std::string_view kLimiterKeys = "enabled, initial_limit, max_limit";
constexpr std::string_view kLimitAllowed = "an integer from 1 to 100000";
constexpr std::string_view kTopLevel = "the tables [default], [service.NAME] and [deployment]";
constexpr std::string_view kDurationAllowed = R"(a string such as "250ms", "5s" or "2m", > 0)";
constexpr std::string_view kCodeAllowed = "an array of integers, each 1 to 65535";
constexpr std::string_view kTomlAllowed = "a valid TOML v1.0 document";

// One entry of a table with the line it was written on.
struct Entry {
    std::string_view key;
    const toml::node* node;
    int line;
    int column;
};

int line_of(const toml::source_region& region) {
    return static_cast<int>(region.begin.line);
}

// Entries in the order they appear in the file, so that "the first problem
// found" is the first one a reader meets. Nodes without source positions
// (tables built in code) keep the table's key order.
std::vector<Entry> entries_in_file_order(const toml::table& table) {
    std::vector<Entry> entries;
    for (const auto& [key, node] : table) {
        // The key's position is where the key is written; a table header's
        // node may carry no position of its own.
        const toml::source_region& region = key.source().begin.line != 0 ? key.source() : node.source();
        entries.push_back({key.str(), &node, line_of(region), static_cast<int>(region.begin.column)});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    return entries;
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

// `text` as a TOML basic string, so that a message stays on one line.
std::string in_quotes(std::string_view text) {
    std::string quoted = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            quoted += {'\\', c};
        } else if (byte < 0x20 || byte == 0x7F) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04X", byte);
            quoted += escape;
        } else {
            quoted += c;
        }
    }
    return quoted + "\"";
}

// A float in a message (spec 1.3): the shortest digits that read back as the
// same double, laid out as JavaScript's Number::toString does (an exponent
// from 1e21 up and below 1e-6), the same in every language.
std::string float_text(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    std::string text = std::signbit(value) ? "-" : "";
    if (value == 0) return text + "0";
    char buf[32];
    const auto end =
        std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific).ptr;
    const std::string_view scientific(buf, static_cast<std::size_t>(end - buf));  // "d.ddde+XX"
    const std::size_t e = scientific.find('e');
    std::string digits(scientific.substr(0, e));
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    const int k = static_cast<int>(digits.size());
    const int n = std::stoi(std::string(scientific.substr(e + 1))) + 1;  // value = 0.DIGITS * 10^n
    if (k <= n && n <= 21) return text + digits + std::string(static_cast<std::size_t>(n - k), '0');
    if (0 < n && n <= 21) return text + digits.substr(0, n) + "." + digits.substr(n);
    if (-6 < n && n <= 0) return text + "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
    text += digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "");
    return text + (n > 0 ? "e+" : "e-") + std::to_string(std::abs(n - 1));
}

// One table's own keys, validated; applied over the policy it inherits from.
struct TablePolicy {
    std::string name;  // "default" or "service.NAME"
    std::vector<std::function<void(Policy&)>> overrides;
    std::optional<int> initial_delay_line;
    std::optional<int> max_delay_line;
    std::optional<int> initial_limit_line;
    std::optional<int> max_limit_line;

    template <typename T>
    void set(T Policy::*field, T value) {
        overrides.push_back([field, value = std::move(value)](Policy& p) { p.*field = value; });
    }

    template <typename T>
    void set_limiter(T LimiterPolicy::*field, T value) {
        overrides.push_back([field, value](Policy& p) { p.limiter.*field = value; });
    }

    Policy over(Policy base) const {
        for (const auto& apply : overrides) apply(base);
        return base;
    }
};

}  // namespace

namespace detail {

// Validates tables of one source and builds the effective policies: the only
// maker of PolicySets (a friend of the class).
class PolicyValidator {
public:
    explicit PolicyValidator(std::string source) : source_(std::move(source)) {}

    PolicySet validate(const toml::table& table) const {
        // Every table's own keys first, in file order, whatever service is wanted.
        TablePolicy default_own{"default", {}, {}, {}, {}, {}};
        std::vector<std::pair<std::string, TablePolicy>> service_owns;
        for (const Entry& entry : entries_in_file_order(table)) {
            const bool known = entry.key == "default" || entry.key == "service" || entry.key == "deployment";
            if (!known) {
                const bool is_table = entry.node->is_table();
                fail(is_table ? Kind::UnknownTable : Kind::UnknownKey, entry.line, "", entry.key,
                     is_table ? "unknown table" : "unknown top-level key", kTopLevel);
            }
            if (!entry.node->is_table()) {
                fail(Kind::WrongType, entry.line, "", entry.key,
                     "expected a table, got " + type_name(*entry.node), "a table");
            }
            if (entry.key == "default") {
                default_own = check_table(*entry.node->as_table(), "default");
                continue;
            }
            if (entry.key == "deployment") continue;  // connguard plan's (docs/scale.md): not a policy
            for (const Entry& service : entries_in_file_order(*entry.node->as_table())) {
                const std::string name(service.key);
                // Not a [service.NAME] table: reported at the top level as key "service.NAME".
                if (!service.node->is_table()) {
                    fail(Kind::WrongType, service.line, "", "service." + name,
                         "expected a [service." + name + "] table, got " + type_name(*service.node),
                         "a table");
                }
                service_owns.emplace_back(name, check_table(*service.node->as_table(), "service." + name));
            }
        }

        // Then inheritance: built-ins < [default] < [service.NAME], each checked.
        Policy defaults = effective(default_own, Policy{});
        std::vector<Policy> services;
        for (const auto& [name, own] : service_owns) {
            Policy policy = effective(own, defaults);
            policy.service = name;
            services.push_back(std::move(policy));
        }
        return PolicySet(source_, std::move(defaults), std::move(services));
    }

private:
    [[noreturn]] void fail(Kind kind, int line, std::string table, std::string_view key, std::string problem,
                           std::string_view allowed) const {
        throw PolicyError(kind, source_, line, std::move(table), std::string(key), std::move(problem),
                          std::string(allowed));
    }

    // An error about `entry` of table `name`.
    [[noreturn]] void fail(Kind kind, const Entry& entry, const std::string& name, std::string problem,
                           std::string_view allowed) const {
        fail(kind, entry.line, name, entry.key, std::move(problem), allowed);
    }

    // Validates the keys of `table`, named `name` in messages, in file order.
    TablePolicy check_table(const toml::table& table, std::string name) const {
        TablePolicy own{std::move(name), {}, {}, {}, {}, {}};
        const std::string& n = own.name;
        for (const Entry& entry : entries_in_file_order(table)) {
            const std::string_view key = entry.key;
            if (key == "max_attempts") {
                own.set(&Policy::max_attempts,
                        static_cast<int>(integer(entry, n, 1, 1000, "an integer from 1 to 1000")));
            } else if (key == "deadline") {
                own.set(&Policy::deadline, duration(entry, n));
            } else if (key == "connect_timeout") {
                own.set(&Policy::connect_timeout, duration(entry, n));
            } else if (key == "initial_delay") {
                own.set(&Policy::initial_delay, duration(entry, n));
                own.initial_delay_line = entry.line;
            } else if (key == "max_delay") {
                own.set(&Policy::max_delay, duration(entry, n));
                own.max_delay_line = entry.line;
            } else if (key == "multiplier") {
                own.set(&Policy::multiplier, multiplier(entry, n));
            } else if (key == "jitter") {
                own.set(&Policy::jitter, jitter(entry, n));
            } else if (key == "retry_on") {
                own.set(&Policy::retry_on, codes(entry, n));
            } else if (key == "never_retry") {
                own.set(&Policy::never_retry, codes(entry, n));
            } else if (key == "limiter") {
                check_limiter(entry, own);
            } else if (entry.node->is_table()) {
                fail(Kind::UnknownTable, entry, n, "a table is not allowed inside [" + n + "]",
                     "the keys " + std::string(kPolicyKeys));
            } else {
                fail(Kind::UnknownKey, entry, n, "unknown key", kPolicyKeys);
            }
        }
        return own;
    }

    // `own` over `base`, checked for max_delay >= initial_delay and
    // max_limit >= initial_limit.
    Policy effective(const TablePolicy& own, const Policy& base) const {
        Policy policy = own.over(base);
        check_delays(own, policy);
        const LimiterPolicy& limiter = policy.limiter;
        if (limiter.max_limit >= limiter.initial_limit) return policy;
        const std::string table = own.name + ".limiter";
        const std::string max_limit = std::to_string(limiter.max_limit);
        const std::string initial_limit = std::to_string(limiter.initial_limit);
        if (own.max_limit_line) {
            fail(Kind::Inconsistent, *own.max_limit_line, table, "max_limit",
                 max_limit + " is less than initial_limit " + initial_limit,
                 "an integer >= initial_limit (" + initial_limit + ")");
        }
        fail(Kind::Inconsistent, own.initial_limit_line.value_or(0), table, "initial_limit",
             initial_limit + " is greater than max_limit " + max_limit,
             "an integer <= max_limit (" + max_limit + ")");
    }

    void check_delays(const TablePolicy& own, const Policy& policy) const {
        if (policy.max_delay >= policy.initial_delay) return;
        const std::string max_delay = format_duration(policy.max_delay);
        const std::string initial_delay = format_duration(policy.initial_delay);
        if (own.max_delay_line) {
            fail(Kind::Inconsistent, *own.max_delay_line, own.name, "max_delay",
                 max_delay + " is less than initial_delay " + initial_delay,
                 "a duration >= initial_delay (" + initial_delay + ")");
        }
        fail(Kind::Inconsistent, own.initial_delay_line.value_or(0), own.name, "initial_delay",
             initial_delay + " is greater than max_delay " + max_delay,
             "a duration <= max_delay (" + max_delay + ")");
    }

    // The [NAME.limiter] table (spec 1.1): its keys go into `own`.
    void check_limiter(const Entry& limiter, TablePolicy& own) const {
        if (!limiter.node->is_table()) {
            fail(Kind::WrongType, limiter, own.name, "expected a table, got " + type_name(*limiter.node),
                 "a table with the keys " + std::string(kLimiterKeys));
        }
        const std::string n = own.name + ".limiter";
        for (const Entry& entry : entries_in_file_order(*limiter.node->as_table())) {
            if (entry.key == "enabled") {
                const auto* flag = entry.node->as_boolean();
                if (flag == nullptr) {
                    fail(Kind::WrongType, entry, n, "expected a boolean, got " + type_name(*entry.node),
                         "true or false");
                }
                own.set_limiter(&LimiterPolicy::enabled, flag->get());
            } else if (entry.key == "initial_limit") {
                own.set_limiter(&LimiterPolicy::initial_limit,
                                static_cast<int>(integer(entry, n, 1, 100000, kLimitAllowed)));
                own.initial_limit_line = entry.line;
            } else if (entry.key == "max_limit") {
                own.set_limiter(&LimiterPolicy::max_limit,
                                static_cast<int>(integer(entry, n, 1, 100000, kLimitAllowed)));
                own.max_limit_line = entry.line;
            } else if (entry.node->is_table()) {
                fail(Kind::UnknownTable, entry, n, "a table is not allowed inside [" + n + "]",
                     "the keys " + std::string(kLimiterKeys));
            } else {
                fail(Kind::UnknownKey, entry, n, "unknown key", kLimiterKeys);
            }
        }
    }

    std::int64_t integer(const Entry& entry, const std::string& name, std::int64_t min, std::int64_t max,
                         std::string_view allowed) const {
        const auto* value = entry.node->as_integer();
        if (value == nullptr) {
            fail(Kind::WrongType, entry, name, "expected an integer, got " + type_name(*entry.node), allowed);
        }
        const std::int64_t v = value->get();
        if (v < min || v > max) {
            fail(Kind::OutOfRange, entry, name, std::to_string(v) + " is out of range", allowed);
        }
        return v;
    }

    double duration(const Entry& entry, const std::string& name) const {
        const toml::node& node = *entry.node;
        const auto* text = node.as_string();
        if (text == nullptr) {
            if (node.is_number()) {
                const std::string number = node.is_integer() ? std::to_string(node.as_integer()->get())
                                                             : float_text(node.as_floating_point()->get());
                fail(Kind::BadDuration, entry, name,
                     "bare number " + number + " has no unit; write a string with a unit, e.g. \"250ms\"",
                     kDurationAllowed);
            }
            fail(Kind::BadDuration, entry, name, "expected a duration string, got " + type_name(node),
                 kDurationAllowed);
        }
        const std::optional<double> seconds = parse_duration(text->get());
        if (!seconds) {
            fail(Kind::BadDuration, entry, name, in_quotes(text->get()) + " is not a duration",
                 kDurationAllowed);
        }
        if (!(*seconds > 0.0) || !std::isfinite(*seconds)) {
            fail(Kind::OutOfRange, entry, name, in_quotes(text->get()) + " is out of range",
                 kDurationAllowed);
        }
        return *seconds;
    }

    double multiplier(const Entry& entry, const std::string& name) const {
        constexpr std::string_view allowed = "a finite number >= 1.0";
        double value = 0.0;
        if (const auto* f = entry.node->as_floating_point()) {
            value = f->get();
        } else if (const auto* i = entry.node->as_integer()) {
            value = static_cast<double>(i->get());
        } else {
            fail(Kind::WrongType, entry, name, "expected a number, got " + type_name(*entry.node), allowed);
        }
        if (!std::isfinite(value) || value < 1.0) {
            fail(Kind::OutOfRange, entry, name, float_text(value) + " is out of range", allowed);
        }
        return value;
    }

    Jitter jitter(const Entry& entry, const std::string& name) const {
        constexpr std::string_view allowed = R"("full", "equal", "decorrelated" or "none")";
        const auto* text = entry.node->as_string();
        if (text == nullptr) {
            fail(Kind::WrongType, entry, name, "expected a string, got " + type_name(*entry.node), allowed);
        }
        for (const Jitter j : {Jitter::Full, Jitter::Equal, Jitter::Decorrelated, Jitter::None}) {
            if (text->get() == to_string(j)) return j;
        }
        fail(Kind::BadChoice, entry, name, in_quotes(text->get()) + " is not a jitter kind", allowed);
    }

    std::vector<int> codes(const Entry& entry, const std::string& name) const {
        const auto* array = entry.node->as_array();
        if (array == nullptr) {
            fail(Kind::WrongType, entry, name, "expected an array, got " + type_name(*entry.node),
                 kCodeAllowed);
        }
        std::vector<int> result;
        for (const toml::node& element : *array) {
            const auto* code = element.as_integer();
            if (code == nullptr) {
                fail(Kind::WrongType, entry, name, "expected integer elements, got " + type_name(element),
                     kCodeAllowed);
            }
            if (code->get() < 1 || code->get() > 65535) {
                fail(Kind::OutOfRange, entry, name,
                     "error code " + std::to_string(code->get()) + " is out of range", kCodeAllowed);
            }
            result.push_back(static_cast<int>(code->get()));
        }
        return result;
    }

    std::string source_;
};

PolicySet policy_set_from_table(const toml::table& table, std::string source_name) {
    return PolicyValidator(std::move(source_name)).validate(table);
}

}  // namespace detail

namespace {

// Reads a whole file; errno-based messages need C stdio rather than iostreams.
std::string read_file(const std::filesystem::path& path) {
    const auto fail = [&](int error) {
        throw PolicyError(Kind::Io, path.string(), 0, "", "",
                          std::string("cannot read the file: ") + std::strerror(error),
                          "a readable TOML file");
    };
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) fail(errno);
    std::string text;
    char buf[8192];
    std::size_t count = 0;
    while ((count = std::fread(buf, 1, sizeof buf, file.get())) > 0) text.append(buf, count);
    if (std::ferror(file.get())) fail(errno);
    return text;
}

// The line of a syntax error, as spec 1.3 puts it. toml++ reports a header
// it cannot make (`[a.b.c]` where a.b is a value) after reading the header's
// line, at the start of the next; the text before that line alone then fails
// on the header itself, at its end.
int syntax_line(std::string_view text, const toml::parse_error& error) {
    const toml::source_position at = error.source().begin;
    const bool header = error.description().rfind("Error while parsing table header", 0) == 0;
    if (!header || at.column != 1 || at.line <= 1) return line_of(error.source());
    std::size_t line_start = 0;
    for (toml::source_index line = 1; line < at.line; ++line) line_start = text.find('\n', line_start) + 1;
    try {
        (void)toml::parse(text.substr(0, line_start));
    } catch (const toml::parse_error& earlier) {
        return line_of(earlier.source());
    }
    return line_of(error.source());
}

}  // namespace

PolicySet::PolicySet(std::string source, Policy defaults, std::vector<Policy> services)
    : source_(std::move(source)), defaults_(std::move(defaults)), services_(std::move(services)) {}

PolicySet PolicySet::parse(std::string_view toml_text, std::string file_name) {
    const auto syntax = [&](std::size_t at, std::string problem) {
        const auto line =
            1 + std::count(toml_text.begin(), toml_text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        return PolicyError(Kind::Syntax, file_name, static_cast<int>(line), "", "", std::move(problem),
                           std::string(kTomlAllowed));
    };
    // Read before any TOML, so whatever else is wrong.
    if (const auto invalid = detail::first_invalid_utf8(toml_text))
        throw syntax(*invalid, "the file is not valid UTF-8");
    const auto long_number = detail::first_long_number(toml_text);
    const std::string too_long =
        "a number longer than " + std::to_string(detail::kMaxNumberLength) + " characters";
    toml::table table;
    try {
        table = toml::parse(toml_text, file_name);
    } catch (const toml::parse_error& error) {
        // The first problem in the text is reported.
        PolicyError parsed(Kind::Syntax, file_name, syntax_line(toml_text, error), "", "",
                           std::string(error.description()), std::string(kTomlAllowed));
        if (long_number && syntax(*long_number, "").line() <= parsed.line())
            throw syntax(*long_number, too_long);
        throw parsed;
    }
    if (long_number) throw syntax(*long_number, too_long);
    return detail::policy_set_from_table(table, std::move(file_name));
}

PolicySet PolicySet::load(const std::filesystem::path& path) {
    return parse(read_file(path), path.string());
}

const Policy& PolicySet::service(std::string_view name) const {
    const auto found =
        std::find_if(services_.begin(), services_.end(), [&](const Policy& p) { return p.service == name; });
    if (found != services_.end()) return *found;

    std::string defined;
    for (const Policy& p : services_) defined += (defined.empty() ? "" : ", ") + p.service;
    throw PolicyError(Kind::UnknownService, source_, 0, "service." + std::string(name), "",
                      "no such service in the policy file",
                      defined.empty() ? "none; the file defines no [service.NAME] table" : defined);
}

std::vector<std::string> PolicySet::service_names() const {
    std::vector<std::string> names;
    names.reserve(services_.size());
    for (const Policy& p : services_) names.push_back(p.service);
    return names;
}

Policy load_policy(const std::filesystem::path& path, std::string_view service) {
    const PolicySet set = PolicySet::load(path);
    return service.empty() ? set.defaults() : set.service(service);
}

}  // namespace connguard
