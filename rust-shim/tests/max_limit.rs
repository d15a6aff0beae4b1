//! `[default.limiter] max_limit = 3` against the real MariaDB of
//! `python -m connguard.testing run -- cargo test ...`: the server, sampled on
//! the side, never sees more than 3 connections and attempts of the process,
//! through `connguard::connect` or a `connguard::Pool` (but for connections
//! closed a moment ago: see `support::Closing`). A file of its own: the
//! limiter is per process and target, and the first policy sets its limits.

#[allow(dead_code)] // each test file uses part of it
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use connguard::{connect, Policy, Pool};
use sqlx::mysql::MySqlPoolOptions;
use support::{Closing, TestServer, SERVER};

const MAX_LIMIT: i64 = 3;
const CALLERS: usize = 20;

fn policy() -> Policy {
    let text = format!(
        "[default]\nmax_attempts = 1000\ndeadline = \"20s\"\nmax_delay = \"200ms\"\n\n\
         [default.limiter]\nmax_limit = {MAX_LIMIT}\n"
    );
    Policy::parse(&text, "<string>", None).expect("a valid policy")
}

/// CALLERS tasks at once, each running `hold` (about 30 ms on a connection):
/// their errors, and the most connections and attempts the server saw while
/// none of them was `closing`.
async fn at_once<F, Fut>(server: &TestServer, closing: &Closing, hold: F) -> (Vec<String>, i64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    server.wait_until_idle().await;
    let sampler = server.sample_connections(closing.clone());
    let start = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (start, held) = (start.clone(), hold());
            tokio::spawn(async move {
                start.wait().await;
                held.await
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(error) = task.await.expect("the task ran") {
            failures.push(error);
        }
    }
    let sampled = sampler.stop();
    eprintln!("the server's connections and attempts of the test account: {sampled:?}");
    assert!(sampled.samples >= 50, "too few samples to tell");
    (failures, sampled.peak)
}

#[tokio::test]
async fn max_limit_caps_what_connect_puts_on_the_server() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let (options, policy, closing) = (server.options(), policy(), Closing::default());
    let (failures, peak) = at_once(&server, &closing, || {
        let (options, policy, closing) = (options.clone(), policy.clone(), closing.clone());
        async move {
            let mut conn = connect(&options, &policy)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query("SELECT SLEEP(0.03)")
                .execute(&mut *conn)
                .await
                .map_err(|e| format!("query: {e}"))?;
            closing.close(conn).await.map_err(|e| format!("close: {e}"))
        }
    })
    .await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(peak <= MAX_LIMIT, "the server saw {peak}");
}

#[tokio::test]
async fn max_limit_caps_what_a_pool_puts_on_the_server() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let options = MySqlPoolOptions::new().max_connections(10);
    let pool = Pool::connect_lazy_with(options, server.options(), &policy());
    // A pool keeps its connections: none closes.
    let (failures, peak) = at_once(&server, &Closing::default(), || {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT SLEEP(0.03)")
                .fetch_all(&pool)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
    })
    .await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(peak <= MAX_LIMIT, "the server saw {peak}");
    assert!(pool.inner().size() as i64 <= MAX_LIMIT);
    pool.close().await;
}

/// A pool holding every slot in `MAX_LIMIT` idle connections.
async fn idle_pool(server: &TestServer, options: MySqlPoolOptions) -> Pool {
    server.wait_until_idle().await;
    let pool = Pool::connect_lazy_with(options.max_connections(10), server.options(), &policy());
    let held = futures_util::future::try_join_all((0..MAX_LIMIT).map(|_| pool.acquire()))
        .await
        .expect("max_limit connections");
    drop(held);
    pool
}

#[tokio::test]
async fn connections_a_pool_closes_out_of_sight_hand_their_slots_on() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    // sqlx reaps connections idle for 300 ms, unseen by connguard.
    let options = MySqlPoolOptions::new().idle_timeout(Duration::from_millis(300));
    let pool = idle_pool(&server, options).await;
    for _ in 0..300 {
        if pool.inner().size() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(pool.inner().size(), 0, "reaped");
    let start = Instant::now();
    let conn = connect(&server.options(), &policy())
        .await
        .expect("a slot freed by the reaper");
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_millis(500),
        "the reaped slots were not swept: {waited:?}"
    );
    conn.close().await.expect("closed");
    pool.close().await;
}

#[tokio::test]
async fn an_idle_pool_makes_way_for_a_caller_at_the_gate() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    let pool = idle_pool(&server, MySqlPoolOptions::new()).await;
    let start = Instant::now();
    let conn = connect(&server.options(), &policy())
        .await
        .expect("the slot of an idle connection");
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_millis(500),
        "stranded behind idle connections: {waited:?}"
    );
    assert_eq!(pool.inner().size() as i64, MAX_LIMIT - 1, "one made way");
    conn.close().await.expect("closed");
    pool.close().await;
}
