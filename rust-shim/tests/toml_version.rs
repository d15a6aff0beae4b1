//! A policy file is TOML v1.0 (docs/spec.md section 1), as the C++, Python and
//! Node parsers read it, though the toml release in Cargo.lock parses TOML 1.1.
//! Each case is shaped like one of tests/vectors/invalid_policy.json (table and
//! key empty); its line is where Python's tomllib, a TOML 1.0 parser, stops.

use connguard::{Policy, PolicyErrorKind};
use toml::de::DeTable;

/// The name, text and expected line of each case; the kind is `syntax`.
const CASES: &[(&str, &str, u32)] = &[
    // Inline tables: newlines, comments and a trailing comma are 1.1 only.
    (
        "toml11_inline_table_newline",
        "[service]\napi = {\n  max_attempts = 3\n}\n",
        2,
    ),
    (
        "toml11_inline_table_newline_after_value",
        "[service]\napi = { max_attempts = 3\n}\n",
        2,
    ),
    (
        // An array may span lines inside an inline table; the newline after it may not.
        "toml11_inline_table_newline_after_array",
        "[service]\napi = { retry_on = [\n  1040,\n],\n}\n",
        4,
    ),
    (
        "toml11_inline_table_comment",
        "[service]\napi = { max_attempts = 3 # three\n}\n",
        2,
    ),
    (
        "toml11_inline_table_trailing_comma",
        "[service]\napi = { max_attempts = 3, }\n",
        2,
    ),
    (
        "toml11_limiter_trailing_comma",
        "[default]\nlimiter = { max_limit = 5, }\n",
        2,
    ),
    // The escapes \e and \xHH, in values and keys.
    ("toml11_escape_e", "[default]\njitter = \"\\e\"\n", 2),
    ("toml11_escape_x", "[default]\njitter = \"\\x66ull\"\n", 2),
    (
        "toml11_escape_x_multiline",
        "[default]\njitter = \"\"\"\n\\x66ull\"\"\"\n",
        3,
    ),
    (
        "toml11_escape_in_key",
        "[default]\n\"max_\\x61ttempts\" = 3\n",
        2,
    ),
    ("toml11_escape_in_table_header", "[service.\"a\\e\"]\n", 1),
    // Times without seconds, alone or in a date-time.
    (
        "toml11_time_without_seconds",
        "[default]\ndeadline = 07:32\n",
        2,
    ),
    (
        "toml11_datetime_without_seconds",
        "[default]\ndeadline = 1979-05-27T07:32Z\n",
        2,
    ),
    (
        "toml11_datetime_space_without_seconds",
        "[default]\ndeadline = 1979-05-27 07:32\n",
        2,
    ),
    (
        "toml11_offset_without_seconds",
        "[default]\ndeadline = 1979-05-27T07:32+01:00\n",
        2,
    ),
    // With another syntax error, the first in the file is reported.
    (
        "toml11_after_a_duplicate_key",
        "[default]\nmax_attempts = 3\nmax_attempts = 4\njitter = \"\\e\"\n",
        3,
    ),
    (
        "toml11_before_a_duplicate_key",
        "[default]\njitter = \"\\e\"\nmax_attempts = 3\nmax_attempts = 4\n",
        2,
    ),
];

#[test]
fn toml_1_1_syntax_is_a_syntax_error_at_the_line_a_1_0_parser_stops() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|&(name, text, line)| {
            let error = match Policy::parse(text, "vector.toml", None) {
                Ok(policy) => return Some(format!("{name}: accepted: {policy:?}")),
                Err(error) => error,
            };
            let got = (error.kind(), error.table(), error.key(), error.line());
            let from_1_1 = !name.ends_with("after_a_duplicate_key");
            let message = error.to_string();
            (got != (PolicyErrorKind::Syntax, "", "", line)
                || !message.starts_with(&format!("vector.toml:{line}: "))
                || message.contains("is TOML 1.1, not 1.0") != from_1_1)
                .then(|| format!("{name}: got {got:?}, want line {line}: {message}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_toml_1_0_forms_beside_them_load() {
    let text = "[service]\n\
                api = { retry_on = [\n  1040, # capacity\n  1203,\n], limiter = { max_limit = 5 } }\n\
                web = { jitter = \"\\u0066ull\", never_retry = [1045,] }\n";
    let api = Policy::parse(text, "p.toml", Some("api")).unwrap();
    assert_eq!((api.retry_on, api.limiter.max_limit), (vec![1040, 1203], 5));
    let web = Policy::parse(text, "p.toml", Some("web")).unwrap();
    assert_eq!(web.jitter, connguard::Jitter::Full);
    // Escaped backslashes and literal strings hold no escape.
    let error = Policy::parse("[default]\njitter = \"\\\\e\"\n", "p.toml", None).unwrap_err();
    assert_eq!(error.kind(), PolicyErrorKind::BadChoice);
    let error = Policy::parse("[default]\njitter = '\\x66'\n", "p.toml", None).unwrap_err();
    assert_eq!(error.kind(), PolicyErrorKind::BadChoice);
}

/// Without this the cases above would pass on a TOML 1.0 parser alone,
/// proving nothing about the check: Cargo.lock must hold a 1.1 parser.
#[test]
fn the_locked_parser_reads_toml_1_1() {
    for text in ["a = {\n  b = 1,\n}\n", "a = \"\\e\\x41\"\n", "a = 07:32\n"] {
        assert!(DeTable::parse(text).is_ok(), "{text:?}");
    }
}
