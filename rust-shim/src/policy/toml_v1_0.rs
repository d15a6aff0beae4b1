//! Keeps a policy file to TOML v1.0 (spec 1), as the C++, Python and Node
//! parsers read it, whatever toml_parser release a build resolves: releases
//! from 1.1 parse TOML 1.1 and have no option for the spec version, so the
//! syntax TOML 1.1 added is found here, in the parser's event stream.

use toml_parser::decoder::Encoding;
use toml_parser::parser::{parse_document, EventReceiver};
use toml_parser::{ErrorSink, Source, Span};

const NEWLINE: &str = "a newline inside an inline table";
const COMMENT: &str = "a comment inside an inline table";
const TRAILING_COMMA: &str = "a trailing comma in an inline table";
const ESCAPE_E: &str = r"the escape \e";
const ESCAPE_X: &str = r"the escape \xHH";
const NO_SECONDS: &str = "a time without seconds";

/// Where `text` first uses TOML 1.1-only syntax (a byte offset, at which a
/// TOML 1.0 parser stops), and what that syntax is.
pub(crate) fn first_toml_1_1(text: &str) -> Option<(usize, &'static str)> {
    let tokens = Source::new(text).lex().into_vec();
    let mut scan = Scan {
        text,
        open: Vec::new(),
        comma: None,
        found: None,
    };
    // The parser's own errors are toml's to report (DeTable::parse).
    parse_document(&tokens, &mut scan, &mut ());
    scan.found
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
    found: Option<(usize, &'static str)>,
}

impl Scan<'_> {
    fn found(&mut self, start: usize, what: &'static str) {
        self.found.get_or_insert((start, what));
    }

    fn in_inline_table(&self) -> bool {
        self.open.last() == Some(&Open::InlineTable)
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

    /// A time (alone or in a date-time) without seconds: only times hold a
    /// `:` among unquoted values, and their first is in `HH:MM:SS`.
    fn seconds(&mut self, span: Span) {
        let raw = self.text.as_bytes().get(span.start()..span.end());
        let raw = raw.unwrap_or_default();
        let Some(colon) = raw.iter().position(|&b| b == b':') else {
            return;
        };
        let digits = |range: std::ops::Range<usize>| {
            raw.get(range)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        };
        if colon >= 2
            && digits(colon - 2..colon)
            && digits(colon + 1..colon + 3)
            && raw.get(colon + 3) != Some(&b':')
        {
            self.found(span.start(), NO_SECONDS);
        }
    }
}

impl EventReceiver for Scan<'_> {
    fn inline_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open.push(Open::InlineTable);
        self.comma = None;
        true
    }

    fn inline_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        // At the comma, as toml_parser 1.0 reports it: the same line as `}`,
        // since a newline between them is found first.
        if let Some(comma) = self.comma.take() {
            self.found(comma, TRAILING_COMMA);
        }
        self.open.pop();
    }

    fn array_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open.push(Open::Array);
        self.comma = None;
        true
    }

    fn array_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.open.pop();
        self.comma = None;
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        self.comma = None;
        self.escapes(span, encoding);
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        self.comma = None;
        match encoding {
            None => self.seconds(span),
            Some(_) => self.escapes(span, encoding),
        }
    }

    fn value_sep(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        // A trailing comma in an array is TOML 1.0.
        self.comma = self.in_inline_table().then_some(span.start());
    }

    fn comment(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        if self.in_inline_table() {
            self.found(span.start(), COMMENT);
        }
    }

    fn newline(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        if self.in_inline_table() {
            self.found(span.start(), NEWLINE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<(usize, &'static str)> {
        first_toml_1_1(text)
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
            "a = 1.5e3\nb = 0x1F\nc = -inf\n",
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
    fn the_first_is_reported() {
        assert_eq!(first("a = 07:32\nb = { c = 1, }\n"), Some((4, NO_SECONDS)));
    }
}
