//! The policy file as a TOML v1.0 document: its syntax, the line of each
//! key, its entries in file order, and the error a load reports.

use std::borrow::Cow;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::toml_v1_0::first_beyond_v1_0;
use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};

const TOML_ALLOWED: &str = "a valid TOML v1.0 document";

/// One entry of a table, with the line its key is written on.
pub(super) struct Entry<'a, 'i> {
    pub(super) key: &'a str,
    pub(super) value: &'a DeValue<'i>,
    pub(super) line: u32,
}

/// A TOML value's type, as messages name it.
pub(super) fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::Table(_) => "a table",
        DeValue::Array(_) => "an array",
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(d) => match (d.date, d.time) {
            (Some(_), None) => "a date",
            (None, Some(_)) => "a time",
            _ => "a date-time",
        },
    }
}

/// Whether `text` holds only TOML's white space, newlines and comments.
fn only_space_and_comments(mut text: &str) -> bool {
    loop {
        text = text.trim_start_matches([' ', '\t', '\n']);
        if let Some(rest) = text.strip_prefix("\r\n") {
            text = rest;
        } else if let Some(comment) = text.strip_prefix('#') {
            text = comment.split_once('\n').map_or("", |(_, rest)| rest);
        } else {
            return text.is_empty();
        }
    }
}

/// Reads one policy file's text; `file` names it in errors. Its checks are
/// spread over this module's files, one concept each.
pub(super) struct Validator<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    /// Where each line starts: a key's line is a binary search, not a count
    /// of the newlines before it, so loading stays linear in the file's size.
    line_starts: Vec<usize>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(file: &'a str, text: &'a str) -> Self {
        let newlines = text.bytes().enumerate().filter(|&(_, b)| b == b'\n');
        let line_starts = std::iter::once(0).chain(newlines.map(|(i, _)| i + 1));
        Self {
            file,
            text,
            line_starts: line_starts.collect(),
        }
    }
}

