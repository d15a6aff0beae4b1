//! Spec 8.2's metrics: of scripted calls (a fake server on loopback), in
//! memory and through the `metrics` facade; and of storms against the real
//! MariaDB of `python -m connguard.testing run -- cargo test ...`, whose
//! refused connects must match the server's own count. A file of its own:
//! hooks and gates are per process.

#[allow(dead_code)] // each test file uses part of it
mod support;

use std::sync::Arc;

use connguard::drivers::sqlx::target;
use connguard::metrics::Metrics;
use connguard::{connect, Policy};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::CompositeKey;
use support::fake_server::{Answer, FakeServer};
use support::{TestServer, SERVER};

fn policy(text: &str) -> Policy {
    Policy::parse(text, "<string>", None).expect("a valid policy")
}

fn ungated() -> Policy {
    policy("[default]\n[default.limiter]\nenabled = false\n")
}

/// Refused (1040), then a network error, then connected: ungated.
const SCRIPT: [Answer; 3] = [Answer::Code(1040), Answer::Network, Answer::Ok];

#[tokio::test]
async fn a_scripted_call_counts_each_attempt_failure_and_the_connect() {
    let fake = FakeServer::start(SCRIPT).await;
    let options = fake.options();
    let target = target(&options);
    let metrics = Metrics::install();
    let conn = connect(&options, &ungated()).await.expect("connected");
    let call = [("service", "default"), ("target", target.as_str())];
    let value =
        |name: &str, more: &[(&str, &str)]| metrics.value(name, &[call.as_slice(), more].concat());
    assert_eq!(value("connguard_attempts_total", &[]), 3);
    let capacity = [("class", "capacity"), ("code", "1040")];
    assert_eq!(value("connguard_attempt_failures_total", &capacity), 1);
    let network = [("class", "transient"), ("code", "network")];
    assert_eq!(value("connguard_attempt_failures_total", &network), 1);
    assert_eq!(value("connguard_attempt_failures_total", &[]), 2);
    assert_eq!(value("connguard_connects_total", &[]), 1);
    assert_eq!(value("connguard_connects_retried_total", &[]), 1);
    assert_eq!(value("connguard_give_ups_total", &[]), 0);
    let connected = [("outcome", "connected")];
    assert_eq!(value("connguard_connect_duration_seconds", &connected), 1);
    conn.close().await.expect("closed");
}

/// A limiter gauge of `server` in `metrics`' snapshot.
fn gauge(metrics: &Metrics, name: &str, server: &str) -> u64 {
    metrics.value(&format!("connguard_limiter_{name}"), &[("server", server)])
}

#[tokio::test]
async fn the_gauges_show_the_gates_state_when_read() {
    let fake = FakeServer::start([Answer::Code(1040), Answer::Ok, Answer::Code(1045)]).await;
    let options = fake.options();
    let server = format!("127.0.0.1:{}", fake.port);
    let metrics = Metrics::install();
    let conn = connect(&options, &policy("[default]\n"))
        .await
        .expect("connected");
    // Refused: limit 0; then the probe connected: limit 1 + 2^1 - 1.
    let read = |name| gauge(&metrics, name, &server);
    let state = ["limit", "holding", "in_flight", "queued"].map(read);
    assert_eq!(state, [2, 1, 0, 0]);
    let error = connect(&options, &policy("[default]\n"))
        .await
        .expect_err("1045 is fatal");
    assert_eq!(error.code(), Some(1045));
    conn.close().await.expect("closed");
    let state = ["limit", "holding", "in_flight", "queued"].map(read);
    assert_eq!(
        state,
        [2, 0, 0, 0],
        "the fatal attempt left, the close released"
    );
    let target = target(&options);
    let fatal = [("reason", "fatal"), ("target", target.as_str())];
    assert_eq!(metrics.value("connguard_give_ups_total", &fatal), 1);
    assert_eq!(
        metrics.value("connguard_connect_duration_seconds", &fatal[1..]),
        2,
        "one connected, one gave up"
    );
}

type Debugged = (
    CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
);

/// The value of the debugging recorder's series `name` with `labels`.
fn debug_value<'a>(
    snapshot: &'a [Debugged],
    name: &str,
    labels: &[(&str, &str)],
) -> Option<&'a DebugValue> {
    snapshot.iter().find_map(|(key, _, _, value)| {
        let key = key.key();
        let all = labels
            .iter()
            .all(|(k, v)| key.labels().any(|l| l.key() == *k && l.value() == *v));
        (key.name() == name && all).then_some(value)
    })
}

