//! The policy file as a TOML v1.0 document: its syntax, the line of each
//! key, its entries in file order, and the error a load reports.

use std::borrow::Cow;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::toml_v1_0::first_toml_1_1;
use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};

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

/// Reads one policy file's text; `file` names it in errors. Its checks are
/// spread over this module's files, one concept each.
pub(super) struct Validator<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
}

impl Validator<'_> {
    fn line(&self, span: Range<usize>) -> u32 {
        let end = span.start.min(self.text.len());
        let newlines = self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        u32::try_from(newlines + 1).unwrap_or(u32::MAX)
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
                            line: self.line(key.span()),
                        },
                    )
                },
            )
            .collect();
        entries.sort_by_key(|(start, _)| *start);
        entries.into_iter().map(|(_, entry)| entry).collect()
    }

    pub(super) fn syntax<T>(&self, at: Option<usize>, problem: String) -> Result<T, PolicyError> {
        let line = at.map_or(0, |start| self.line(start..start));
        self.fail(
            Kind::Syntax,
            line,
            "",
            "",
            problem,
            "a valid TOML v1.0 document",
        )
    }

    /// The document, if it is valid TOML v1.0.
    pub(super) fn document(&self) -> Result<Spanned<DeTable<'_>>, PolicyError> {
        // toml may parse TOML 1.1: what 1.1 added is a syntax error as well.
        // The first in the file is reported, where a 1.0 parser stops; on a
        // tie, a 1.0 toml stopped at that 1.1 syntax, so it is named.
        let toml_1_1 = |at, what| self.syntax(Some(at), format!("{what} is TOML 1.1, not 1.0"));
        match (DeTable::parse(self.text), first_toml_1_1(self.text)) {
            (Ok(document), None) => Ok(document),
            (Ok(_), Some((at, what))) => toml_1_1(at, what),
            (Err(error), Some((at, what))) if error.span().is_none_or(|span| at <= span.start) => {
                toml_1_1(at, what)
            }
            (Err(error), _) => {
                let at = error.span().map(|span| span.start);
                self.syntax(at, error.message().trim().to_string())
            }
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
