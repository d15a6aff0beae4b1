//! The single error a failed policy load reports (spec 1.3).

use std::fmt;

/// What was wrong, named as in the spec (`unknown_key`, `bad_duration`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyErrorKind {
    Io,
    Syntax,
    UnknownTable,
    UnknownKey,
    WrongType,
    OutOfRange,
    BadDuration,
    BadChoice,
    Inconsistent,
    UnknownService,
}

impl PolicyErrorKind {
    /// `"io"`, `"syntax"`, `"unknown_table"`, ... as the spec names them.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "io",
            Self::Syntax => "syntax",
            Self::UnknownTable => "unknown_table",
            Self::UnknownKey => "unknown_key",
            Self::WrongType => "wrong_type",
            Self::OutOfRange => "out_of_range",
            Self::BadDuration => "bad_duration",
            Self::BadChoice => "bad_choice",
            Self::Inconsistent => "inconsistent",
            Self::UnknownService => "unknown_service",
        }
    }
}

impl fmt::Display for PolicyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Displays as `FILE:LINE: [TABLE] KEY: PROBLEM (allowed: ALLOWED)`, leaving out
/// `:LINE` when the line is 0, `[TABLE] ` for the top level and `KEY: ` when
/// there is no key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError(Box<Details>); // boxed: a Result stays small on the success path

#[derive(Clone, Debug, PartialEq, Eq)]
struct Details {
    kind: PolicyErrorKind,
    file: String,
    line: u32,
    table: String,
    key: String,
    problem: String,
    allowed: String,
}

impl PolicyError {
    pub(crate) fn new(
        kind: PolicyErrorKind,
        file: &str,
        line: u32,
        table: &str,
        key: &str,
        problem: String,
        allowed: &str,
    ) -> Self {
        Self(Box::new(Details {
            kind,
            file: file.into(),
            line,
            table: table.into(),
            key: key.into(),
            problem,
            allowed: allowed.into(),
        }))
    }

    pub fn kind(&self) -> PolicyErrorKind {
        self.0.kind
    }

    /// The path as given, or `<string>` for text with no file.
    pub fn file(&self) -> &str {
        &self.0.file
    }

    /// 1-based line of the offending key or table header; 0 when unknown.
    pub fn line(&self) -> u32 {
        self.0.line
    }

    /// `default`, `service.NAME`, or empty for the top level.
    pub fn table(&self) -> &str {
        &self.0.table
    }

    /// The offending key; empty for table-level errors.
    pub fn key(&self) -> &str {
        &self.0.key
    }

    pub fn problem(&self) -> &str {
        &self.0.problem
    }

    /// What would have been accepted, in words.
    pub fn allowed(&self) -> &str {
        &self.0.allowed
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        let mut message = d.file.clone();
        if d.line != 0 {
            message.push_str(&format!(":{}", d.line));
        }
        message.push_str(": ");
        if !d.table.is_empty() {
            message.push_str(&format!("[{}] ", d.table));
        }
        if !d.key.is_empty() {
            message.push_str(&format!("{}: ", d.key));
        }
        message.push_str(&d.problem);
        if !d.allowed.is_empty() {
            message.push_str(&format!(" (allowed: {})", d.allowed));
        }
        f.write_str(&escape_controls(&message))
    }
}

/// Control characters (a NUL or a newline in a quoted key, say) as `\uXXXX`,
/// so that a message stays one whole line, as in every language.
fn escape_controls(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c < ' ' || c == '\u{7F}' {
            escaped.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: u32, table: &str, key: &str) -> PolicyError {
        PolicyError::new(
            PolicyErrorKind::UnknownKey,
            "p.toml",
            line,
            table,
            key,
            "unknown key".into(),
            "max_attempts",
        )
    }

    #[test]
    fn control_characters_in_a_key_are_escaped_and_the_message_is_whole() {
        assert_eq!(
            error(2, "default", "a\0b\n").to_string(),
            r"p.toml:2: [default] a\u0000b\u000A: unknown key (allowed: max_attempts)"
        );
    }

    #[test]
    fn message_has_the_spec_format() {
        assert_eq!(
            error(3, "default", "max_retries").to_string(),
            "p.toml:3: [default] max_retries: unknown key (allowed: max_attempts)"
        );
    }

    #[test]
    fn message_leaves_out_what_is_empty() {
        assert_eq!(
            error(0, "", "").to_string(),
            "p.toml: unknown key (allowed: max_attempts)"
        );
    }
}
