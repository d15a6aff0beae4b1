//! Keeps a policy file to TOML v1.0 and the limits of spec 1.3, as the C++
//! engine's parser (toml++) reads it, whatever toml_parser release a build
//! resolves: releases from 1.1 parse TOML 1.1 and have no option for the spec
//! version, toml reads integers past 64 bits, floats past a double and leap
//! seconds, and its own depth limit (or none, with `unbounded`) is not the
//! spec's. What it would wrongly accept is found here, in the parser's event
//! stream, at the offset where a TOML v1.0 parser with the spec's limits stops.

use toml_parser::decoder::Encoding;
use toml_parser::parser::{parse_document, EventReceiver};
use toml_parser::{ErrorSink, Source, Span};

/// A key's value is at depth 1; each array or inline table around it adds one.
const MAX_DEPTH: usize = 256;
/// Characters of a number, its sign and underscores included.
const MAX_NUMBER: usize = 126;
/// Digits of a fraction of a second.
const MAX_FRACTION: usize = 64;

const NEWLINE: &str = "a newline inside an inline table is TOML 1.1, not 1.0";
const COMMENT: &str = "a comment inside an inline table is TOML 1.1, not 1.0";
const TRAILING_COMMA: &str = "a trailing comma in an inline table is TOML 1.1, not 1.0";
const ESCAPE_E: &str = r"the escape \e is TOML 1.1, not 1.0";
const ESCAPE_X: &str = r"the escape \xHH is TOML 1.1, not 1.0";
const NO_SECONDS: &str = "a time without seconds is TOML 1.1, not 1.0";
const TOO_DEEP: &str = "a value nested deeper than 256 levels";
const TOO_LONG: &str = "a number longer than 126 characters";
const NOT_64_BITS: &str = "an integer not representable in 64 bits";
const TOO_LARGE: &str = "a float too large for a double";
const LONG_FRACTION: &str = "a fraction of a second of more than 64 digits";
const LEAP_SECOND: &str = "a second of 60";
const NO_DIGITS: &str = "a number without digits";
const NO_VALUE: &str = "a key without a value";
const NO_EQUALS: &str = "a key without `=`";

/// Where `text` first leaves TOML v1.0 or the spec's limits (a byte offset,
/// at which such a parser stops), and what it found there.
pub(crate) fn first_beyond_v1_0(text: &str) -> Option<(usize, &'static str)> {
    let tokens = Source::new(text).lex().into_vec();
    let mut scan = Scan {
        text,
        open: Vec::new(),
        comma: None,
        key: Key::None,
        found: None,
    };
    // The parser's own errors are toml's to report (DeTable::parse_recoverable).
    parse_document(&tokens, &mut scan, &mut ());
    scan.found
}

/// Where the parser is in a key: toml looks past a comment or a newline for
/// a key's `=`, which a TOML v1.0 parser finds missing there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    None,
    InHeader,
    Pending,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    InlineTable,
    Array,
}

struct Scan<'a> {
    text: &'a str,
    /// The arrays and inline tables the parser is inside, innermost last:
    /// an array may span lines even inside an inline table.
    open: Vec<Open>,
    /// Where the comma is that was the last thing in the innermost inline table.
    comma: Option<usize>,
    key: Key,
    found: Option<(usize, &'static str)>,
}

impl Scan<'_> {
    fn found(&mut self, start: usize, what: &'static str) {
        if self.found.is_none_or(|(at, _)| start < at) {
            self.found = Some((start, what));
        }
    }

    fn in_inline_table(&self) -> bool {
        self.open.last() == Some(&Open::InlineTable)
    }

    /// A value starts at `start`; false when it is too deep to descend into.
    fn value(&mut self, start: usize) -> bool {
        let within = self.open.len() < MAX_DEPTH;
        if !within {
            self.found(start, TOO_DEEP);
        }
        within
    }

    fn open(&mut self, span: Span, open: Open) -> bool {
        let within = self.value(span.start());
        // Pushed even when refused: the parser still reports the close.
        self.open.push(open);
        self.comma = None;
        within
    }

    /// `\e` and `\xHH` in a basic string (a key or a value).
    fn escapes(&mut self, span: Span, encoding: Option<Encoding>) {
        if !matches!(
            encoding,
            Some(Encoding::BasicString | Encoding::MlBasicString)
        ) {
            return;
        }
        let raw = self.text.as_bytes().get(span.start()..span.end());
        let mut bytes = raw.unwrap_or_default().iter().enumerate();
        while let Some((i, &byte)) = bytes.next() {
            if byte != b'\\' {
                continue;
            }
            // The escaped character is consumed, so `\\e` is no escape.
            match bytes.next() {
                Some((_, b'e')) => self.found(span.start() + i, ESCAPE_E),
                Some((_, b'x')) => self.found(span.start() + i, ESCAPE_X),
                _ => {}
            }
        }
    }

    /// A bare value: a number, a boolean, a date or a time.
    fn bare(&mut self, span: Span) {
        let raw = self.text.get(span.start()..span.end()).unwrap_or_default();
        // None at all, where toml looks past a comment or a newline for it:
        // a TOML v1.0 parser stops there.
        let missing = raw.is_empty().then_some(NO_VALUE);
        if let Some(problem) = missing
            .or_else(|| time_problem(raw))
            .or_else(|| number_problem(raw))
        {
            self.found(span.start(), problem);
        }
    }
}

