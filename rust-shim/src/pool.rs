//! The sqlx adapter: a `MySqlPool` whose creation and new connections are
//! retried per the policy.
//!
//! sqlx's pool retries a connect only on a refused TCP connection and on
//! database errors its driver marks transient in the connect phase; the MySQL
//! driver marks none, so 1040 fails `connect_with` and every `acquire` that
//! must open a connection. These wrap both in connguard's retry loop.

use std::future::Future;
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
/// error is [`Failure::Network`], except a host name that does not resolve,
/// 2005 `CR_UNKNOWN_HOST`; a TLS error is 2026 `CR_SSL_CONNECTION_ERROR`: the
/// numbers the C client gives them (fatal unless `retry_on` names them, spec 2);
/// [`sqlx::Error::PoolTimedOut`] is [`Failure::PoolTimedOut`] (capacity).
pub fn failure_of(error: &sqlx::Error) -> Option<Failure> {
    match error {
        sqlx::Error::Database(database) => database
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(|mysql| Failure::Code(mysql.number())),
        sqlx::Error::Io(io) if unresolved_name(io) => Some(Failure::Code(2005)),
        sqlx::Error::Io(_) => Some(Failure::Network),
        sqlx::Error::Tls(_) => Some(Failure::Code(2026)),
        sqlx::Error::PoolTimedOut => Some(Failure::PoolTimedOut),
        _ => None,
    }
}

/// sqlx resolves through tokio, which reports std's resolver failure (an
/// unnameable `ErrorKind::Uncategorized`) or a name with no address by text only.
fn unresolved_name(error: &io::Error) -> bool {
    let text = error.to_string();
    text.starts_with("failed to lookup address information")
        || text == "could not resolve to any address"
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
    call(policy, &site, failure_of, random_seed, || {
        within_connect_timeout(
            policy,
            pool_options.clone().connect_with(connect_options.clone()),
        )
    })
    .await
}

/// `attempt` bounded by the policy's `connect_timeout` (sqlx has no
/// per-connect timeout of its own); cut short, it is a network error.
pub(crate) async fn within_connect_timeout<T>(
    policy: &Policy,
    attempt: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    let timeout = Duration::from_secs_f64(policy.connect_timeout);
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
    fn a_name_that_does_not_resolve_is_2005() {
        for text in [
            "failed to lookup address information: Name or service not known",
            "could not resolve to any address",
        ] {
            let unresolved = sqlx::Error::Io(io::Error::other(text));
            assert_eq!(failure_of(&unresolved), Some(Failure::Code(2005)), "{text}");
        }
        let reset = sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(failure_of(&reset), Some(Failure::Network));
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
