//! Several connguard::Pools of one process oversubscribing a server: 4 pools
//! of max_connections 10, 20 connections free. They share the process's
//! gate, so none of 400 queries fails or waits out its deadline. A file of
//! its own: the limiter is per process and target.

#[allow(dead_code)] // each test file uses part of it
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use connguard::{Policy, Pool};
use sqlx::mysql::MySqlPoolOptions;
use support::{Closing, TestServer, SERVER};

const POOLS: usize = 4;
const QUERIES: usize = 400;
const FREE: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_pools_of_ten_share_twenty_connections_without_a_failure_or_a_stranded_caller() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    let _max = server.set_max_connections(FREE).await;
    let policy = Policy::parse(
        "[default]\nmax_attempts = 1000\ndeadline = \"20s\"\nmax_delay = \"200ms\"\n",
        "<string>",
        None,
    )
    .expect("a valid policy");
    let deadline = Duration::from_secs_f64(policy.deadline);
    let pools: Vec<Pool> = (0..POOLS)
        .map(|_| {
            let options = MySqlPoolOptions::new().max_connections(10);
            Pool::connect_lazy_with(options, server.options(), &policy)
        })
        .collect();
    let refused_before = server.refused_so_far().await;
    let sampler = server.sample_connections(Closing::default());

    let start = Arc::new(tokio::sync::Barrier::new(QUERIES));
    let tasks: Vec<_> = (0..QUERIES)
        .map(|n| {
            let (pool, start) = (pools[n % POOLS].clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let began = Instant::now();
                let slept: i64 = sqlx::query_scalar("SELECT SLEEP(0.01)")
                    .fetch_one(&pool)
                    .await
                    .map_err(|e| e.to_string())?;
                assert_eq!(slept, 0);
                Ok::<Duration, String>(began.elapsed())
            })
        })
        .collect();
    let (mut failures, mut longest) = (Vec::new(), Duration::ZERO);
    for task in tasks {
        match task.await.expect("the task ran") {
            Ok(took) => longest = longest.max(took),
            Err(error) => failures.push(error),
        }
    }
    let sampled = sampler.stop();
    let refused = server.refused_so_far().await - refused_before;
    let sizes: Vec<u32> = pools.iter().map(|pool| pool.inner().size()).collect();
    eprintln!(
        "{POOLS} pools of 10, {FREE} free: {} of {QUERIES} failed, the longest took {longest:?}; \
         {refused} connects refused; pool sizes {sizes:?}; at most {} connections or attempts \
         on the server ({} samples)",
        failures.len(),
        sampled.peak,
        sampled.samples
    );
    assert!(failures.is_empty(), "{failures:?}");
    // Stranded: waited out (most of) its deadline while others were served.
    assert!(longest < deadline / 4, "a caller waited {longest:?}");
    assert!(
        sizes.iter().sum::<u32>() as usize <= FREE,
        "the pools hold more than the server has: {sizes:?}"
    );
    for pool in &pools {
        pool.close().await;
    }
}
