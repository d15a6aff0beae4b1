//! The conformance vectors of tests/vectors/ (docs/spec.md section 5), shared
//! by every language: each case of each file runs here, none is copied.

#[allow(dead_code)] // the fake server alone
mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use connguard::call::{Action, GiveUp, LastError, Retry};
use connguard::classification::{classify, codes};
use connguard::dsn::mask_dsn;
use connguard::events::{self, LimiterState, Step};
use connguard::limiter::{Actions, Limiter};
use connguard::metrics::Metrics;
use connguard::report::{give_up_line, give_up_summary, queue_timeout_message, retry_line};
use connguard::splitmix64::SplitMix64;
use connguard::{Call, Decision, ErrorClass, Event, Failure, Policy, Reason};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use support::fake_server::{Answer, FakeServer};

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
            "call.json",
            "classification.json",
            "decision.json",
            "effective_policy.json",
            "error_codes.json",
            "events.json",
            "invalid_policy.json",
            "limiter.json",
            "mask.json",
            "metrics.json",
            "report.json",
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

#[derive(Deserialize)]
struct CallCase {
    name: String,
    policy: String,
    service: Option<String>,
    seed: String,
    gated: bool,
    steps: Vec<CallStep>,
}

#[derive(Deserialize)]
struct CallStep {
    event: String,
    t: Option<f64>,
    #[serde(default)]
    code: Value,
    expect: Value,
}

fn event(step: &CallStep) -> Result<Event, String> {
    let t = || step.t.ok_or(format!("{} has no t", step.event));
    Ok(match step.event.as_str() {
        "start" => Event::Start,
        "granted" => Event::Granted { t: t()? },
        "succeeded" => Event::Succeeded { t: t()? },
        "failed" => Event::Failed {
            t: t()?,
            failure: failure(&step.code),
        },
        "woke" => Event::Woke { t: t()? },
        "expired" => Event::Expired { t: t()? },
        "abandoned" => Event::Abandoned { t: t()? },
        other => return Err(format!("unknown event {other}")),
    })
}

/// The spec's `code`: a number, or null for network.
fn code_json(failure: Failure) -> Value {
    match failure {
        Failure::Code(code) => json!(code),
        Failure::Network => Value::Null,
        Failure::PoolTimedOut => panic!("no vector holds sqlx's pool timeout"),
    }
}

/// An action as call.json writes it.
fn action_json(action: &Action) -> Value {
    match *action {
        Action::Join => json!({"do": "join"}),
        Action::Wait { until } => json!({"do": "wait", "until": until}),
        Action::Attempt { timeout } => json!({"do": "attempt", "timeout": timeout}),
        Action::Sleep { delay } => json!({"do": "sleep", "delay": delay}),
        Action::Connected => json!({"do": "connected"}),
        Action::Rejected => json!({"do": "rejected"}),
        Action::Left => json!({"do": "left"}),
        Action::Retry(r) => json!({
            "do": "retry",
            "attempt": r.attempt,
            "max_attempts": r.max_attempts,
            "code": code_json(r.failure),
            "class": r.class.as_str(),
            "delay": r.delay,
            "elapsed": r.elapsed,
        }),
        Action::GiveUp(g) => json!({
            "do": "give_up",
            "reason": g.reason.as_str(),
            "attempts": g.attempts,
            "elapsed": g.elapsed,
            "code": g.last.map_or(Value::Null, |last| code_json(last.failure)),
            "class": g.last.map(|last| last.class.as_str()),
            "attempted": g.last.is_some(),
        }),
        Action::Done { attempts, elapsed } => {
            json!({"do": "done", "attempts": attempts, "elapsed": elapsed})
        }
    }
}

/// Equal, numbers to 1e-9.
fn same(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => match (g.as_f64(), w.as_f64()) {
            (Some(g), Some(w)) => close(g, w),
            _ => false,
        },
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| same(g, w))
        }
        (Value::Object(g), Value::Object(w)) => {
            g.len() == w.len() && g.iter().all(|(k, g)| w.get(k).is_some_and(|w| same(g, w)))
        }
        _ => got == want,
    }
}

