//! The effective retry policy of one service, loaded from a policy file (spec 1).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::duration::{format_duration, parse_duration};
use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};
use crate::toml_v1_0::first_toml_1_1;

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
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &file, service),
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
        let set = Validator { file, text }.policy_set()?;
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

const POLICY_KEYS: &str = "max_attempts, deadline, connect_timeout, initial_delay, max_delay, \
                           multiplier, jitter, retry_on, never_retry and the table limiter";
const LIMITER_KEYS: &str = "enabled, initial_limit, max_limit";
const LIMIT_ALLOWED: &str = "an integer from 1 to 100000";
const TOP_LEVEL: &str = "the tables [default] and [service.NAME]";
const DURATION_ALLOWED: &str = r#"a string such as "250ms", "5s" or "2m", > 0"#;
const CODE_ALLOWED: &str = "an array of integers, each 1 to 65535";

/// Every effective policy of one file.
struct PolicySet {
    defaults: Policy,
    services: Vec<Policy>, // file order
}

/// One entry of a table, with the line its key is written on.
struct Entry<'a, 'i> {
    key: &'a str,
    value: &'a DeValue<'i>,
    line: u32,
}

/// One table's own keys, validated; applied over the policy it inherits from.
#[derive(Default)]
struct Own {
    name: String,
    max_attempts: Option<u32>,
    deadline: Option<f64>,
    connect_timeout: Option<f64>,
    initial_delay: Option<(f64, u32)>, // value, line
    max_delay: Option<(f64, u32)>,
    multiplier: Option<f64>,
    jitter: Option<Jitter>,
    retry_on: Option<Vec<u16>>,
    never_retry: Option<Vec<u16>>,
    enabled: Option<bool>,
    initial_limit: Option<(u32, u32)>, // value, line
    max_limit: Option<(u32, u32)>,
}

