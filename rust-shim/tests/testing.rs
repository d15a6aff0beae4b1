//! Test mode (spec 8.4) on calls to a fake server on loopback: no call
//! really sleeps, attempts may be capped. A file of its own: test mode is
//! per process.

#[allow(dead_code)] // the fake server alone
mod support;

use connguard::testing::{reset_gates, set_testing};
use connguard::{connect, Policy, Reason};
use support::fake_server::{Answer, FakeServer};

/// Test mode is process-wide: these tests take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Ten network errors, then a connect.
fn ten_failures_then_ok() -> Vec<Answer> {
    let mut script = vec![Answer::Network; 10];
    script.push(Answer::Ok);
    script
}

/// Retries 10 s apart: out of time (30 s) after 3 attempts if sleeps were real.
fn slow(gated: bool) -> Policy {
    let text = format!(
        "[default]\nmax_attempts = 20\ndeadline = \"30s\"\ninitial_delay = \"10s\"\n\
         max_delay = \"10s\"\njitter = \"none\"\n\n[default.limiter]\nenabled = {gated}\n"
    );
    Policy::parse(&text, "<string>", None).expect("a valid policy")
}

#[tokio::test]
async fn a_call_that_fails_ten_times_sleeps_nothing_and_connects_on_the_eleventh() {
    let _turn = TURN.lock().await;
    set_testing(true, None);
    for gated in [false, true] {
        reset_gates();
        let fake = FakeServer::start(ten_failures_then_ok()).await;
        let metrics = connguard::metrics::Metrics::install();
        let conn = connect(&fake.options(), &slow(gated))
            .await
            .unwrap_or_else(|e| panic!("gated {gated}: {e}"));
        assert_eq!(
            (
                metrics.value("connguard_attempts_total", &[]),
                metrics.value("connguard_connects_retried_total", &[]),
                metrics.value("connguard_give_ups_total", &[]),
            ),
            (11, 1, 0),
            "gated {gated}"
        );
        assert_eq!(fake.left(), 0);
        conn.close().await.expect("closed");
    }
    set_testing(false, None);
}

#[tokio::test]
async fn an_attempts_cap_gives_up_for_attempts() {
    let _turn = TURN.lock().await;
    set_testing(true, Some(3));
    let fake = FakeServer::start(ten_failures_then_ok()).await;
    let error = connect(&fake.options(), &slow(false))
        .await
        .expect_err("capped before the connect");
    set_testing(false, None);
    assert_eq!((error.attempts(), error.reason()), (3, Reason::Attempts));
    assert_eq!(fake.left(), 8, "three answers taken");
}
