//! A refused connection, no server needed: network errors are transient and
//! each attempt is bounded by the policy's connect_timeout.

use std::time::Duration;

use connguard::{connect_pool, ErrorClass, Failure, Policy, Reason};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

#[tokio::test]
async fn a_refused_connect_is_retried_as_network_until_max_attempts() {
    let options = MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(closed_port())
        .username("app")
        .password("s3cret");
    // sqlx's pool itself retries a refused connect until its acquire_timeout:
    // connect_timeout cuts each attempt short instead.
    let policy = Policy::parse(
        "[default]\nmax_attempts = 2\nconnect_timeout = \"200ms\"\ninitial_delay = \"10ms\"\n",
        "<string>",
        None,
    )
    .expect("a valid policy");
    let error = connect_pool(MySqlPoolOptions::new(), options, &policy)
        .await
        .expect_err("nothing listens");
    assert_eq!(
        (error.failure(), error.error_class()),
        (Some(Failure::Network), ErrorClass::Transient)
    );
    assert_eq!((error.attempts(), error.reason()), (2, Reason::Attempts));
    assert!(
        error.elapsed() >= Duration::from_millis(400),
        "{:?}",
        error.elapsed()
    );
    assert!(
        error.elapsed() < Duration::from_secs(5),
        "{:?}",
        error.elapsed()
    );
    let message = error.to_string();
    assert!(
        message.contains("connect timed out after 0.2s"),
        "{message}"
    );
    assert!(
        message.contains("last error network, transient") && !message.contains("s3cret"),
        "{message}"
    );
}