impl Own {
    fn over(&self, base: &Policy) -> Policy {
        let p = base.clone();
        Policy {
            service: p.service,
            max_attempts: self.max_attempts.unwrap_or(p.max_attempts),
            deadline: self.deadline.unwrap_or(p.deadline),
            connect_timeout: self.connect_timeout.unwrap_or(p.connect_timeout),
            initial_delay: self.initial_delay.map_or(p.initial_delay, |(v, _)| v),
            max_delay: self.max_delay.map_or(p.max_delay, |(v, _)| v),
            multiplier: self.multiplier.unwrap_or(p.multiplier),
            jitter: self.jitter.unwrap_or(p.jitter),
            retry_on: self.retry_on.clone().unwrap_or(p.retry_on),
            never_retry: self.never_retry.clone().unwrap_or(p.never_retry),
            // Inherited key by key, like the rest.
            limiter: LimiterPolicy {
                enabled: self.enabled.unwrap_or(p.limiter.enabled),
                initial_limit: self
                    .initial_limit
                    .map_or(p.limiter.initial_limit, |(v, _)| v),
                max_limit: self.max_limit.map_or(p.limiter.max_limit, |(v, _)| v),
            },
        }
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
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

/// A float as TOML writes it.
fn float_text(value: f64) -> String {
    if value.is_nan() {
        "nan".into()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{value}")
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

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
}

impl<'a> Validator<'a> {
    fn line(&self, span: Range<usize>) -> u32 {
        let end = span.start.min(self.text.len());
        let newlines = self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        u32::try_from(newlines + 1).unwrap_or(u32::MAX)
    }

    fn fail<T>(
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

    fn fail_at<T>(
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
    fn entries<'t, 'i>(&self, table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
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

    fn syntax<T>(&self, at: Option<usize>, problem: String) -> Result<T, PolicyError> {
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

    fn policy_set(&self) -> Result<PolicySet, PolicyError> {
        // toml may parse TOML 1.1: what 1.1 added is a syntax error as well.
        // The first in the file is reported, where a 1.0 parser stops; on a
        // tie, a 1.0 toml stopped at that 1.1 syntax, so it is named.
        let toml_1_1 = |at, what| self.syntax(Some(at), format!("{what} is TOML 1.1, not 1.0"));
        let document = match (DeTable::parse(self.text), first_toml_1_1(self.text)) {
            (Ok(document), None) => document,
            (Ok(_), Some((at, what))) => return toml_1_1(at, what),
            (Err(error), Some((at, what))) if error.span().is_none_or(|span| at <= span.start) => {
                return toml_1_1(at, what)
            }
            (Err(error), _) => {
                let at = error.span().map(|span| span.start);
                return self.syntax(at, error.message().trim().to_string());
            }
        };

        // Every table's own keys first, in file order, whatever service is wanted.
        let mut default_own = Own {
            name: "default".into(),
            ..Own::default()
        };
        let mut service_owns: Vec<(String, Own)> = Vec::new();
        for entry in self.entries(document.get_ref()) {
            if entry.key != "default" && entry.key != "service" {
                let (kind, problem) = match entry.value {
                    DeValue::Table(_) => (Kind::UnknownTable, "unknown table"),
                    _ => (Kind::UnknownKey, "unknown top-level key"),
                };
                return self.fail_at(kind, &entry, "", problem.into(), TOP_LEVEL);
            }
            let DeValue::Table(table) = entry.value else {
                return self.fail_at(
                    Kind::WrongType,
                    &entry,
                    "",
                    format!("expected a table, got {}", type_name(entry.value)),
                    "a table",
                );
            };
            if entry.key == "default" {
                default_own = self.check_table(table, "default")?;
                continue;
            }
            for service in self.entries(table) {
                let name = service.key;
                // Not a [service.NAME] table: reported at the top level as key "service.NAME".
                let DeValue::Table(own) = service.value else {
                    return self.fail(
                        Kind::WrongType,
                        service.line,
                        "",
                        &format!("service.{name}"),
                        format!(
                            "expected a [service.{name}] table, got {}",
                            type_name(service.value)
                        ),
                        "a table",
                    );
                };
                service_owns.push((
                    name.to_string(),
                    self.check_table(own, &format!("service.{name}"))?,
                ));
            }
        }

        // Then inheritance: built-ins < [default] < [service.NAME], each checked.
        let defaults = self.effective(&default_own, &Policy::default())?;
        let mut services = Vec::with_capacity(service_owns.len());
        for (name, own) in &service_owns {
            let mut policy = self.effective(own, &defaults)?;
            policy.service.clone_from(name);
            services.push(policy);
        }
        Ok(PolicySet { defaults, services })
    }

    /// Validates the keys of `table`, named `name` in messages, in file order.
    fn check_table(&self, table: &DeTable<'_>, name: &str) -> Result<Own, PolicyError> {
        let mut own = Own {
            name: name.into(),
            ..Own::default()
        };
        for entry in self.entries(table) {
            match entry.key {
                "max_attempts" => own.max_attempts = Some(self.max_attempts(&entry, name)?),
                "deadline" => own.deadline = Some(self.duration(&entry, name)?),
                "connect_timeout" => own.connect_timeout = Some(self.duration(&entry, name)?),
                "initial_delay" => {
                    own.initial_delay = Some((self.duration(&entry, name)?, entry.line))
                }
                "max_delay" => own.max_delay = Some((self.duration(&entry, name)?, entry.line)),
                "multiplier" => own.multiplier = Some(self.multiplier(&entry, name)?),
                "jitter" => own.jitter = Some(self.jitter(&entry, name)?),
                "retry_on" => own.retry_on = Some(self.codes(&entry, name)?),
                "never_retry" => own.never_retry = Some(self.codes(&entry, name)?),
                "limiter" => self.check_limiter(&entry, &mut own)?,
                _ if entry.value.is_table() => {
                    return self.fail_at(
                        Kind::UnknownTable,
                        &entry,
                        name,
                        format!("a table is not allowed inside [{name}]"),
                        &format!("the keys {POLICY_KEYS}"),
                    );
                }
                _ => {
                    return self.fail_at(
                        Kind::UnknownKey,
                        &entry,
                        name,
                        "unknown key".into(),
                        POLICY_KEYS,
                    )
                }
            }
        }
        Ok(own)
    }

    /// The `[NAME.limiter]` table (spec 1.1): its keys go into `own`.
    fn check_limiter(&self, limiter: &Entry<'_, '_>, own: &mut Own) -> Result<(), PolicyError> {
        let DeValue::Table(table) = limiter.value else {
            return self.fail_at(
                Kind::WrongType,
                limiter,
                &own.name,
                format!("expected a table, got {}", type_name(limiter.value)),
                &format!("a table with the keys {LIMITER_KEYS}"),
            );
        };
        let name = format!("{}.limiter", own.name);
        for entry in self.entries(table) {
            match entry.key {
                "enabled" => match entry.value {
                    DeValue::Boolean(flag) => own.enabled = Some(*flag),
                    other => {
                        return self.fail_at(
                            Kind::WrongType,
                            &entry,
                            &name,
                            format!("expected a boolean, got {}", type_name(other)),
                            "true or false",
                        )
                    }
                },
                "initial_limit" => {
                    own.initial_limit = Some((self.limit(&entry, &name)?, entry.line))
                }
                "max_limit" => own.max_limit = Some((self.limit(&entry, &name)?, entry.line)),
                _ if entry.value.is_table() => {
                    return self.fail_at(
                        Kind::UnknownTable,
                        &entry,
                        &name,
                        format!("a table is not allowed inside [{name}]"),
                        &format!("the keys {LIMITER_KEYS}"),
                    );
                }
                _ => {
                    return self.fail_at(
                        Kind::UnknownKey,
                        &entry,
                        &name,
                        "unknown key".into(),
                        LIMITER_KEYS,
                    )
                }
            }
        }
        Ok(())
    }

    /// `own` over `base`, checked for max_delay >= initial_delay and
    /// max_limit >= initial_limit.
    fn effective(&self, own: &Own, base: &Policy) -> Result<Policy, PolicyError> {
        let policy = own.over(base);
        self.check_delays(own, &policy)?;
        let LimiterPolicy {
            initial_limit,
            max_limit,
            ..
        } = policy.limiter;
        if max_limit >= initial_limit {
            return Ok(policy);
        }
        let table = format!("{}.limiter", own.name);
        if let Some((_, line)) = own.max_limit {
            return self.fail(
                Kind::Inconsistent,
                line,
                &table,
                "max_limit",
                format!("{max_limit} is less than initial_limit {initial_limit}"),
                &format!("an integer >= initial_limit ({initial_limit})"),
            );
        }
        self.fail(
            Kind::Inconsistent,
            own.initial_limit.map_or(0, |(_, line)| line),
            &table,
            "initial_limit",
            format!("{initial_limit} is greater than max_limit {max_limit}"),
            &format!("an integer <= max_limit ({max_limit})"),
        )
    }

    fn check_delays(&self, own: &Own, policy: &Policy) -> Result<(), PolicyError> {
        if policy.max_delay >= policy.initial_delay {
            return Ok(());
        }
        let max_delay = format_duration(policy.max_delay);
        let initial_delay = format_duration(policy.initial_delay);
        if let Some((_, line)) = own.max_delay {
            return self.fail(
                Kind::Inconsistent,
                line,
                &own.name,
                "max_delay",
                format!("{max_delay} is less than initial_delay {initial_delay}"),
                &format!("a duration >= initial_delay ({initial_delay})"),
            );
        }
        self.fail(
            Kind::Inconsistent,
            own.initial_delay.map_or(0, |(_, line)| line),
            &own.name,
            "initial_delay",
            format!("{initial_delay} is greater than max_delay {max_delay}"),
            &format!("a duration <= max_delay ({max_delay})"),
        )
    }

    fn max_attempts(&self, entry: &Entry<'_, '_>, name: &str) -> Result<u32, PolicyError> {
        self.bounded(entry, name, 1000, "an integer from 1 to 1000")
    }

    fn limit(&self, entry: &Entry<'_, '_>, name: &str) -> Result<u32, PolicyError> {
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

    fn duration(&self, entry: &Entry<'_, '_>, name: &str) -> Result<f64, PolicyError> {
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

    fn multiplier(&self, entry: &Entry<'_, '_>, name: &str) -> Result<f64, PolicyError> {
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

    fn jitter(&self, entry: &Entry<'_, '_>, name: &str) -> Result<Jitter, PolicyError> {
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

    fn codes(&self, entry: &Entry<'_, '_>, name: &str) -> Result<Vec<u16>, PolicyError> {
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
    fn the_limiter_is_inherited_key_by_key_and_named_in_errors() {
        let text =
            "[default.limiter]\ninitial_limit = 4\n\n[service.api.limiter]\nenabled = false\n";
        let api = Policy::parse(text, "p.toml", Some("api")).unwrap();
        assert_eq!(
            api.limiter,
            LimiterPolicy {
                enabled: false,
                initial_limit: 4,
                max_limit: 1000
            }
        );
        assert_eq!(
            error("[default.limiter]\nmax_limit = 0\n").to_string(),
            "p.toml:2: [default.limiter] max_limit: 0 is out of range (allowed: an integer from 1 to 100000)"
        );
        assert_eq!(
            error("[default.limiter]\ninitial_limit = 8\nmax_limit = 4\n").to_string(),
            "p.toml:3: [default.limiter] max_limit: 4 is less than initial_limit 8 (allowed: an integer >= initial_limit (8))"
        );
        assert!(error("[default]\nsize = 1\n")
            .to_string()
            .ends_with("never_retry and the table limiter)"));
    }

    #[test]
    fn a_control_character_stays_escaped_in_the_message() {
        assert!(error("[default]\njitter = \"a\\u0001\"\n")
            .to_string()
            .contains(r#""a\u0001" is not a jitter kind"#));
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
