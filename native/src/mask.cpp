#include "connguard/mask.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace connguard {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

// Every delimiter is ASCII, so bytes of UTF-8 text never look like one.
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_alnum(char c) {
    return is_alpha(c) || (c >= '0' && c <= '9');
}

bool is_scheme_char(char c) {
    return is_alnum(c) || c == '+' || c == '.' || c == '-';
}

bool is_word_char(char c) {
    return is_alnum(c) || c == '_';
}

bool is_quote(char c) {
    return c == '\'' || c == '"';
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

bool is_assign(char c) {
    return c == '=' || c == ':';
}

// What may end an unquoted value: ASCII white space (vertical tab included,
// as in a regex's \s), ';', '&' or ','.
bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == ';' ||
           c == '&' || c == ',';
}

// The first index from `i` whose character fails `keep`.
template <typename Keep>
std::size_t skip(std::string_view line, std::size_t i, Keep keep) {
    while (i < line.size() && keep(line[i])) ++i;
    return i;
}

template <typename Want>
bool char_is(std::string_view line, std::size_t i, Want want) {
    return i < line.size() && want(line[i]);
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_key(std::string_view word) {
    static constexpr std::array<std::string_view, 5> kKeys = {"password", "passwd", "pwd", "pass", "secret"};
    return std::any_of(kKeys.begin(), kKeys.end(), [word](std::string_view key) {
        return word.size() == key.size() && std::equal(word.begin(), word.end(), key.begin(),
                                                       [](char a, char b) { return lower(a) == b; });
    });
}

// The end of "SCHEME:/", "SCHEME://" (the scheme starting a word) or a bare
// "//" at `p`, else npos.
std::size_t scheme_at(std::string_view line, std::size_t p) {
    if ((p == 0 || !is_scheme_char(line[p - 1])) && is_alpha(line[p])) {
        const std::size_t colon = skip(line, p, is_scheme_char);
        if (line.substr(colon, 2) == ":/") return line.substr(colon + 2, 1) == "/" ? colon + 3 : colon + 2;
    }
    return line.substr(p, 2) == "//" ? p + 2 : kNone;
}

// The end of the line's first scheme, else npos.
std::size_t first_scheme_end(std::string_view line) {
    for (std::size_t p = 0; p < line.size(); ++p) {
        const std::size_t end = scheme_at(line, p);
        if (end != kNone) return end;
    }
    return kNone;
}

// The userinfo after the first scheme runs to the line's last '@'; a later
// scheme lies inside it or past that '@', so one URL at most is masked.
std::string mask_url(std::string_view line) {
    const std::size_t start = first_scheme_end(line);
    const std::size_t end = line.rfind('@');
    if (start == kNone || end == kNone || end < start) return std::string(line);
    const std::size_t colon = line.find(':', start);
    if (colon >= end) return std::string(line);  // a user name, no password
    return std::string(line.substr(0, colon + 1)).append("***").append(line.substr(end));
}

// The end of a key (a whole word, any case), an optional closing quote, '='
// or ':' and the spaces around it, at `p`, else npos.
std::size_t key_at(std::string_view line, std::size_t p) {
    if (p > 0 && is_word_char(line[p - 1])) return kNone;
    const std::size_t word_end = skip(line, p, is_word_char);
    if (!is_key(line.substr(p, word_end - p))) return kNone;
    const std::size_t i = skip(line, word_end + char_is(line, word_end, is_quote), is_space);
    return char_is(line, i, is_assign) ? skip(line, i + 1, is_space) : kNone;
}

// Whether the next "key=" / "key:" pair starts at `q` with its separator,
// which ends an unquoted value.
bool next_pair_at(std::string_view line, std::size_t q) {
    if (!is_separator(line[q])) return false;
    std::size_t i = skip(line, q + 1, is_space);
    i += char_is(line, i, is_quote);
    if (!char_is(line, i, [](char c) { return is_alpha(c) || c == '_'; })) return false;
    i = skip(line, i, [](char c) { return is_word_char(c) || c == '.' || c == '-'; });
    i += char_is(line, i, is_quote);
    return char_is(line, skip(line, i, is_space), is_assign);
}

std::string mask_pairs(std::string_view line) {
    std::string out;
    std::size_t at = 0;
    for (std::size_t p = 0; p < line.size();) {
        std::size_t start = key_at(line, p);
        if (start == kNone) {
            ++p;
            continue;
        }
        p = start;
        const std::string_view rest = line.substr(start);
        if (start < at || rest.substr(0, 4) == "YES)" || rest.substr(0, 3) == "NO)") continue;
        std::size_t end = start;
        if (char_is(line, start, is_quote)) {
            end = std::min(line.find(line[start], start + 1), line.size());
            ++start;
        } else {
            while (end < line.size() && !next_pair_at(line, end)) ++end;
        }
        if (end == start) continue;  // an empty value hides nothing
        out.append(line.substr(at, start - at)).append("***");
        at = end;
    }
    return out.append(line.substr(at));
}

}  // namespace

std::string mask_dsn(std::string_view text) {
    std::string out;
    for (std::size_t begin = 0;;) {
        const std::size_t end = text.find('\n', begin);
        out += mask_pairs(mask_url(text.substr(begin, end - begin)));
        if (end == kNone) return out;
        out += '\n';
        begin = end + 1;
    }
}

}  // namespace connguard