#[test]
fn call() {
    run_all::<CallCase>(
        "call.json",
        |c| &c.name,
        |c| {
            let seed: u64 = c.seed.parse().map_err(|e| format!("seed: {e}"))?;
            let mut call = Call::new(&policy(&c.policy, &c.service)?, seed, c.gated);
            for (i, step) in c.steps.iter().enumerate() {
                let before = format!("{call:?}");
                let answer = call.on(event(step)?);
                if c.steps[i].expect.get("error") == Some(&Value::Bool(true)) {
                    match answer {
                        Err(_) if format!("{call:?}") == before => continue,
                        Err(e) => return Err(format!("step {i}: refused ({e}) but changed")),
                        Ok(actions) => return Err(format!("step {i}: took it: {actions:?}")),
                    }
                }
                let actions = answer.map_err(|e| format!("step {i}: {e}"))?;
                let got = Value::Array(actions.iter().map(action_json).collect());
                if !same(&got, &step.expect) {
                    return Err(format!(
                        "step {i} ({}): got {got}, want {}",
                        step.event, step.expect
                    ));
                }
            }
            Ok(())
        },
    );
}

#[derive(Deserialize)]
struct EventCase {
    name: String,
    policy: String,
    gated: bool,
    script: Vec<Value>,
    events: Vec<Value>,
}

/// An event as events.json writes it: `[name, fields]`, times left out and
/// a delay other than null written `"sleep"`.
fn event_json(event: &events::Event<'_>) -> Value {
    let fields = match *event {
        events::Event::Call { step, .. } => match step {
            Step::Granted { .. } => json!({}),
            Step::Attempt { attempt } => json!({"attempt": attempt}),
            Step::Failed {
                attempt,
                failure,
                class,
                ..
            } => json!({"attempt": attempt, "code": code_json(failure), "class": class.as_str()}),
            Step::Retry { attempt, delay, .. } => {
                json!({"attempt": attempt, "delay": delay.map(|_| "sleep")})
            }
            Step::GiveUp {
                reason,
                attempts,
                last,
                ..
            } => json!({
                "reason": reason.as_str(),
                "attempts": attempts,
                "code": last.map_or(Value::Null, |last| code_json(last.failure)),
                "class": last.map(|last| last.class.as_str()),
            }),
            Step::Connected { attempts, .. } => json!({"attempts": attempts}),
        },
        events::Event::Released { .. } => json!({}),
        events::Event::Limit { state, .. } => json!({
            "limit": state.limit,
            "holding": state.holding,
            "in_flight": state.in_flight,
            "queued": state.queued,
        }),
    };
    json!([event.name(), fields])
}

/// Runs `connguard::connect` against a fake server answering as the case's
/// script says (closing the connection if it ends with "close"): the events
/// of its call and of its gate, in order.
async fn observe(case: &EventCase) -> Result<Vec<Value>, String> {
    let mut policy = policy(&case.policy, &None)?;
    policy.limiter.enabled = case.gated;
    let (closes, answers): (Vec<&Value>, Vec<&Value>) =
        case.script.iter().partition(|outcome| *outcome == "close");
    let answers = answers.into_iter().map(|outcome| match outcome {
        Value::String(ok) if ok == "ok" => Answer::Ok,
        Value::Null => Answer::Network,
        code => Answer::Code(
            code.as_u64()
                .and_then(|c| c.try_into().ok())
                .expect("a code"),
        ),
    });
    connguard::testing::reset_gates();
    let fake = FakeServer::start(answers).await;
    let options = fake.options();
    let (target, server) = (
        connguard::drivers::sqlx::target(&options),
        format!("127.0.0.1:{}", fake.port),
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook = events::add_hook({
        let seen = seen.clone();
        move |event: &events::Event<'_>| {
            let ours = match *event {
                events::Event::Call { target: t, .. } => t == target,
                events::Event::Released { server: s } | events::Event::Limit { server: s, .. } => {
                    s == server
                }
            };
            if ours {
                seen.lock().unwrap().push(event_json(event));
            }
        }
    });
    let connected = connguard::connect(&options, &policy).await;
    let kept = match connected {
        Ok(conn) if !closes.is_empty() => {
            conn.close().await.map_err(|e| format!("close: {e}"))?;
            None
        }
        other => Some(other),
    };
    events::remove_hook(hook);
    drop(kept); // a connection kept open is released unobserved
    if fake.left() > 0 {
        return Err(format!("{} answers of the script left", fake.left()));
    }
    let seen = seen.lock().unwrap().clone();
    Ok(seen)
}