impl Validator<'_> {
    /// The 1-based line of byte offset `at`.
    pub(super) fn line_at(&self, at: usize) -> u32 {
        let line = self.line_starts.partition_point(|&start| start <= at);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    pub(super) fn fail<T>(
        &self,
        kind: Kind,
        line: u32,
        table: &str,
        key: &str,
        problem: String,
        allowed: &str,
    ) -> Result<T, PolicyError> {
        Err(PolicyError::new(
            kind, self.file, line, table, key, problem, allowed,
        ))
    }

    pub(super) fn fail_at<T>(
        &self,
        kind: Kind,
        entry: &Entry<'_, '_>,
        table: &str,
        problem: String,
        allowed: &str,
    ) -> Result<T, PolicyError> {
        self.fail(kind, entry.line, table, entry.key, problem, allowed)
    }

    /// Entries in the order they appear in the file (the parser's map sorts
    /// them by name), so "the first problem found" is the first a reader meets.
    pub(super) fn entries<'t, 'i>(&self, table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
        let mut entries: Vec<(usize, Entry<'t, 'i>)> = table
            .iter()
            .map(
                |(key, value): (&'t Spanned<Cow<'i, str>>, &'t Spanned<DeValue<'i>>)| {
                    let start = key.span().start;
                    (
                        start,
                        Entry {
                            key: key.get_ref().as_ref(),
                            value: value.get_ref(),
                            line: self.line_at(key.span().start),
                        },
                    )
                },
            )
            .collect();
        entries.sort_by_key(|(start, _)| *start);
        entries.into_iter().map(|(_, entry)| entry).collect()
    }

    pub(super) fn syntax<T>(&self, line: u32, problem: String) -> Result<T, PolicyError> {
        self.fail(Kind::Syntax, line, "", "", problem, TOML_ALLOWED)
    }

    /// The error of a file that stops being UTF-8 where `self.text` ends
    /// (read before any TOML, so whatever else is wrong).
    pub(super) fn not_utf8(&self) -> PolicyError {
        let line = self.line_at(self.text.len());
        let problem = "the file is not valid UTF-8".into();
        PolicyError::new(Kind::Syntax, self.file, line, "", "", problem, TOML_ALLOWED)
    }

    /// The line of syntax error `error` in `parsed` (the text, or the part of
    /// it toml read). Where the text ends too early (an unclosed array,
    /// table or string, only white space and comments after it), that is
    /// the line of its last character, or where toml's part ends.
    fn syntax_line(&self, parsed: &str, error: &toml::de::Error) -> u32 {
        let Some(at) = error.span().map(|span| span.start) else {
            return 0;
        };
        let message = error.message();
        let unclosed = message.starts_with("unclosed") || message.contains("string, expected");
        match unclosed && only_space_and_comments(parsed.get(at..).unwrap_or_default()) {
            false => self.line_at(at),
            true if parsed.len() < self.text.len() => self.line_at(parsed.len()),
            true => self.line_at(parsed.len().saturating_sub(1)),
        }
    }

    /// The document, if it is valid TOML v1.0 within the spec's limits.
    pub(super) fn document(&self) -> Result<Spanned<DeTable<'_>>, PolicyError> {
        // toml parses TOML 1.1 and past the limits: what it should refuse is a
        // syntax error as well, and the first problem in the file is reported,
        // where a 1.0 parser stops. toml reads only the text before that
        // problem (so no deeper than the limit), and reports grammar errors
        // before duplicate keys: its first by line counts, unless it lies on
        // the problem's line (where the text it read ends).
        let beyond = first_beyond_v1_0(self.text);
        let text = beyond.map_or(self.text, |(at, _)| &self.text[..at]);
        let (document, errors) = DeTable::parse_recoverable(text);
        let first = errors
            .iter()
            .map(|error| (self.syntax_line(text, error), error))
            .min_by_key(|&(line, _)| line);
        match (first, beyond) {
            (None, None) => Ok(document),
            (Some((line, error)), None) => self.syntax(line, error.message().trim().to_string()),
            (Some((line, error)), Some((at, _))) if line < self.line_at(at) => {
                self.syntax(line, error.message().trim().to_string())
            }
            (_, Some((at, what))) => self.syntax(self.line_at(at), what.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;
    use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};

    fn error(text: &str) -> PolicyError {
        Policy::parse(text, "p.toml", None).expect_err("the policy is invalid")
    }

    #[test]
    fn toml_1_1_syntax_is_rejected_as_in_the_other_languages() {
        // The spec says TOML v1.0: a multi-line inline table is 1.1 only.
        assert_eq!(
            error("[service]\napi = {\n  max_attempts = 3,\n}\n").to_string(),
            "p.toml:2: a newline inside an inline table is TOML 1.1, not 1.0 (allowed: a valid TOML v1.0 document)"
        );
    }

    #[test]
    fn depth_is_limited_for_values_only_and_deep_text_is_no_danger() {
        let nested = |n: usize, inner: &str| {
            format!(
                "[default]\nretry_on = {}{inner}{}\n",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        for text in [nested(257, ""), nested(256, "1"), nested(100_000, "")] {
            let error = error(&text);
            assert_eq!((error.kind(), error.line()), (Kind::Syntax, 2), "{error}");
        }
        assert_eq!(error(&nested(256, "")).kind(), Kind::WrongType);
        let dotted = format!("[default]\n{} = 1\n", vec!["a"; 300].join("."));
        let error = error(&dotted);
        assert_eq!(
            (error.kind(), error.table(), error.key()),
            (Kind::UnknownTable, "default", "a")
        );
    }

    #[test]
    fn a_text_that_ends_too_early_is_reported_on_its_last_line() {
        for (text, line) in [
            ("[default]\nretry_on = [1040,\n\n", 3),
            ("[default]\nretry_on = [1040,\n# c\n", 3),
            ("[default]\njitter = \"\"\"full\n\n", 3),
            ("[default]\njitter = # none\nmax_attempts = 3\n", 2),
            ("[default]\njitter # \"full\"\nmax_attempts = 3\n", 2),
            ("[default]\nx = 1\r\r\n# c\n", 2),
        ] {
            assert_eq!(error(text).line(), line, "{text:?}");
        }
    }

    #[test]
    fn the_first_syntax_error_is_reported_whichever_toml_it_breaks() {
        // 1.1 syntax on line 2 before a duplicate key (no TOML at all), then after one.
        let text = "[default]\njitter = \"\\e\"\nmax_attempts = 3\nmax_attempts = 4\n";
        assert_eq!(error(text).line(), 2);
        let text = "[default]\nmax_attempts = 3\nmax_attempts = 4\njitter = \"\\e\"\n";
        let error = error(text);
        assert_eq!((error.kind(), error.line()), (Kind::Syntax, 3));
        assert!(!error.problem().contains("TOML 1.1"), "{error}");
    }
}
