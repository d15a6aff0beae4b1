//! connguard::Pool against the real MariaDB (max_connections=10) of
//! `python -m connguard.testing run -- cargo test ...`: queries run on `&pool`
//! as on sqlx's own pool, each new connection through the gate. A file of its
//! own: the limiter is per process and target.

#[allow(dead_code)] // each test file uses part of it
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use connguard::metrics::Metrics;
use connguard::{Policy, Pool};
use futures_util::TryStreamExt;
use sqlx::mysql::{MySql, MySqlPoolOptions};
use sqlx::{Executor, Row, Statement};
use support::{patient, Captured, Closing, TestServer, SERVER};

const QUERIES: usize = 100;
const ROUNDS: usize = 20;

/// QUERIES tasks at once, each `SELECT SLEEP(0.02)` through `fetch_all(&pool)`:
/// the errors of those that failed.
async fn queries_at_once<P>(pool: &P) -> Vec<String>
where
    P: Clone + Send + Sync + 'static,
    for<'p> &'p P: Executor<'p, Database = MySql>,
{
    let start = Arc::new(tokio::sync::Barrier::new(QUERIES));
    let tasks: Vec<_> = (0..QUERIES)
        .map(|_| {
            let (pool, start) = (pool.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let rows = sqlx::query("SELECT SLEEP(0.02)")
                    .fetch_all(&pool)
                    .await
                    .map_err(|e| e.to_string())?;
                assert_eq!(rows.len(), 1);
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
async fn hundred_queries_on_a_pool_of_twenty_succeed_where_sqlx_alone_fails_some() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    // Room for 4 connections: fewer than either pool would open.
    let held = server.hold(server.max_connections - 4).await;
    let options = || MySqlPoolOptions::new().max_connections(20);

    let plain = options()
        .connect_with(server.options())
        .await
        .expect("a pool");
    let failures = queries_at_once(&plain).await;
    // Dropped too: sqlx's close misses a connection still on its way back.
    plain.close().await;
    drop(plain);
    eprintln!("sqlx alone: {} of {QUERIES} queries failed", failures.len());
    assert!(!failures.is_empty(), "sqlx retried 1040 itself");
    assert!(failures.iter().all(|f| f.contains("1040")), "{failures:?}");

    server.wait_until_at_most(held.len() as i64).await;
    let log = Captured::start();
    let pool = Pool::connect_with(options(), server.options(), &patient())
        .await
        .expect("a pool");
    let sampler = server.sample_connections(Closing::default());
    let start = Instant::now();
    let failures = queries_at_once(&pool).await;
    let took = start.elapsed();
    let sampled = sampler.stop();
    assert!(
        failures.is_empty(),
        "{} of {QUERIES} failed: {failures:?}",
        failures.len()
    );
    eprintln!(
        "connguard::Pool: all {QUERIES} in {took:?} on {} connections; {} refusals queued; \
         at most {} connections or attempts on the server ({} samples)",
        pool.inner().size(),
        log.retries_with(1040),
        sampled.peak,
        sampled.samples
    );
    assert!(pool.inner().size() <= 4);
    // Each refusal was a retry that waited at the gate, not a blind sleep.
    let records = log.records();
    assert!(
        records
            .iter()
            .all(|r| r.message.contains(", queued for a free slot: ")),
        "{records:?}"
    );
    pool.close().await;
    drop(held);
}

#[tokio::test]
async fn a_pool_runs_every_kind_of_query_and_transaction() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    let pool = Pool::connect_with(
        MySqlPoolOptions::new().max_connections(3),
        server.options(),
        &patient(),
    )
    .await
    .expect("a pool");

    sqlx::query("CREATE TABLE IF NOT EXISTS connguard_pool (id INT PRIMARY KEY)")
        .execute(&pool)
        .await
        .expect("created");
    sqlx::query("DELETE FROM connguard_pool")
        .execute(&pool)
        .await
        .expect("emptied");
    let inserted = sqlx::query("INSERT INTO connguard_pool VALUES (1), (2), (3)")
        .execute(&pool)
        .await
        .expect("inserted");
    assert_eq!(inserted.rows_affected(), 3);

    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM connguard_pool")
        .fetch_one(&pool)
        .await
        .expect("counted");
    assert_eq!(count, 3);
    let none = sqlx::query("SELECT id FROM connguard_pool WHERE id = 4")
        .fetch_optional(&pool)
        .await
        .expect("looked up");
    assert!(none.is_none());
    let streamed: Vec<i32> = sqlx::query("SELECT id FROM connguard_pool ORDER BY id")
        .fetch(&pool)
        .map_ok(|row| row.get::<i32, _>(0))
        .try_collect()
        .await
        .expect("streamed");
    assert_eq!(streamed, [1, 2, 3]);
    let statement = (&pool).prepare("SELECT ? + 1").await.expect("prepared");
    let two: i64 = statement
        .query_scalar()
        .bind(1)
        .fetch_one(&pool)
        .await
        .expect("run");
    assert_eq!(two, 2);

    let mut rolled_back = pool.begin().await.expect("begun");
    sqlx::query("INSERT INTO connguard_pool VALUES (4)")
        .execute(&mut *rolled_back)
        .await
        .expect("inserted");
    rolled_back.rollback().await.expect("rolled back");
    let mut committed = pool.begin().await.expect("begun");
    sqlx::query("INSERT INTO connguard_pool VALUES (5)")
        .execute(&mut *committed)
        .await
        .expect("inserted");
    committed.commit().await.expect("committed");
    let ids: Vec<i32> = sqlx::query_scalar("SELECT id FROM connguard_pool WHERE id > 3")
        .fetch_all(&pool)
        .await
        .expect("read");
    assert_eq!(ids, [5]);

    // Code generic over sqlx's Acquire takes `&pool` too.
    let mut via_trait = sqlx::Acquire::begin(&pool).await.expect("begun");
    sqlx::query("SELECT 1")
        .execute(&mut *via_trait)
        .await
        .expect("run");
    via_trait.commit().await.expect("committed");

    let mut conn = pool.acquire().await.expect("a connection");
    let one: i64 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut *conn)
        .await
        .expect("a query");
    assert_eq!(one, 1);
    drop(conn);

    // A statement's own error is sqlx's, untouched: only connecting is retried.
    let error = sqlx::query("SELEC 1")
        .execute(&pool)
        .await
        .expect_err("a syntax error");
    assert!(matches!(error, sqlx::Error::Database(_)), "{error:?}");

    let debug = format!("{pool:?}");
    assert!(debug.starts_with("connguard::Pool"), "{debug}");
    assert!(!debug.contains(&server.password), "{debug}");
    sqlx::query("DROP TABLE connguard_pool")
        .execute(&pool)
        .await
        .expect("dropped");
    pool.close().await;
    assert!(pool.inner().is_closed());
    let closed = pool.acquire().await.expect_err("a closed pool");
    assert!(matches!(closed.sqlx_error(), sqlx::Error::PoolClosed));
}

#[tokio::test]
async fn a_wrong_password_fails_the_pool_at_once_and_a_query_with_sqlxs_error() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let wrong = "Wr0ng-Passw0rd-for-connguard";
    let options = server.options().password(wrong);
    let start = Instant::now();
    let error = Pool::connect_with(MySqlPoolOptions::new(), options.clone(), &patient())
        .await
        .expect_err("a wrong password");
    assert_eq!((error.code(), error.attempts()), (Some(1045), 1));
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(wrong), "{text}");
    }

    let lazy = Pool::connect_lazy_with(MySqlPoolOptions::new(), options, &patient());
    let error = sqlx::query("SELECT 1")
        .execute(&lazy)
        .await
        .expect_err("a wrong password");
    let code = connguard::drivers::sqlx::failure_of(&error).and_then(|f| f.code());
    assert_eq!(code, Some(1045), "{error}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "retried a fatal error"
    );
}

