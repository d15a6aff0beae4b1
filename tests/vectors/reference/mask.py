"""Spec 4.3: masking the secrets in a text, line by line."""

import re

# SCHEME: then one or two slashes (the scheme starts a word), or a bare //.
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:/{1,2}|//", re.ASCII)
_KEYS = ("password", "passwd", "pwd", "pass", "secret")
# KEY, an optional closing quote, spaces, = or :, spaces.
_KEY = re.compile(
    r"(?<![A-Za-z0-9_])(?:" + "|".join(_KEYS) + r")(?![A-Za-z0-9_])['\"]?[ \t]*[=:][ \t]*",
    re.IGNORECASE | re.ASCII,  # ASCII: every language folds and spaces alike
)
# What ends an unquoted value: a separator, then the next key and its = or :.
_NEXT_PAIR = re.compile(r"[\s;&,][ \t]*['\"]?[A-Za-z_][A-Za-z0-9_.-]*['\"]?[ \t]*[=:]", re.ASCII)
_SERVER_NOTE = re.compile(r"(?:YES|NO)\)")  # MariaDB's "(using password: YES)"


def _mask_urls(line):
    out, at = [], 0
    for scheme in _SCHEME.finditer(line):
        start = scheme.end()
        if start < at:
            continue
        end = line.rfind("@", start)
        if end < 0:
            continue
        userinfo = line[start:end]
        colon = userinfo.find(":")
        if colon < 0:
            continue  # a user name, no password
        out.append(line[at : start + colon + 1] + "***")
        at = end
    return "".join(out) + line[at:]


def _mask_pairs(line):
    out, at = [], 0
    for key in _KEY.finditer(line):
        start = key.end()
        if start < at:
            continue
        if _SERVER_NOTE.match(line, start):
            continue
        quote = line[start] if start < len(line) and line[start] in "'\"" else ""
        if quote:
            close = line.find(quote, start + 1)
            end = close if close >= 0 else len(line)
            start += 1
        else:
            following = _NEXT_PAIR.search(line, start)
            end = following.start() if following else len(line)
        if end == start:
            continue  # an empty value hides nothing
        out.append(line[at:start] + "***")
        at = end
    return "".join(out) + line[at:]


def mask(text):
    return "\n".join(_mask_pairs(_mask_urls(line)) for line in text.split("\n"))
