#include "toml_numbers.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace connguard::detail {
namespace {

// Ends a bare key part, or a bare value (which keeps its dots: 1.5, 1979-05-27).
bool ends_key(char c) {
    return std::string_view(" \t\r\n,[]{}#=\"'.").find(c) != std::string_view::npos;
}
bool ends_value(char c) {
    return std::string_view(" \t\r\n,[]{}#=\"'").find(c) != std::string_view::npos;
}

bool is_number(std::string_view token) {
    const std::size_t first = token[0] == '+' || token[0] == '-' ? 1 : 0;
    if (first >= token.size() || !std::isdigit(static_cast<unsigned char>(token[first]))) return false;
    const bool date = token.size() >= 10 && token[4] == '-' && token[7] == '-';
    return !date && token.find(':') == std::string_view::npos;
}

}  // namespace

std::optional<std::size_t> first_long_number(std::string_view text) {
    enum class Expect { Line, Key, Value, After };
    std::vector<char> open;  // '[' arrays and '{' inline tables around i, innermost last
    Expect expect = Expect::Line;
    std::size_t i = 0;
    const std::size_t n = text.size();
    // Past the string at i; an unterminated one ends at its line (toml++ reports it).
    const auto skip_string = [&] {
        const char quote = text[i];
        const std::string triple(3, quote);
        const bool multiline = text.substr(i, 3) == triple;
        for (i += multiline ? 3 : 1; i < n; ++i) {
            if (quote == '"' && text[i] == '\\') {
                ++i;
            } else if (multiline ? text.substr(i, 3) == triple : text[i] == quote) {
                i += multiline ? 3 : 1;
                while (multiline && i < n && text[i] == quote) ++i;  // up to two quotes end the content
                return;
            } else if (!multiline && text[i] == '\n') {
                return;
            }
        }
    };
    while (i < n) {
        const char c = text[i];
        if (c == '\n') {
            if (open.empty()) expect = Expect::Line;
            ++i;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
        } else if (c == '#') {
            while (i < n && text[i] != '\n') ++i;
        } else if (c == '"' || c == '\'') {
            skip_string();
            if (expect == Expect::Value) expect = Expect::After;
        } else if (c == '[' && expect == Expect::Line) {
            while (i < n && text[i] != ']' && text[i] != '\n') {
                if (text[i] == '"' || text[i] == '\'') {
                    skip_string();
                } else {
                    ++i;
                }
            }
            expect = Expect::After;
        } else if (c == '[' || c == '{') {
            open.push_back(c);
            expect = c == '[' ? Expect::Value : Expect::Key;
            ++i;
        } else if (c == ']' || c == '}') {
            if (!open.empty() && open.back() == (c == ']' ? '[' : '{')) open.pop_back();
            expect = Expect::After;
            ++i;
        } else if (c == ',') {
            expect = !open.empty() && open.back() == '{' ? Expect::Key : Expect::Value;
            ++i;
        } else if (c == '=') {
            expect = Expect::Value;
            ++i;
        } else {
            const bool value = expect == Expect::Value;
            const std::size_t start = i;
            while (i < n && !(value ? ends_value(text[i]) : ends_key(text[i]))) ++i;
            if (i == start) {
                ++i;  // a '.' between key parts, or a stray character
            } else if (value) {
                const std::string_view token = text.substr(start, i - start);
                if (token.size() > kMaxNumberLength && is_number(token)) return start;
                expect = Expect::After;
            }
        }
    }
    return std::nullopt;
}

}  // namespace connguard::detail