#[test]
fn events() {
    // Test mode (spec 8.4), as the vectors are written: nothing waits.
    connguard::testing::set_testing(true, None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    run_all::<EventCase>(
        "events.json",
        |c| &c.name,
        |c| {
            let got = runtime.block_on(observe(c))?;
            if got != c.events {
                return Err(format!(
                    "got {}\nwant {}",
                    Value::Array(got),
                    Value::Array(c.events.clone())
                ));
            }
            Ok(())
        },
    );
}

#[derive(Deserialize)]
struct MetricsCase {
    name: String,
    events: Vec<Value>,
    snapshot: Value,
}

/// The event a metrics.json object describes: its `name`, then spec 8.1's
/// fields (`code` null: network; `class` null: a give-up that never attempted).
fn observed(e: &Value) -> Result<events::Event<'_>, String> {
    let text = |key: &str| e[key].as_str().ok_or(format!("{key}: {}", e[key]));
    let step = match text("name")? {
        "released" => {
            return Ok(events::Event::Released {
                server: text("server")?,
            })
        }
        "limit" => {
            let state = LimiterState {
                limit: number(e, "limit")?,
                holding: number(e, "holding")?,
                in_flight: number(e, "in_flight")?,
                queued: number(e, "queued")?,
            };
            return Ok(events::Event::Limit {
                server: text("server")?,
                state,
            });
        }
        "granted" => Step::Granted {
            waited: seconds(e, "waited")?,
        },
        "attempt" => Step::Attempt {
            attempt: number(e, "attempt")?,
        },
        "failed" => Step::Failed {
            attempt: number(e, "attempt")?,
            failure: failure(&e["code"]),
            class: class(&e["class"])?,
            elapsed: seconds(e, "elapsed")?,
        },
        "retry" => Step::Retry {
            attempt: number(e, "attempt")?,
            delay: e["delay"].as_f64(),
            elapsed: seconds(e, "elapsed")?,
        },
        "give_up" => Step::GiveUp {
            reason: reason(&e["reason"])?,
            attempts: number(e, "attempts")?,
            elapsed: seconds(e, "elapsed")?,
            last: match &e["class"] {
                Value::Null => None,
                known => Some(LastError {
                    failure: failure(&e["code"]),
                    class: class(known)?,
                }),
            },
        },
        "connected" => Step::Connected {
            attempts: number(e, "attempts")?,
            elapsed: seconds(e, "elapsed")?,
        },
        other => return Err(format!("unknown event {other}")),
    };
    Ok(events::Event::Call {
        service: text("service")?,
        target: text("target")?,
        step,
    })
}

/// Equal as snapshots compare: numbers as numbers (a bound 1 is 1.0) and
/// exactly, but a histogram's `sum` to 1e-9.
fn same_snapshot(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => g.as_f64() == w.as_f64(),
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| same_snapshot(g, w))
        }
        (Value::Object(g), Value::Object(w)) => {
            g.len() == w.len()
                && g.iter().all(|(k, g)| {
                    w.get(k)
                        .is_some_and(|w| match (k.as_str(), g.as_f64(), w.as_f64()) {
                            ("sum", Some(g), Some(w)) => close(g, w),
                            _ => same_snapshot(g, w),
                        })
                })
        }
        _ => got == want,
    }
}

