//! connect_pool and acquire against the real MariaDB (max_connections=10)
//! that `python -m connguard.testing run -- cargo test ...` starts.

#[allow(dead_code)] // each test file uses part of it
mod support;

use std::time::{Duration, Instant};

use connguard::{acquire, connect_pool, ErrorClass, Failure, Policy, Reason};
use sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sqlx::Connection;
use support::{patient, Captured, TestServer, SERVER};
use tracing::Level;

fn database_code(error: &sqlx::Error) -> Option<u16> {
    connguard::drivers::sqlx::failure_of(error).and_then(|f| f.code())
}

#[tokio::test]
async fn connect_pool_waits_for_a_slot_and_succeeds_within_the_deadline() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    // 9 of 10 held by another client; a pool that opens 2 at creation needs
    // one of them back.
    let mut held = server.hold(server.max_connections - 1).await;
    let pool_options = || {
        MySqlPoolOptions::new()
            .max_connections(2)
            .min_connections(2)
    };

    // sqlx alone does not retry 1040: creating the pool fails at once.
    let error = pool_options()
        .connect_with(server.options())
        .await
        .expect_err("the server is full");
    assert_eq!(database_code(&error), Some(1040), "{error}");

    let freed = held.pop().expect("a held connection");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        freed.close().await.expect("closed");
    });
    let log = Captured::start();
    let policy = patient();
    let start = Instant::now();
    let pool = connect_pool(pool_options(), server.options(), &policy)
        .await
        .expect("a slot freed");
    let took = start.elapsed();
    release.await.expect("released");

    assert!(
        took < Duration::from_secs_f64(policy.deadline),
        "took {took:?}"
    );
    assert!(
        took >= Duration::from_millis(300),
        "connected before the slot was freed: {took:?}"
    );
    assert_eq!(pool.size(), 2);
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pool)
        .await
        .expect("a query");
    assert_eq!(one, 1);

    let records = log.records();
    assert!(
        log.retries_with(1040) > 0,
        "the server was never full: the test proves nothing"
    );
    assert!(
        records.iter().all(|r| r.level == Level::WARN),
        "{records:?}"
    );
    let expected = format!(
        "connguard retry: service=test target=mariadb://{}:***@{}:{}/{} code=1040 ER_CON_COUNT_ERROR (capacity) attempt 1/1000, next in ",
        server.user, server.host, server.port, server.database
    );
    assert!(
        records[0].message.starts_with(&expected),
        "{}",
        records[0].message
    );
    pool.close().await;
}

/// 100 tasks doing acquire + SELECT SLEEP(0.02) on `pool` at once; the errors
/// of those that failed.
async fn storm<F, Fut>(pool: &MySqlPool, acquire: F) -> Vec<String>
where
    F: Fn(MySqlPool) -> Fut,
    Fut: std::future::Future<
            Output = Result<sqlx::pool::PoolConnection<sqlx::MySql>, (Option<u16>, String)>,
        > + Send
        + 'static,
{
    const TASKS: usize = 100;
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let gate = gate.clone();
            let acquired = acquire(pool.clone());
            tokio::spawn(async move {
                gate.wait().await;
                let mut conn = acquired
                    .await
                    .map_err(|(code, message)| format!("{code:?}: {message}"))?;
                let slept: i64 = sqlx::query_scalar("SELECT SLEEP(0.02)")
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| format!("query: {e}"))?;
                assert_eq!(slept, 0);
                Ok::<(), String>(())
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(error) = task.await.expect("the task ran") {
            failures.push(error);
        }
    }
    failures
}