#[tokio::test]
async fn a_full_pool_hands_back_in_its_own_queue_until_the_deadline() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    let policy = connguard::Policy::parse("[default]\ndeadline = \"500ms\"\n", "<string>", None)
        .expect("a valid policy");
    let options = MySqlPoolOptions::new().max_connections(1);
    let pool = Pool::connect_with(options, server.options(), &policy)
        .await
        .expect("a pool");
    let held = pool.acquire().await.expect("its one connection");

    let start = Instant::now();
    let error = pool.acquire().await.expect_err("none came back");
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert!(matches!(error.sqlx_error(), sqlx::Error::PoolTimedOut));
    assert_eq!(
        (error.attempts(), error.reason()),
        (0, connguard::Reason::Deadline)
    );
    assert!(
        error
            .to_string()
            .contains("all 1 connections of the pool to mariadb://"),
        "{error}"
    );

    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire().await.map(|_| Instant::now()) }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let returned_at = Instant::now();
    drop(held);
    let handed_at = waiting.await.expect("ran").expect("the one handed back");
    assert!(handed_at - returned_at < Duration::from_millis(100));
    assert_eq!(pool.inner().size(), 1, "handed back, not opened");
    pool.close().await;
}

/// Spec 8.1: `attempt` comes only before a connect is tried. An acquire
/// whose turn at the gate finds an idle connection (or the pool full)
/// connects nothing, so it counts no attempt: attempts = connects + failures.
/// On two threads, so that acquires race each other to the gate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquires_that_connect_nothing_count_no_attempt() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    // A service of its own: the metrics hook sees every test's events.
    let service = "pool-attempts";
    let policy = Policy::parse("[service.pool-attempts]\n", "<string>", Some(service))
        .expect("a valid policy");
    let metrics = Metrics::install();
    // Fresh pools: only acquires that find the pool neither idle nor full go
    // to the gate, so mostly a pool's first ones; at their turn, a query's
    // connection may have come back or another caller's filled the pool.
    for _ in 0..ROUNDS {
        let pool = Pool::connect_lazy_with(
            MySqlPoolOptions::new().max_connections(2),
            server.options(),
            &policy,
        );
        for _ in 0..5 {
            sqlx::query("SELECT 1")
                .execute(&pool)
                .await
                .expect("a query");
        }
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    for _ in 0..5 {
                        sqlx::query("SELECT 1")
                            .execute(&pool)
                            .await
                            .expect("a query");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("the task ran");
        }
        pool.close().await;
    }
    let value = |name: &str| metrics.value(name, &[("service", service)]);
    let (attempts, connects, failures) = (
        value("connguard_attempts_total"),
        value("connguard_connects_total"),
        value("connguard_attempt_failures_total"),
    );
    eprintln!("{attempts} attempts, {connects} connects, {failures} failed");
    assert!(connects >= 1, "no call connected: the test proves nothing");
    assert_eq!(attempts, connects + failures);
}
