//! connguard::connect and its limiter against the real MariaDB
//! (max_connections=10) of `python -m connguard.testing run -- cargo test ...`.
//! A file of its own: the limiter is per process and target, so no other
//! test's connections share it.

#[allow(dead_code)] // each test file uses part of it
mod support;

use std::sync::Arc;
use std::time::Instant;

use connguard::{connect, Policy};
use support::{Captured, TestServer, SERVER};

const CLIENTS: usize = 60;

/// CLIENTS tasks at once, each connecting, holding its connection for
/// `SELECT SLEEP(0.05)` and closing it: (failures, connects refused by the server).
async fn storm(server: &TestServer, policy: &Policy) -> (Vec<String>, u64) {
    server.wait_until_idle().await;
    let before = server.refused_so_far().await;
    let gate = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (gate, options, policy) = (gate.clone(), server.options(), policy.clone());
            tokio::spawn(async move {
                gate.wait().await;
                let mut conn = connect(&options, &policy)
                    .await
                    .map_err(|e| e.to_string())?;
                let slept: i64 = sqlx::query_scalar("SELECT SLEEP(0.05)")
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| format!("query: {e}"))?;
                assert_eq!(slept, 0);
                conn.close().await.map_err(|e| format!("close: {e}"))
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(error) = task.await.expect("the task ran") {
            failures.push(error);
        }
    }
    (failures, server.refused_so_far().await - before)
}

fn policy(limiter: bool) -> Policy {
    let text = format!(
        "[default]\nmax_attempts = 1000\ndeadline = \"30s\"\nmax_delay = \"1s\"\n\n\
         [default.limiter]\nenabled = {limiter}\n"
    );
    Policy::parse(&text, "<string>", None).expect("a valid policy")
}

#[tokio::test]
async fn the_limiter_puts_fewer_refused_connects_on_the_server_than_blind_retries() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();

    let start = Instant::now();
    let (failures, blind) = storm(&server, &policy(false)).await;
    let blind_took = start.elapsed();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );

    let log = Captured::start();
    let start = Instant::now();
    let (failures, limited) = storm(&server, &policy(true)).await;
    let limited_took = start.elapsed();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );

    eprintln!(
        "{CLIENTS} clients on max_connections={}: refused connects {blind} retrying blind \
         ({blind_took:?}), {limited} with the limiter ({limited_took:?})",
        server.max_connections
    );
    assert!(
        blind > 0,
        "the server was never full: the test proves nothing"
    );
    assert!(
        limited < blind,
        "with the limiter {limited}, without {blind}"
    );
    // Each refused connect is one retry that waited in the queue, not a sleep.
    assert_eq!(log.retries_with(1040) as u64, limited);
    let records = log.records();
    assert!(
        records
            .iter()
            .all(|r| r.message.contains(", queued for a free slot: ")),
        "{records:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_through_the_limiter_fails_at_once_without_the_password() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let wrong = server.options().password("Wr0ng-Passw0rd-for-connguard");
    let error = connect(&wrong, &policy(true))
        .await
        .expect_err("a wrong password");
    assert_eq!((error.code(), error.attempts()), (Some(1045), 1));
    assert!(!error.to_string().contains("Wr0ng-Passw0rd"), "{error}");
    assert!(
        !format!("{error:?}").contains("Wr0ng-Passw0rd"),
        "{error:?}"
    );
}
