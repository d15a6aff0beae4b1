//! The value of each key: its TOML type and its range (spec 1.1, 1.2).

use toml::de::DeValue;

use super::document::{type_name, Entry, Validator};
use super::Jitter;
use crate::duration::parse_duration;
use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};

const LIMIT_ALLOWED: &str = "an integer from 1 to 100000";
const DURATION_ALLOWED: &str = r#"a string such as "250ms", "5s" or "2m", > 0"#;
const CODE_ALLOWED: &str = "an array of integers, each 1 to 65535";

/// `text` as a TOML basic string, so that a message stays on one line.
fn in_quotes(text: &str) -> String {
    let mut quoted = String::from('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                quoted.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// A float in a message (spec 1.3): the shortest digits that read back as
/// the same double, laid out as JavaScript's Number::toString does (an
/// exponent from 1e21 up and below 1e-6), the same in every language.
fn float_text(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value.is_infinite() {
        return format!("{sign}inf");
    }
    if value == 0.0 {
        return format!("{sign}0");
    }
    let scientific = format!("{:e}", value.abs()); // "d.ddde-X", shortest
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits = mantissa.replace('.', "");
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap_or(0) + 1; // value = 0.DIGITS * 10^n
    let zeros = |count: i32| "0".repeat(count.max(0) as usize);
    match n {
        n if k <= n && n <= 21 => format!("{sign}{digits}{}", zeros(n - k)),
        n if 0 < n && n <= 21 => {
            let (int, fraction) = digits.split_at(n as usize);
            format!("{sign}{int}.{fraction}")
        }
        n if -6 < n && n <= 0 => format!("{sign}0.{}{digits}", zeros(-n)),
        n => {
            let (first, rest) = digits.split_at(1);
            let point = if rest.is_empty() {
                String::new()
            } else {
                format!(".{rest}")
            };
            let exp_sign = if n > 0 { '+' } else { '-' };
            format!("{sign}{first}{point}e{exp_sign}{}", (n - 1).abs())
        }
    }
}

fn integer(value: &DeValue<'_>) -> Option<i128> {
    // i128: any TOML integer fits, so an out-of-range one is reported as such.
    value
        .as_integer()
        .and_then(|i| i128::from_str_radix(i.as_str(), i.radix()).ok())
}

fn float(value: &DeValue<'_>) -> Option<f64> {
    value.as_float().and_then(|f| f.as_str().parse().ok())
}

impl Validator<'_> {
    pub(super) fn max_attempts(
        &self,
        entry: &Entry<'_, '_>,
        name: &str,
    ) -> Result<u32, PolicyError> {
        self.bounded(entry, name, 1000, "an integer from 1 to 1000")
    }

    pub(super) fn limit(&self, entry: &Entry<'_, '_>, name: &str) -> Result<u32, PolicyError> {
        self.bounded(entry, name, 100_000, LIMIT_ALLOWED)
    }

    /// An integer from 1 to `max`.
    fn bounded(
        &self,
        entry: &Entry<'_, '_>,
        name: &str,
        max: u32,
        allowed: &str,
    ) -> Result<u32, PolicyError> {
        let Some(value) = integer(entry.value) else {
            return self.fail_at(
                Kind::WrongType,
                entry,
                name,
                format!("expected an integer, got {}", type_name(entry.value)),
                allowed,
            );
        };
        match u32::try_from(value) {
            Ok(v) if (1..=max).contains(&v) => Ok(v),
            _ => self.fail_at(
                Kind::OutOfRange,
                entry,
                name,
                format!("{value} is out of range"),
                allowed,
            ),
        }
    }

    pub(super) fn duration(&self, entry: &Entry<'_, '_>, name: &str) -> Result<f64, PolicyError> {
        let text = match entry.value {
            DeValue::String(text) => text,
            DeValue::Integer(_) | DeValue::Float(_) => {
                let number = integer(entry.value).map_or_else(
                    || float_text(float(entry.value).unwrap_or(f64::NAN)),
                    |i| i.to_string(),
                );
                return self.fail_at(
                    Kind::BadDuration,
                    entry,
                    name,
                    format!(r#"bare number {number} has no unit; write a string with a unit, e.g. "250ms""#),
                    DURATION_ALLOWED,
                );
            }
            other => {
                return self.fail_at(
                    Kind::BadDuration,
                    entry,
                    name,
                    format!("expected a duration string, got {}", type_name(other)),
                    DURATION_ALLOWED,
                );
            }
        };
        match parse_duration(text) {
            None => self.fail_at(
                Kind::BadDuration,
                entry,
                name,
                format!("{} is not a duration", in_quotes(text)),
                DURATION_ALLOWED,
            ),
            Some(seconds) if !(seconds > 0.0 && seconds.is_finite()) => self.fail_at(
                Kind::OutOfRange,
                entry,
                name,
                format!("{} is out of range", in_quotes(text)),
                DURATION_ALLOWED,
            ),
            Some(seconds) => Ok(seconds),
        }
    }

    pub(super) fn multiplier(&self, entry: &Entry<'_, '_>, name: &str) -> Result<f64, PolicyError> {
        const ALLOWED: &str = "a finite number >= 1.0";
        let value = match entry.value {
            DeValue::Float(_) => float(entry.value).unwrap_or(f64::NAN),
            DeValue::Integer(_) => integer(entry.value).map_or(f64::NAN, |i| i as f64),
            other => {
                return self.fail_at(
                    Kind::WrongType,
                    entry,
                    name,
                    format!("expected a number, got {}", type_name(other)),
                    ALLOWED,
                );
            }
        };
        if !value.is_finite() || value < 1.0 {
            return self.fail_at(
                Kind::OutOfRange,
                entry,
                name,
                format!("{} is out of range", float_text(value)),
                ALLOWED,
            );
        }
        Ok(value)
    }

    pub(super) fn jitter(&self, entry: &Entry<'_, '_>, name: &str) -> Result<Jitter, PolicyError> {
        const ALLOWED: &str = r#""full", "equal", "decorrelated" or "none""#;
        let DeValue::String(text) = entry.value else {
            return self.fail_at(
                Kind::WrongType,
                entry,
                name,
                format!("expected a string, got {}", type_name(entry.value)),
                ALLOWED,
            );
        };
        match Jitter::ALL.into_iter().find(|j| j.as_str() == text) {
            Some(jitter) => Ok(jitter),
            None => self.fail_at(
                Kind::BadChoice,
                entry,
                name,
                format!("{} is not a jitter kind", in_quotes(text)),
                ALLOWED,
            ),
        }
    }

    pub(super) fn codes(&self, entry: &Entry<'_, '_>, name: &str) -> Result<Vec<u16>, PolicyError> {
        let DeValue::Array(array) = entry.value else {
            return self.fail_at(
                Kind::WrongType,
                entry,
                name,
                format!("expected an array, got {}", type_name(entry.value)),
                CODE_ALLOWED,
            );
        };
        let mut codes = Vec::new();
        for element in array.iter() {
            let element = element.get_ref();
            let Some(code) = integer(element) else {
                return self.fail_at(
                    Kind::WrongType,
                    entry,
                    name,
                    format!("expected integer elements, got {}", type_name(element)),
                    CODE_ALLOWED,
                );
            };
            match u16::try_from(code) {
                Ok(code) if code >= 1 => codes.push(code),
                _ => {
                    return self.fail_at(
                        Kind::OutOfRange,
                        entry,
                        name,
                        format!("error code {code} is out of range"),
                        CODE_ALLOWED,
                    );
                }
            }
        }
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;
    use crate::policy_error::PolicyError;

    fn error(text: &str) -> PolicyError {
        Policy::parse(text, "p.toml", None).expect_err("the policy is invalid")
    }

    #[test]
    fn floats_read_as_in_every_language() {
        for (value, text) in [
            (0.5, "0.5"),
            (-0.0, "-0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (5e-324, "5e-324"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(super::float_text(value), text);
        }
    }

    #[test]
    fn a_control_character_stays_escaped_in_the_message() {
        assert!(error("[default]\njitter = \"a\\u0001\"\n")
            .to_string()
            .contains(r#""a\u0001" is not a jitter kind"#));
    }
}