/// What is wrong with the time in `raw` (alone or in a date-time), if it has
/// one: only times hold a `:` among unquoted values, the first in `HH:MM:SS`.
fn time_problem(raw: &str) -> Option<&'static str> {
    let bytes = raw.as_bytes();
    let colon = bytes.iter().position(|&b| b == b':')?;
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if colon < 2 || !digits(colon - 2..colon) || !digits(colon + 1..colon + 3) {
        return None; // not a time: toml reports it
    }
    if bytes.get(colon + 3) != Some(&b':') || !digits(colon + 4..colon + 6) {
        return Some(NO_SECONDS);
    }
    if bytes.get(colon + 4..colon + 6) == Some(b"60") {
        return Some(LEAP_SECOND);
    }
    let fraction = match bytes.get(colon + 6) {
        Some(b'.') => bytes[colon + 7..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count(),
        _ => 0,
    };
    (fraction > MAX_FRACTION).then_some(LONG_FRACTION)
}

/// What is wrong with the number `raw`, if it is one that toml would read.
fn number_problem(raw: &str) -> Option<&'static str> {
    let bytes = raw.as_bytes();
    let unsigned = bytes.strip_prefix(b"+").or(bytes.strip_prefix(b"-"));
    let is_date = bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-';
    if !unsigned
        .unwrap_or(bytes)
        .first()
        .is_some_and(u8::is_ascii_digit)
        || is_date
    {
        return None;
    }
    if raw.len() > MAX_NUMBER {
        return Some(TOO_LONG);
    }
    let digits: String = raw.chars().filter(|&c| c != '_').collect();
    let (negative, magnitude) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits.strip_prefix('+').unwrap_or(&digits)),
    };
    let (radix, body) = match magnitude.get(..2) {
        Some("0x") => (16, &magnitude[2..]),
        Some("0o") => (8, &magnitude[2..]),
        Some("0b") => (2, &magnitude[2..]),
        _ => (10, magnitude),
    };
    if body.is_empty() {
        return Some(NO_DIGITS);
    }
    if body.chars().all(|c| c.is_digit(radix)) {
        // Past i128 is past 64 bits too.
        let value = i128::from_str_radix(body, radix).unwrap_or(i128::MAX);
        let value = if negative { -value } else { value };
        return i64::try_from(value).is_err().then_some(NOT_64_BITS);
    }
    let float: Option<f64> = digits.parse().ok();
    float
        .filter(|f| f.is_infinite() && !magnitude.starts_with('i'))
        .map(|_| TOO_LARGE)
}