#[test]
fn the_facade_gets_the_same_names_labels_and_values() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // The recorder is this thread's; the runtime's tasks run here too.
    let (target, server, hook) = metrics::with_local_recorder(&recorder, || {
        let hook = connguard::metrics::install_facade();
        runtime.block_on(async {
            let gated: [Answer; 3] = [Answer::Code(1040), Answer::Network, Answer::Ok];
            let fake = FakeServer::start(gated).await;
            let options = fake.options();
            let conn = connect(&options, &policy("[default]\n"))
                .await
                .expect("connected");
            conn.close().await.expect("closed");
            (target(&options), format!("127.0.0.1:{}", fake.port), hook)
        })
    });
    assert!(connguard::events::remove_hook(hook));
    let snapshot = snapshotter.snapshot().into_vec();
    let call = [("service", "default"), ("target", target.as_str())];
    let value = |name: &str, more: &[(&str, &str)]| {
        debug_value(&snapshot, name, &[call.as_slice(), more].concat())
    };
    let capacity = [("class", "capacity"), ("code", "1040")];
    let network = [("class", "transient"), ("code", "network")];
    let counters = [
        value("connguard_attempts_total", &[]),
        value("connguard_attempt_failures_total", &capacity),
        value("connguard_attempt_failures_total", &network),
        value("connguard_connects_total", &[]),
        value("connguard_connects_retried_total", &[]),
    ];
    let want = [3, 1, 1, 1, 1].map(DebugValue::Counter);
    assert_eq!(counters, want.each_ref().map(Some));
    assert_eq!(value("connguard_give_ups_total", &[]), None);
    let connected = [("outcome", "connected")];
    match value("connguard_connect_duration_seconds", &connected) {
        Some(DebugValue::Histogram(seconds)) => assert_eq!(seconds.len(), 1),
        other => panic!("no histogram: {other:?}"),
    }
    // Set from the gate at the last event (the release): the state after it.
    let gauges = ["limit", "holding", "in_flight", "queued"].map(|name| {
        let name = format!("connguard_limiter_{name}");
        match debug_value(&snapshot, &name, &[("server", &server)]) {
            Some(DebugValue::Gauge(value)) => value.0,
            other => panic!("{name}: {other:?}"),
        }
    });
    assert_eq!(gauges, [2.0, 0.0, 0.0, 0.0]);
    let described = snapshot
        .iter()
        .find(|(key, ..)| key.key().name() == "connguard_connect_duration_seconds");
    assert_eq!(
        described.and_then(|(_, unit, ..)| *unit),
        Some(metrics::Unit::Seconds)
    );
}

const CALLERS: usize = 30;

/// CALLERS tasks at once, each connecting through connguard, holding its
/// connection for `SELECT SLEEP(0.05)` and closing it: the connects the
/// server refused meanwhile (read once every connection is closed).
async fn storm(server: &TestServer, policy: &Policy) -> u64 {
    server.wait_until_idle().await;
    let before = server.refused_so_far().await;
    let start = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (start, options, policy) = (start.clone(), server.options(), policy.clone());
            tokio::spawn(async move {
                start.wait().await;
                let mut conn = connect(&options, &policy).await.expect("connected");
                sqlx::query("SELECT SLEEP(0.05)")
                    .execute(&mut *conn)
                    .await
                    .expect("the query");
                conn.close().await.expect("closed");
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the caller ran");
    }
    server.wait_until_idle().await;
    server.refused_so_far().await - before
}

#[tokio::test]
async fn refused_connects_are_the_servers_own_count() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let target = target(&server.options());
    for limiter in [false, true] {
        let metrics = Metrics::install();
        let policy = policy(&format!(
            "[default]\nmax_attempts = 1000\ndeadline = \"30s\"\nmax_delay = \"1s\"\n\n\
             [default.limiter]\nenabled = {limiter}\n"
        ));
        let refused = storm(&server, &policy).await;
        let value = |name: &str, more: &[(&str, &str)]| {
            metrics.value(name, &[&[("target", target.as_str())], more].concat())
        };
        let capacity = value("connguard_attempt_failures_total", &[("class", "capacity")]);
        let failures = value("connguard_attempt_failures_total", &[]);
        let (attempts, connects) = (
            value("connguard_attempts_total", &[]),
            value("connguard_connects_total", &[]),
        );
        eprintln!(
            "limiter {limiter}: {CALLERS} callers, {attempts} attempts, {failures} failed \
             ({capacity} for capacity), the server refused {refused}"
        );
        assert_eq!(capacity, refused, "limiter {limiter}");
        assert_eq!(attempts, connects + failures, "limiter {limiter}");
        assert_eq!(connects, CALLERS as u64, "limiter {limiter}");
        if !limiter {
            assert!(
                refused > 0,
                "the server was never full: the test proves nothing"
            );
        }
    }
}
