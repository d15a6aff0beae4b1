//! The sqlx adapter: a `MySqlPool` whose creation and new connections are
//! retried per the policy.
//!
//! sqlx's pool retries a connect only on a refused TCP connection and on
//! database errors its driver marks transient in the connect phase; the MySQL
//! driver marks none, so 1040 fails `connect_with` and every `acquire` that
//! must open a connection. These wrap both in connguard's retry loop.

use std::io;
use std::time::Duration;

use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlDatabaseError, MySqlPool, MySqlPoolOptions};
use sqlx::pool::PoolConnection;

use crate::classification::Failure;
use crate::dsn::target;
use crate::duration::format_duration;
use crate::error::Error;
use crate::policy::Policy;
use crate::report::CallSite;
use crate::retry::{call, random_seed};

/// What a failed sqlx connect was, or `None` when it was not a connection
/// failure (a configuration or protocol error, a closed pool: connguard lets
/// those through at once).
///
/// A server error gives its number ([`MySqlDatabaseError::number`]); an IO
/// error is [`Failure::Network`]; a TLS error is 2026 `CR_SSL_CONNECTION_ERROR`,
/// the number the C client gives it (fatal unless `retry_on` names it);
/// [`sqlx::Error::PoolTimedOut`] is [`Failure::PoolTimedOut`] (capacity).
pub fn failure_of(error: &sqlx::Error) -> Option<Failure> {
    match error {
        sqlx::Error::Database(database) => database
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(|mysql| Failure::Code(mysql.number())),
        sqlx::Error::Io(_) => Some(Failure::Network),
        sqlx::Error::Tls(_) => Some(Failure::Code(2026)),
        sqlx::Error::PoolTimedOut => Some(Failure::PoolTimedOut),
        _ => None,
    }
}

/// `pool_options.connect_with(connect_options)`, retried per `policy` while
/// the server refuses it: a drop-in for sqlx's own call.
///
/// Each attempt is bounded by the policy's `connect_timeout` (sqlx has no
/// per-connect timeout of its own; an attempt cut short is a network error),
/// and by the pool's `acquire_timeout`, which sqlx applies inside. On give-up
/// the error holds sqlx's last error as its source.
pub async fn connect_pool(
    pool_options: MySqlPoolOptions,
    connect_options: MySqlConnectOptions,
    policy: &Policy,
) -> Result<MySqlPool, Error> {
    let site = CallSite {
        service: policy.service_name(),
        target: target(&connect_options),
    };
    let timeout = Duration::from_secs_f64(policy.connect_timeout);
    call(policy, &site, failure_of, random_seed, || {
        let attempt = pool_options.clone().connect_with(connect_options.clone());
        async move {
            tokio::time::timeout(timeout, attempt)
                .await
                .unwrap_or_else(|_| {
                    let message = format!(
                        "connect timed out after {}",
                        format_duration(policy.connect_timeout)
                    );
                    Err(sqlx::Error::Io(io::Error::new(
                        io::ErrorKind::TimedOut,
                        message,
                    )))
                })
        }
    })
    .await
}

/// `pool.acquire()`, retried per `policy` when the pool's new connection is
/// refused with a retryable error (1040 when the server is full) or the pool
/// times out.
///
/// A connection that is idle in the pool is returned at once, as by sqlx; only
/// opening a new one can fail and be retried. Each attempt is bounded by the
/// pool's `acquire_timeout`; the policy's `deadline` bounds the whole call.
pub async fn acquire(pool: &MySqlPool, policy: &Policy) -> Result<PoolConnection<MySql>, Error> {
    let site = CallSite {
        service: policy.service_name(),
        target: target(&pool.connect_options()),
    };
    call(policy, &site, failure_of, random_seed, || pool.acquire()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_network_failures() {
        let refused = sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(failure_of(&refused), Some(Failure::Network));
    }

    #[test]
    fn a_pool_timeout_is_its_own_failure_and_a_tls_error_is_2026() {
        assert_eq!(
            failure_of(&sqlx::Error::PoolTimedOut),
            Some(Failure::PoolTimedOut)
        );
        assert_eq!(
            failure_of(&sqlx::Error::Tls("bad certificate".into())),
            Some(Failure::Code(2026))
        );
    }

    #[test]
    fn other_errors_are_not_connection_failures() {
        assert_eq!(failure_of(&sqlx::Error::PoolClosed), None);
        assert_eq!(
            failure_of(&sqlx::Error::Protocol("unexpected packet".into())),
            None
        );
        assert_eq!(
            failure_of(&sqlx::Error::Configuration("bad option".into())),
            None
        );
    }
}
