//! A server that accepts connections and never says a word, no database
//! needed: sqlx would wait for its greeting forever, but each attempt is cut
//! off at its cap (spec 7), so every call gives up at its deadline.

use std::time::{Duration, Instant};

use connguard::{acquire, connect, connect_pool, Error, Failure, Policy, Reason};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use tokio::net::TcpListener;

const DEADLINE: f64 = 3.0;

/// Options for a loopback port that accepts every connection and keeps it
/// open without writing; a port per test, so each has its own gate.
async fn silent_server() -> MySqlConnectOptions {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    tokio::spawn(async move {
        let mut accepted = Vec::new(); // held open: a close would be an answer
        while let Ok((socket, _)) = listener.accept().await {
            accepted.push(socket);
        }
    });
    MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username("app")
        .password("s3cret")
}

fn policy() -> Policy {
    let text = format!("[default]\ndeadline = \"{DEADLINE}s\"\nconnect_timeout = \"1s\"\n");
    Policy::parse(&text, "<string>", None).expect("a valid policy")
}

/// Gave up for the deadline, within it plus 10%, after attempts cut off.
fn assert_gave_up_at_the_deadline(took: Duration, error: &Error) {
    let limit = Duration::from_secs_f64(DEADLINE * 1.1);
    assert!(took <= limit, "took {took:?}: {error}");
    assert_eq!(error.reason(), Reason::Deadline, "{error}");
    assert_eq!(error.failure(), Some(Failure::Network), "{error}");
    assert!(
        error.attempts() >= 3,
        "each attempt capped at 0.5 s: {error}"
    );
    let message = error.to_string();
    assert!(message.contains("connect timed out after "), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[tokio::test]
async fn connect_gives_up_at_its_deadline() {
    let options = silent_server().await;
    let start = Instant::now();
    let error = connect(&options, &policy())
        .await
        .expect_err("the server never answers");
    assert_gave_up_at_the_deadline(start.elapsed(), &error);
}

#[tokio::test]
async fn connect_pool_gives_up_at_its_deadline() {
    let options = silent_server().await;
    let start = Instant::now();
    let error = connect_pool(MySqlPoolOptions::new(), options, &policy())
        .await
        .expect_err("the server never answers");
    assert_gave_up_at_the_deadline(start.elapsed(), &error);
}

#[tokio::test]
async fn acquire_gives_up_at_its_deadline_not_the_pools_acquire_timeout() {
    let pool = MySqlPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .connect_lazy_with(silent_server().await);
    let start = Instant::now();
    let error = acquire(&pool, &policy())
        .await
        .expect_err("the server never answers");
    assert_gave_up_at_the_deadline(start.elapsed(), &error);
}
