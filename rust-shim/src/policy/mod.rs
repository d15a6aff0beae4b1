//! The effective retry policy of one service, loaded from a policy file (spec 1).

mod document;
mod tables;
mod toml_v1_0;
mod values;

use std::fmt;
use std::path::Path;

use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};
use document::Validator;

/// The file `Policy::from_env` reads.
pub const POLICY_ENV: &str = "CONNGUARD_POLICY";
/// The service `Policy::from_env` loads when the caller names none.
pub const SERVICE_ENV: &str = "CONNGUARD_SERVICE";

/// How a retry's delay is spread around its base (spec 3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Jitter {
    Full,
    Equal,
    Decorrelated,
    None,
}

impl Jitter {
    const ALL: [Jitter; 4] = [Self::Full, Self::Equal, Self::Decorrelated, Self::None];

    /// `"full"`, `"equal"`, `"decorrelated"`, `"none"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Equal => "equal",
            Self::Decorrelated => "decorrelated",
            Self::None => "none",
        }
    }
}

impl fmt::Display for Jitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Load control per process and target (spec 6): the `[*.limiter]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimiterPolicy {
    pub enabled: bool,
    /// Connects at once before the first success (slow start begins here).
    pub initial_limit: u32,
    /// Never more connections than this per process and target.
    pub max_limit: u32,
}

impl Default for LimiterPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            initial_limit: 2,
            max_limit: 1000,
        }
    }
}

/// The effective policy of one service (spec 1.1). Durations are in seconds,
/// as the spec computes with them; [`Default`] is the built-in defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The `[service.NAME]` it came from; empty for the `[default]` policy.
    pub service: String,
    pub max_attempts: u32,
    pub deadline: f64,
    pub connect_timeout: f64,
    pub initial_delay: f64,
    pub max_delay: f64,
    pub multiplier: f64,
    pub jitter: Jitter,
    /// Kept as written: file order, duplicates kept.
    pub retry_on: Vec<u16>,
    pub never_retry: Vec<u16>,
    pub limiter: LimiterPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            service: String::new(),
            max_attempts: 10,
            deadline: 30.0,
            connect_timeout: 5.0,
            initial_delay: 0.05,
            max_delay: 5.0,
            multiplier: 2.0,
            jitter: Jitter::Full,
            retry_on: Vec::new(),
            never_retry: Vec::new(),
            limiter: LimiterPolicy::default(),
        }
    }
}

impl Policy {
    /// The effective policy of `service` (`None` or empty: the `[default]`
    /// policy) in the file at `path`. The whole file is validated whatever
    /// service is asked for; errors name the path as given.
    pub fn load(path: impl AsRef<Path>, service: Option<&str>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => Self::parse(text, &file, service),
                Err(error) => {
                    // A syntax error where the text stops being UTF-8, as in every language.
                    let valid = std::str::from_utf8(&bytes[..error.valid_up_to()]);
                    Err(Validator::new(&file, valid.unwrap_or_default()).not_utf8())
                }
            },
            Err(error) => Err(PolicyError::new(
                Kind::Io,
                &file,
                0,
                "",
                "",
                format!("cannot read the file: {error}"),
                "a readable TOML file",
            )),
        }
    }

    /// Like [`load`](Self::load), from text; `file` names it in errors
    /// (`"<string>"` when there is no file).
    pub fn parse(text: &str, file: &str, service: Option<&str>) -> Result<Policy, PolicyError> {
        let set = Validator::new(file, text).policy_set()?;
        match service.filter(|name| !name.is_empty()) {
            None => Ok(set.defaults),
            Some(name) => set
                .services
                .iter()
                .find(|p| p.service == name)
                .cloned()
                .ok_or_else(|| {
                    let defined: Vec<&str> =
                        set.services.iter().map(|p| p.service.as_str()).collect();
                    let allowed = if defined.is_empty() {
                        "none; the file defines no [service.NAME] table".to_string()
                    } else {
                        defined.join(", ")
                    };
                    PolicyError::new(
                        Kind::UnknownService,
                        file,
                        0,
                        &format!("service.{name}"),
                        "",
                        "no such service in the policy file".into(),
                        &allowed,
                    )
                }),
        }
    }

    /// The policy a service gets when its code names none, as in the other
    /// languages: the file `$CONNGUARD_POLICY` for `service` (else
    /// `$CONNGUARD_SERVICE`, else `[default]`); the built-in defaults when
    /// `$CONNGUARD_POLICY` is unset or empty.
    pub fn from_env(service: Option<&str>) -> Result<Policy, PolicyError> {
        let path = std::env::var_os(POLICY_ENV).unwrap_or_default();
        if path.is_empty() {
            return Ok(Policy::default());
        }
        let from_env = std::env::var(SERVICE_ENV).ok();
        let service = service.filter(|s| !s.is_empty()).or(from_env.as_deref());
        Self::load(Path::new(&path), service)
    }

    /// The name log lines give the service: the policy's, else
    /// `$CONNGUARD_SERVICE`, else `default`.
    pub fn service_name(&self) -> String {
        if !self.service.is_empty() {
            return self.service.clone();
        }
        std::env::var(SERVICE_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> PolicyError {
        Policy::parse(text, "p.toml", None).expect_err("the policy is invalid")
    }

    #[test]
    fn empty_text_is_the_built_in_defaults() {
        assert_eq!(Policy::parse("", "p.toml", None), Ok(Policy::default()));
    }

    #[test]
    fn a_service_gets_its_name() {
        let policy =
            Policy::parse("[service.api]\nmax_attempts = 3\n", "p.toml", Some("api")).unwrap();
        assert_eq!((policy.service.as_str(), policy.max_attempts), ("api", 3));
    }

    #[test]
    fn messages_read_like_the_cpp_engines() {
        assert_eq!(
            error("[default]\ndeadline = 30\n").to_string(),
            r#"p.toml:2: [default] deadline: bare number 30 has no unit; write a string with a unit, e.g. "250ms" (allowed: a string such as "250ms", "5s" or "2m", > 0)"#
        );
        assert_eq!(
            error("[default]\ninitial_delay = \"2s\"\nmax_delay = \"1s\"\n").to_string(),
            "p.toml:3: [default] max_delay: 1s is less than initial_delay 2s (allowed: a duration >= initial_delay (2s))"
        );
        assert_eq!(
            Policy::parse("[service.a]\n", "p.toml", Some("b"))
                .unwrap_err()
                .to_string(),
            "p.toml: [service.b] no such service in the policy file (allowed: a)"
        );
    }

    #[test]
    fn a_file_that_is_not_utf8_is_a_syntax_error_on_its_line_before_any_other() {
        let path =
            std::env::temp_dir().join(format!("connguard-latin1-{}.toml", std::process::id()));
        std::fs::write(&path, b"[default]\nx = 1\nx = 2\n# \xE9\n").unwrap();
        let error = Policy::load(&path, None).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((error.kind(), error.line()), (Kind::Syntax, 4), "{error}");
    }

    #[test]
    fn an_unreadable_file_is_an_io_error_naming_it() {
        let error = Policy::load("/nonexistent/connguard.toml", None).unwrap_err();
        assert_eq!(error.kind(), Kind::Io);
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/connguard.toml: cannot read the file: "),
            "{error}"
        );
    }
}
