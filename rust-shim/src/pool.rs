//! The sqlx pool adapter: a `MySqlPool` whose creation and new connections are
//! retried per the policy.
//!
//! sqlx's pool retries a connect only on a refused TCP connection and on
//! database errors its driver marks transient in the connect phase; the MySQL
//! driver marks none, so 1040 fails `connect_with` and every `acquire` that
//! must open a connection. These run both as calls (spec 7), with no gate:
//! the pool opens and closes its connections out of sight (docs/rust.md).

use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::pool::PoolConnection;

use crate::drivers::sqlx::target;
use crate::error::Error;
use crate::policy::Policy;
use crate::runner::Runner;

/// `pool_options.connect_with(connect_options)`, retried per `policy` while
/// the server refuses it: a drop-in for sqlx's own call.
///
/// Each attempt is cut off after the policy's `connect_timeout`, or the time
/// left before its `deadline` if less (sqlx has no connect timeout of its own;
/// an attempt cut off is a network error). On give-up the error holds sqlx's
/// last error as its source.
pub async fn connect_pool(
    pool_options: MySqlPoolOptions,
    connect_options: MySqlConnectOptions,
    policy: &Policy,
) -> Result<MySqlPool, Error> {
    let runner = Runner::new(policy, target(&connect_options), None);
    let attempt = || pool_options.clone().connect_with(connect_options.clone());
    Ok(runner.run(attempt).await?.0)
}

/// `pool.acquire()`, retried per `policy` when the pool's new connection is
/// refused with a retryable error (1040 when the server is full) or the pool
/// times out.
///
/// A connection that is idle in the pool is returned at once, as by sqlx; only
/// opening a new one can fail and be retried. Each attempt is cut off as in
/// [`connect_pool`], and by the pool's `acquire_timeout`, whichever is first.
pub async fn acquire(pool: &MySqlPool, policy: &Policy) -> Result<PoolConnection<MySql>, Error> {
    let runner = Runner::new(policy, target(&pool.connect_options()), None);
    Ok(runner.run(|| pool.acquire()).await?.0)
}
