//! Loads each policy file named on standard input (one path a line) and
//! prints one JSON verdict a line: the error fields of docs/spec.md 1.3, or the
//! effective policies of a valid file (`[default]`, then up to 8 services in
//! file order). tests/fuzz/ compares these with the other languages' verdicts.
//!
//! ```sh
//! printf '%s\n' a.toml b.toml | cargo run --example check_policies
//! ```

use std::io::{self, BufRead, Write};

use connguard::{Policy, PolicyError};
use serde_json::{json, Value};
use toml::de::{DeTable, DeValue};

const SERVICES: usize = 8;

fn policy_json(policy: &Policy) -> Value {
    json!({
        "max_attempts": policy.max_attempts,
        "deadline": policy.deadline,
        "connect_timeout": policy.connect_timeout,
        "initial_delay": policy.initial_delay,
        "max_delay": policy.max_delay,
        "multiplier": policy.multiplier,
        "jitter": policy.jitter.as_str(),
        "retry_on": policy.retry_on,
        "never_retry": policy.never_retry,
        "limiter": {
            "enabled": policy.limiter.enabled,
            "initial_limit": policy.limiter.initial_limit,
            "max_limit": policy.limiter.max_limit,
        },
    })
}

fn error_json(error: &PolicyError) -> Value {
    json!({
        "valid": false,
        "kind": error.kind().as_str(),
        "table": error.table(),
        "key": error.key(),
        "line": error.line(),
        "message": error.to_string(),
    })
}

/// The `[service.NAME]` names of a file the library accepted, in file order
/// (the library keeps its set of policies to itself), but `""`, which
/// `Policy::parse` takes for `[default]`: every checker leaves it out.
fn service_names(text: &str) -> Vec<String> {
    let Ok(document) = DeTable::parse(text) else {
        return Vec::new();
    };
    let Some(DeValue::Table(services)) = document.get_ref().get("service").map(|v| v.get_ref())
    else {
        return Vec::new();
    };
    let mut names: Vec<_> = services
        .iter()
        .map(|(name, _)| (name.span().start, name.get_ref().to_string()))
        .filter(|(_, name)| !name.is_empty())
        .collect();
    names.sort();
    names.into_iter().map(|(_, name)| name).collect()
}

fn verdict(path: &str) -> Value {
    let defaults = match Policy::load(path, None) {
        Ok(policy) => policy,
        Err(error) => return error_json(&error),
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut policies = vec![json!(["", policy_json(&defaults)])];
    for name in service_names(&text).into_iter().take(SERVICES) {
        match Policy::parse(&text, path, Some(&name)) {
            Ok(policy) => policies.push(json!([name, policy_json(&policy)])),
            Err(error) => return error_json(&error),
        }
    }
    json!({ "valid": true, "policies": policies })
}

fn main() -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    for path in io::stdin().lock().lines() {
        let path = path?;
        if !path.is_empty() {
            writeln!(out, "{}", verdict(&path))?;
            out.flush()?;
        }
    }
    Ok(())
}
