//! Durations as written in policy files (spec 1.2): `"250ms"`, `"5s"`, `"2m"`.

/// Seconds denoted by `text` when it matches `^[0-9]+(\.[0-9]+)?(ms|s|m)$`, else `None`.
///
/// The number is read as the nearest double, then divided by 1000 (`ms`), kept
/// (`s`) or multiplied by 60 (`m`). A number too large for a double yields
/// infinity; callers range-check the result.
pub fn parse_duration(text: &str) -> Option<f64> {
    // The grammar is tiny: match it by hand rather than pull in a regex engine.
    let bytes = text.as_bytes();
    let digits_from = |pos: usize| {
        bytes[pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut end = digits_from(0);
    if end == 0 {
        return None;
    }
    if bytes.get(end) == Some(&b'.') {
        let fraction = digits_from(end + 1);
        if fraction == 0 {
            return None;
        }
        end += 1 + fraction;
    }
    let (number, unit) = text.split_at(end);
    // Rust's float parsing is correctly rounded, and overflows to infinity.
    let value: f64 = number.parse().ok()?;
    match unit {
        "ms" => Some(value / 1000.0),
        "s" => Some(value),
        "m" => Some(value * 60.0),
        _ => None,
    }
}

/// Shortest text that [`parse_duration`] maps back to exactly `seconds`
/// (`"50ms"`, `"5s"`, `"2m"`, `"1.5s"`); on a tie `s` is preferred, then `ms`, then `m`.
///
/// `seconds` must be finite and >= 0, as every duration of a valid policy is.
pub fn format_duration(seconds: f64) -> String {
    // f64's Display is the shortest text that reads back exactly, never in
    // exponent form, so it stays inside the duration grammar.
    let candidates = [
        format!("{seconds}s"),
        format!("{}ms", seconds * 1000.0),
        format!("{}m", seconds / 60.0),
    ];
    let mut best = &candidates[0];
    for candidate in &candidates {
        if candidate.len() < best.len() && parse_duration(candidate) == Some(seconds) {
            best = candidate;
        }
    }
    best.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("50ms"), Some(50.0 / 1000.0));
        assert_eq!(parse_duration("2s"), Some(2.0));
        assert_eq!(parse_duration("1.5m"), Some(90.0));
        assert_eq!(parse_duration("007s"), Some(7.0));
    }

    #[test]
    fn rejects_what_the_grammar_does_not_allow() {
        for text in [
            "", "s", "30", "30 s", "30S", ".5s", "5.s", "1e3ms", "-1s", "30s\n", " 30s", "1h",
            "+1s",
        ] {
            assert_eq!(parse_duration(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_number_too_large_for_a_double_is_infinite() {
        assert_eq!(
            parse_duration(&format!("{}s", "9".repeat(400))),
            Some(f64::INFINITY)
        );
    }

    #[test]
    fn formats_the_shortest_exact_text() {
        assert_eq!(format_duration(0.05), "50ms");
        assert_eq!(format_duration(5.0), "5s");
        assert_eq!(format_duration(120.0), "2m");
        assert_eq!(format_duration(1.5), "1.5s");
        assert_eq!(format_duration(0.0), "0s");
    }
}