impl EventReceiver for Scan<'_> {
    fn inline_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open(span, Open::InlineTable)
    }

    fn inline_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        // At the comma, as toml_parser 1.0 reports it: the same line as `}`,
        // since a newline between them is found first.
        if let Some(comma) = self.comma.take() {
            self.found(comma, TRAILING_COMMA);
        }
        self.open.pop();
    }

    fn array_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open(span, Open::Array)
    }

    fn array_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.open.pop();
        self.comma = None;
    }

    fn std_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.key = Key::InHeader;
    }

    fn std_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.key = Key::None;
    }

    fn array_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.key = Key::InHeader;
    }

    fn array_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.key = Key::None;
    }

    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.key = Key::None;
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if self.key == Key::None {
            self.key = Key::Pending;
        }
        self.comma = None;
        self.escapes(span, encoding);
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        self.comma = None;
        self.value(span.start());
        match encoding {
            None => self.bare(span),
            Some(_) => self.escapes(span, encoding),
        }
    }

    fn value_sep(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        // A trailing comma in an array is TOML 1.0.
        self.comma = self.in_inline_table().then_some(span.start());
    }

    fn comment(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        if self.key == Key::Pending {
            self.found(span.start(), NO_EQUALS);
        }
        if self.in_inline_table() {
            self.found(span.start(), COMMENT);
        }
    }

    fn newline(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        if self.key == Key::Pending {
            self.found(span.start(), NO_EQUALS);
        }
        if self.in_inline_table() {
            self.found(span.start(), NEWLINE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<(usize, &'static str)> {
        first_beyond_v1_0(text)
    }

    #[test]
    fn toml_1_0_and_invalid_toml_have_none() {
        for text in [
            "",
            "[service]\napi = { retry_on = [\n  1040, # c\n  1203,\n], limiter = {} }\n",
            "a = [1, 2,]\nb = { c = 1, d = [] }\n",
            "a = \"\\\\e \\\\x41 \\u0041 \\t\"\nb = '\\e'\nc = '''\\x41'''\n",
            "a = \"\"\"\\\n  full\"\"\"\n",
            "a = 1979-05-27 07:32:00\nb = 07:32:00.5\nc = 1979-05-27T07:32:00+01:00\nd = 1979-05-27\n",
            "a = 1.5e3\nb = 0x1F\nc = -inf\nd = +nan\ne = 1e-400\n",
            "a = 9223372036854775807\nb = -9223372036854775808\nc = 0x7FFF_FFFF_FFFF_FFFF\n",
            "a = 1.7976931348623157e308\nb = -0.0\n",
            // Not TOML at all, nor TOML 1.1: toml reports these.
            "a = 07:3\n",
            "a = 7:32\n",
        ] {
            assert_eq!(first(text), None, "{text:?}");
        }
    }

    #[test]
    fn each_toml_1_1_addition_is_found_where_a_1_0_parser_stops() {
        for (text, at, what) in [
            ("a = {\n b = 1 }\n", 5, NEWLINE),
            ("a = { b = 1 # c\n}\n", 12, COMMENT),
            ("a = { b = 1, }\n", 11, TRAILING_COMMA),
            ("a = { b = { c = 1, } }\n", 17, TRAILING_COMMA),
            ("a = \"x\\e\"\n", 6, ESCAPE_E),
            ("a = \"\"\"\nx\\x41\"\"\"\n", 9, ESCAPE_X),
            ("\"k\\x41\" = 1\n", 2, ESCAPE_X),
            ("[\"k\\e\"]\n", 3, ESCAPE_E),
            ("a = 07:32\n", 4, NO_SECONDS),
            ("a = 1979-05-27 07:32\n", 4, NO_SECONDS),
            ("a = 1979-05-27T07:32+01:00\n", 4, NO_SECONDS),
        ] {
            assert_eq!(first(text), Some((at, what)), "{text:?}");
        }
    }

    #[test]
    fn each_limit_is_found_where_toml_plus_plus_stops() {
        let deep =
            |n: usize, inner: &str| format!("a = {}{inner}{}\n", "[".repeat(n), "]".repeat(n));
        for (text, at, what) in [
            ("a = 9223372036854775808\n".to_string(), 4, NOT_64_BITS),
            ("a = -9223372036854775809\n".into(), 4, NOT_64_BITS),
            ("a = [0x8000_0000_0000_0000]\n".into(), 5, NOT_64_BITS),
            ("a = 1e309\n".into(), 4, TOO_LARGE),
            ("a = -1.7976931348623159e308\n".into(), 4, TOO_LARGE),
            (format!("a = 1{}.0\n", "0".repeat(125)), 4, TOO_LONG),
            ("a = 07:32:60\n".into(), 4, LEAP_SECOND),
            ("a = [0x]\n".into(), 5, NO_DIGITS),
            ("a =# c\n".into(), 3, NO_VALUE),
            ("[b]\na # = 1\n".into(), 6, NO_EQUALS),
            (
                format!("a = 07:32:00.{}\n", "1".repeat(65)),
                4,
                LONG_FRACTION,
            ),
            (deep(257, ""), 4 + 256, TOO_DEEP),
            (deep(256, "1"), 4 + 256, TOO_DEEP),
        ] {
            assert_eq!(first(&text), Some((at, what)), "{text:?}");
        }
        assert_eq!(first(&deep(256, "")), None);
        assert_eq!(first(&format!("a = 1{}.0\n", "0".repeat(123))), None);
    }

    #[test]
    fn the_first_is_reported() {
        assert_eq!(first("a = 07:32\nb = { c = 1, }\n"), Some((4, NO_SECONDS)));
        assert_eq!(first("a = { b = 1, c = 1e309 }\n"), Some((17, TOO_LARGE)));
    }
}