#[tokio::test]
async fn hundred_tasks_on_a_pool_of_twenty_all_succeed_with_the_shim() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    let log = Captured::start();
    let policy = patient();
    let pool = connect_pool(
        MySqlPoolOptions::new().max_connections(20),
        server.options(),
        &policy,
    )
    .await
    .expect("a pool");
    let failures = storm(&pool, |pool| {
        let policy = policy.clone();
        async move {
            acquire(&pool, &policy)
                .await
                .map_err(|e| (e.code(), e.to_string()))
        }
    })
    .await;
    assert!(
        failures.is_empty(),
        "{} of 100 failed: {failures:?}",
        failures.len()
    );
    assert!(
        log.retries_with(1040) > 0,
        "the server was never full: the test proves nothing"
    );
    assert!(pool.size() as usize <= server.max_connections);
    pool.close().await;
}

#[tokio::test]
async fn hundred_tasks_on_a_pool_of_twenty_fail_without_the_shim() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    let pool = MySqlPoolOptions::new()
        .max_connections(20)
        .connect_with(server.options())
        .await
        .expect("a pool");
    let failures = storm(&pool, |pool| async move {
        pool.acquire()
            .await
            .map_err(|e| (database_code(&e), e.to_string()))
    })
    .await;
    eprintln!("without connguard {} of 100 tasks failed", failures.len());
    assert!(
        !failures.is_empty(),
        "sqlx retried 1040 itself: the shim is not needed"
    );
    assert!(
        failures.iter().all(|f| f.starts_with("Some(1040)")),
        "{failures:?}"
    );
    pool.close().await;
}

#[tokio::test]
async fn access_denied_fails_on_the_first_attempt_without_the_password() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let wrong = "Wr0ng-Passw0rd-for-connguard";
    let options = server.options().password(wrong);
    let log = Captured::start();
    let policy = patient();

    let start = Instant::now();
    let created = connect_pool(MySqlPoolOptions::new(), options.clone(), &policy).await;
    let lazy = MySqlPoolOptions::new().connect_lazy_with(options);
    let acquired = acquire(&lazy, &policy).await;
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "retried a fatal error: {:?}",
        start.elapsed()
    );

    for error in [
        created.expect_err("a wrong password"),
        acquired.expect_err("a wrong password"),
    ] {
        assert_eq!(error.code(), Some(1045));
        assert_eq!(error.failure(), Some(Failure::Code(1045)));
        assert_eq!(
            (error.attempts(), error.reason(), error.error_class()),
            (1, Reason::Fatal, ErrorClass::Fatal)
        );
        assert!(matches!(error.sqlx_error(), sqlx::Error::Database(_)));
        let display = error.to_string();
        assert!(display.contains("Access denied"), "{display}");
        assert!(display.contains("gave up after 1 attempt in"), "{display}");
        assert!(
            display.contains("1045 ER_ACCESS_DENIED_ERROR: Check the credentials"),
            "{display}"
        );
        for text in [display, format!("{error:?}")] {
            assert!(!text.contains(wrong), "{text}");
            assert!(!text.contains(&server.password), "{text}");
        }
    }
    let records = log.records();
    assert_eq!(
        records.len(),
        2,
        "one ERROR per call, no retry: {records:?}"
    );
    for record in records {
        assert_eq!(
            (record.level, record.fields.get("event").map(String::as_str)),
            (Level::ERROR, Some("give_up"))
        );
        assert!(
            !record.message.contains(wrong) && !record.message.contains(&server.password),
            "{}",
            record.message
        );
    }
}

#[tokio::test]
async fn a_full_server_gives_up_for_attempts_with_the_drivers_1040() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    let held = server.hold(server.max_connections).await;
    let policy = Policy {
        max_attempts: 3,
        max_delay: 0.05,
        ..Policy::default()
    };
    let error = connect_pool(MySqlPoolOptions::new(), server.options(), &policy)
        .await
        .expect_err("the server is full");
    assert_eq!(
        (error.code(), error.attempts(), error.reason()),
        (Some(1040), 3, Reason::Attempts)
    );
    assert_eq!(error.error_class(), ErrorClass::Capacity);
    let source = std::error::Error::source(&error).expect("the driver's error");
    assert!(source.to_string().contains("1040"), "{source}");
    drop(held);
}
