//! The conformance vectors of tests/vectors/ (docs/spec.md section 5), shared
//! by every language: each case of each file runs here, none is copied.

use std::path::PathBuf;

use connguard::classification::classify;
use connguard::limiter::{Actions, Limiter};
use connguard::splitmix64::SplitMix64;
use connguard::{Decision, Failure, Policy};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// The file name invalid-policy messages must name.
const FILE_NAME: &str = "vector.toml";

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

#[derive(Deserialize)]
struct VectorFile<C> {
    cases: Vec<C>,
}

/// Every case of `file`; panics when the file is missing or empty, so a lost
/// file cannot pass as zero cases.
fn cases<C: DeserializeOwned>(file: &str) -> Vec<C> {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed: VectorFile<C> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(!parsed.cases.is_empty(), "{file} has no cases");
    parsed.cases
}

/// Runs `check` on every case and fails once, listing every case that failed.
fn run_all<C: DeserializeOwned>(
    file: &str,
    name: impl Fn(&C) -> &str,
    check: impl Fn(&C) -> Result<(), String>,
) {
    let all = cases::<C>(file);
    let failures: Vec<String> = all
        .iter()
        .filter_map(|case| {
            check(case)
                .err()
                .map(|why| format!("{}: {why}", name(case)))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

fn policy(text: &str, service: &Option<String>) -> Result<Policy, String> {
    Policy::parse(text, FILE_NAME, service.as_deref()).map_err(|e| format!("policy rejected: {e}"))
}

fn failure(code: &Value) -> Failure {
    match code.as_u64() {
        Some(code) => Failure::Code(u16::try_from(code).expect("a 16-bit error code")),
        None => Failure::Network,
    }
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9
}

#[test]
fn every_vector_file_has_a_runner() {
    let mut files: Vec<String> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "classification.json",
            "decision.json",
            "effective_policy.json",
            "invalid_policy.json",
            "limiter.json",
            "splitmix64.json"
        ]
    );
}

#[derive(Deserialize)]
struct SplitMixCase {
    name: String,
    seed: String,
    outputs: Vec<String>,
    units: Vec<f64>,
}

#[test]
fn splitmix64() {
    run_all::<SplitMixCase>(
        "splitmix64.json",
        |c| &c.name,
        |c| {
            let seed: u64 = c.seed.parse().map_err(|e| format!("seed: {e}"))?;
            let mut raw = SplitMix64::new(seed);
            let outputs: Vec<String> = c
                .outputs
                .iter()
                .map(|_| raw.next_u64().to_string())
                .collect();
            let mut unit = SplitMix64::new(seed);
            let units: Vec<f64> = c.units.iter().map(|_| unit.next_unit()).collect();
            if outputs != c.outputs {
                return Err(format!("outputs {outputs:?}, want {:?}", c.outputs));
            }
            if units != c.units {
                return Err(format!("units {units:?}, want {:?}", c.units));
            }
            Ok(())
        },
    );
}

#[derive(Deserialize)]
struct ClassificationCase {
    name: String,
    policy: String,
    service: Option<String>,
    code: Value,
    class: String,
}

#[test]
fn classification() {
    run_all::<ClassificationCase>(
        "classification.json",
        |c| &c.name,
        |c| {
            let got = classify(failure(&c.code), &policy(&c.policy, &c.service)?);
            (got.as_str() == c.class)
                .then_some(())
                .ok_or(format!("class {got}, want {}", c.class))
        },
    );
}

#[derive(Deserialize)]
struct EffectiveCase {
    name: String,
    policy: String,
    service: Option<String>,
    expect: Value,
}

#[test]
fn effective_policy() {
    run_all::<EffectiveCase>(
        "effective_policy.json",
        |c| &c.name,
        |c| {
            let p = policy(&c.policy, &c.service)?;
            let got = serde_json::json!({
                "max_attempts": p.max_attempts,
                "deadline": p.deadline,
                "connect_timeout": p.connect_timeout,
                "initial_delay": p.initial_delay,
                "max_delay": p.max_delay,
                "multiplier": p.multiplier,
                "jitter": p.jitter.as_str(),
                "retry_on": p.retry_on,
                "never_retry": p.never_retry,
                "limiter": {
                    "enabled": p.limiter.enabled,
                    "initial_limit": p.limiter.initial_limit,
                    "max_limit": p.limiter.max_limit,
                },
            });
            (got == c.expect)
                .then_some(())
                .ok_or(format!("got {got}, want {}", c.expect))
        },
    );
}

#[derive(Deserialize)]
struct DecisionCase {
    name: String,
    policy: String,
    service: Option<String>,
    seed: String,
    steps: Vec<Value>,
}

#[test]
fn decision() {
    run_all::<DecisionCase>(
        "decision.json",
        |c| &c.name,
        |c| {
            let seed: u64 = c.seed.parse().map_err(|e| format!("seed: {e}"))?;
            let mut decision = Decision::new(&policy(&c.policy, &c.service)?, seed);
            for (i, step) in c.steps.iter().enumerate() {
                let expect = &step["expect"];
                if step.get("success").is_some() {
                    let attempts = decision.after_success();
                    if Some(u64::from(attempts)) != expect["attempts"].as_u64() {
                        return Err(format!("step {i}: {attempts} attempts, want {expect}"));
                    }
                    continue;
                }
                let elapsed = step["elapsed"]
                    .as_f64()
                    .ok_or(format!("step {i}: no elapsed"))?;
                let verdict = decision.after_failure(failure(&step["fail"]), elapsed);
                let ok = match (verdict.give_up, expect.get("retry"), expect.get("give_up")) {
                    (None, Some(delay), None) => {
                        delay.as_f64().is_some_and(|d| close(verdict.delay, d))
                    }
                    (Some(reason), None, Some(want)) => want.as_str() == Some(reason.as_str()),
                    _ => false,
                };
                if !ok {
                    return Err(format!("step {i}: {verdict:?}, want {expect}"));
                }
            }
            Ok(())
        },
    );
}

#[derive(Deserialize)]
struct InvalidCase {
    name: String,
    policy: String,
    service: Option<String>,
    kind: String,
    table: String,
    key: String,
    line: u32,
}

#[test]
fn invalid_policy() {
    run_all::<InvalidCase>(
        "invalid_policy.json",
        |c| &c.name,
        |c| {
            let error = match Policy::parse(&c.policy, FILE_NAME, c.service.as_deref()) {
                Ok(policy) => return Err(format!("accepted: {policy:?}")),
                Err(error) => error,
            };
            let got = (
                error.kind().as_str(),
                error.table(),
                error.key(),
                error.line(),
            );
            if got != (c.kind.as_str(), c.table.as_str(), c.key.as_str(), c.line) {
                return Err(format!(
                    "got {got:?}, want {:?}: {error}",
                    (&c.kind, &c.table, &c.key, c.line)
                ));
            }
            let message = error.to_string();
            let names_table = c.table.is_empty() || message.contains(&format!("[{}] ", c.table));
            if !message.starts_with(FILE_NAME) || !names_table || !message.contains(&c.key) {
                return Err(format!(
                    "the message does not name file, table and key: {message}"
                ));
            }
            Ok(())
        },
    );
}

#[derive(Deserialize)]
struct LimiterCase {
    name: String,
    policy: String,
    seed: String,
    steps: Vec<LimiterStep>,
}

#[derive(Deserialize)]
struct LimiterStep {
    event: String,
    waiter: Option<u64>,
    expect: LimiterExpect,
}

#[derive(Debug, Deserialize)]
struct LimiterExpect {
    granted: Vec<u64>,
    probe_in: Option<f64>,
    limit: u32,
    holding: u32,
    in_use: u32,
    queue: Vec<u64>,
}

#[test]
fn limiter() {
    run_all::<LimiterCase>(
        "limiter.json",
        |c| &c.name,
        |c| {
            let seed: u64 = c.seed.parse().map_err(|e| format!("seed: {e}"))?;
            let mut limiter = Limiter::new(&policy(&c.policy, &None)?, seed);
            for (i, step) in c.steps.iter().enumerate() {
                let waiter = || step.waiter.ok_or(format!("step {i}: no waiter"));
                let actions: Actions = match step.event.as_str() {
                    "acquire" => limiter.acquire(waiter()?),
                    "connected" => limiter.connected(waiter()?),
                    "rejected" => limiter.rejected(waiter()?),
                    "left" => Ok(limiter.left(waiter()?)),
                    "released" => limiter.released(),
                    "probe" => Ok(limiter.probe()),
                    other => return Err(format!("step {i}: unknown event {other}")),
                }
                .map_err(|e| format!("step {i}: {e}"))?;
                let e = &step.expect;
                let probe_ok = match (actions.probe_in, e.probe_in) {
                    (None, None) => true,
                    (Some(got), Some(want)) => close(got, want),
                    _ => false,
                };
                let queue: Vec<u64> = limiter.queue().iter().copied().collect();
                let state = (limiter.limit(), limiter.holding(), limiter.in_use(), &queue);
                if actions.granted != e.granted
                    || !probe_ok
                    || state != (e.limit, e.holding, e.in_use, &e.queue)
                {
                    return Err(format!(
                        "step {i} ({} {:?}): granted {:?}, probe_in {:?}, (limit, holding, in_use, queue) {state:?}; want {e:?}",
                        step.event, step.waiter, actions.granted, actions.probe_in
                    ));
                }
            }
            Ok(())
        },
    );
}
