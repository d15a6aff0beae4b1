//! Which tables and keys a policy file holds, how each table inherits from
//! the one above it, and the checks on an effective policy (spec 1.1, 1.3).

use toml::de::{DeTable, DeValue};

use super::document::{type_name, Entry, Validator};
use super::{Jitter, LimiterPolicy, Policy};
use crate::duration::format_duration;
use crate::policy_error::{PolicyError, PolicyErrorKind as Kind};

const POLICY_KEYS: &str = "max_attempts, deadline, connect_timeout, initial_delay, max_delay, \
                           multiplier, jitter, retry_on, never_retry and the table limiter";
const LIMITER_KEYS: &str = "enabled, initial_limit, max_limit";
const TOP_LEVEL: &str = "the tables [default], [service.NAME] and [deployment]";

/// Every effective policy of one file.
pub(super) struct PolicySet {
    pub(super) defaults: Policy,
    pub(super) services: Vec<Policy>, // file order
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

impl Validator<'_> {
    /// Every effective policy of the file, whatever service is asked for.
    pub(super) fn policy_set(&self) -> Result<PolicySet, PolicyError> {
        let document = self.document()?;

        // Every table's own keys first, in file order, whatever service is wanted.
        let mut default_own = Own {
            name: "default".into(),
            ..Own::default()
        };
        let mut service_owns: Vec<(String, Own)> = Vec::new();
        for entry in self.entries(document.get_ref()) {
            if !["default", "service", "deployment"].contains(&entry.key) {
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
            if entry.key == "deployment" {
                continue; // connguard plan's (docs/scale.md): not a policy
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
}

#[cfg(test)]
mod tests {
    use crate::policy::{LimiterPolicy, Policy};
    use crate::policy_error::PolicyError;

    fn error(text: &str) -> PolicyError {
        Policy::parse(text, "p.toml", None).expect_err("the policy is invalid")
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
}