#[test]
fn metrics() {
    run_all::<MetricsCase>(
        "metrics.json",
        |c| &c.name,
        |c| {
            // Fed by hand: the process's events (other tests' calls) stay out.
            let metrics = Metrics::default();
            for (i, e) in c.events.iter().enumerate() {
                metrics.record(&observed(e).map_err(|why| format!("event {i}: {why}"))?);
            }
            // The gauges are the gates' state, not counted from events (spec 8.2).
            let counted: Vec<_> = metrics
                .snapshot()
                .into_iter()
                .filter(|s| !s.name().starts_with("connguard_limiter_"))
                .collect();
            let got = serde_json::to_value(&counted).map_err(|e| format!("serialize: {e}"))?;
            if !same_snapshot(&got, &c.snapshot) {
                return Err(format!("got {got}\nwant {}", c.snapshot));
            }
            Ok(())
        },
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct CodeCase {
    code: u16,
    symbol: String,
    class: String,
    meaning: String,
    advice: String,
}

#[test]
fn error_codes() {
    let mut want = cases::<CodeCase>("error_codes.json");
    want.sort_by_key(|c| c.code);
    let got: Vec<CodeCase> = codes()
        .iter()
        .map(|info| CodeCase {
            code: info.code,
            symbol: info.name.into(),
            class: info.class.as_str().into(),
            meaning: info.meaning.into(),
            advice: info.advice.into(),
        })
        .collect();
    let missing: Vec<_> = want.iter().filter(|c| !got.contains(c)).collect();
    let extra: Vec<_> = got.iter().filter(|c| !want.contains(c)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && got.len() == want.len(),
        "the table differs from error_codes.json:\nnot in the table: {missing:#?}\nnot in the file: {extra:#?}"
    );
}

#[derive(Deserialize)]
struct ReportCase {
    name: String,
    record: String,
    service: String,
    target: String,
    fields: Value,
    message: String,
    expect: ReportExpect,
}

#[derive(Deserialize)]
struct ReportExpect {
    line: String,
    summary: Option<String>,
}

fn class(value: &Value) -> Result<ErrorClass, String> {
    [
        ErrorClass::Capacity,
        ErrorClass::Transient,
        ErrorClass::Fatal,
    ]
    .into_iter()
    .find(|class| value.as_str() == Some(class.as_str()))
    .ok_or(format!("class {value}"))
}

fn reason(value: &Value) -> Result<Reason, String> {
    [Reason::Fatal, Reason::Attempts, Reason::Deadline]
        .into_iter()
        .find(|reason| value.as_str() == Some(reason.as_str()))
        .ok_or(format!("reason {value}"))
}

fn number<T: TryFrom<u64>>(fields: &Value, key: &str) -> Result<T, String> {
    fields[key]
        .as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or(format!("{key}: {}", fields[key]))
}

fn seconds(fields: &Value, key: &str) -> Result<f64, String> {
    fields[key]
        .as_f64()
        .ok_or(format!("{key}: {}", fields[key]))
}

#[test]
fn report() {
    run_all::<ReportCase>(
        "report.json",
        |c| &c.name,
        |c| {
            let (service, target, f) = (c.service.as_str(), c.target.as_str(), &c.fields);
            let (line, summary) = match c.record.as_str() {
                "retry" => {
                    let retry = Retry {
                        attempt: number(f, "attempt")?,
                        max_attempts: number(f, "max_attempts")?,
                        failure: failure(&f["code"]),
                        class: class(&f["class"])?,
                        delay: f["delay"].as_f64(),
                        elapsed: 0.0,
                    };
                    (retry_line(service, target, &retry, &c.message), None)
                }
                "give_up" => {
                    let last = match f["attempted"].as_bool() {
                        Some(true) => Some(LastError {
                            failure: failure(&f["code"]),
                            class: class(&f["class"])?,
                        }),
                        _ => None,
                    };
                    let give_up = GiveUp {
                        reason: reason(&f["reason"])?,
                        attempts: number(f, "attempts")?,
                        elapsed: seconds(f, "elapsed")?,
                        last,
                    };
                    (
                        give_up_line(service, target, &give_up, &c.message),
                        Some(give_up_summary(service, target, &give_up)),
                    )
                }
                "queue_timeout" => {
                    let waited = seconds(f, "waited")?;
                    let line = queue_timeout_message(
                        target,
                        waited,
                        number(f, "holding")?,
                        number(f, "limit")?,
                    );
                    (line, None)
                }
                other => return Err(format!("unknown record {other}")),
            };
            if line != c.expect.line {
                return Err(format!("line\n  {line}\nwant\n  {}", c.expect.line));
            }
            if summary != c.expect.summary {
                return Err(format!("summary {summary:?}, want {:?}", c.expect.summary));
            }
            Ok(())
        },
    );
}

#[derive(Deserialize)]
struct MaskCase {
    name: String,
    text: String,
    expect: String,
}

#[test]
fn mask() {
    run_all::<MaskCase>(
        "mask.json",
        |c| &c.name,
        |c| {
            let got = mask_dsn(&c.text);
            if got == c.expect {
                Ok(())
            } else {
                Err(format!("{got:?}, want {:?}", c.expect))
            }
        },
    );
}
