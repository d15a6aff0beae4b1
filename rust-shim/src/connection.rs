//! The sqlx single-connection adapter: `MySqlConnection::connect_with`
//! retried per the policy, through the process's limiter for the target
//! (spec 6) when `limiter.enabled`.
//!
//! Here connguard opens every connection itself and sees every close (an
//! explicit [`Connection::close`] or a drop), which is what the limiter needs;
//! sqlx's pool opens and closes its connections out of sight (docs/rust.md),
//! so `connect_pool` and `acquire` keep the plain retry.

use std::ops::{Deref, DerefMut};

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::Connection as _;

use crate::dsn::target;
use crate::error::Error;
use crate::gate::{gate_for, Held};
use crate::policy::Policy;
use crate::pool::{failure_of, within_connect_timeout};
use crate::report::CallSite;
use crate::retry::{call, call_gated, random_seed};

/// A `MySqlConnection` opened by [`connect`]: use it through `&mut *conn`
/// like sqlx's own. Closing or dropping it hands its slot to the next caller
/// waiting for the same server at once.
pub struct Connection {
    // Declared first, so a drop closes the socket before the slot is handed on.
    inner: MySqlConnection,
    _held: Option<Held>,
}

impl Connection {
    /// Closes the connection gracefully (`COM_QUIT`), then frees its slot.
    pub async fn close(self) -> Result<(), sqlx::Error> {
        let Self { inner, _held } = self;
        inner.close().await
    }
}

impl Deref for Connection {
    type Target = MySqlConnection;

    fn deref(&self) -> &MySqlConnection {
        &self.inner
    }
}

impl DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut MySqlConnection {
        &mut self.inner
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("connguard::Connection")
            .field("limited", &self._held.is_some())
            .finish_non_exhaustive()
    }
}

/// The limiter's key: one per process and server (host and port, or socket).
fn server_key(options: &MySqlConnectOptions) -> String {
    match options.get_socket() {
        Some(socket) => format!("unix:{}", socket.display()),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// `MySqlConnection::connect_with(options)`, retried per `policy`.
///
/// With `limiter.enabled` (the default) the process's callers towards one
/// server take turns: at most the limiter's limit attempt at once, a caller
/// refused with 1040 waits in a FIFO queue for a connection of this process to
/// close (or for a probe) instead of sleeping blind. Each attempt is bounded
/// by the policy's `connect_timeout`, the whole call by its `deadline`.
pub async fn connect(options: &MySqlConnectOptions, policy: &Policy) -> Result<Connection, Error> {
    let site = CallSite {
        service: policy.service_name(),
        target: target(options),
    };
    let attempt = || within_connect_timeout(policy, MySqlConnection::connect_with(options));
    if !policy.limiter.enabled {
        let inner = call(policy, &site, failure_of, random_seed, attempt).await?;
        return Ok(Connection { inner, _held: None });
    }
    let gate = gate_for(server_key(options), policy, random_seed());
    let (inner, held) = call_gated(policy, &site, failure_of, random_seed, &gate, attempt).await?;
    Ok(Connection {
        inner,
        _held: Some(held),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_is_per_server_not_per_user_or_database() {
        let a = MySqlConnectOptions::new()
            .host("db")
            .port(3307)
            .username("a")
            .database("x");
        let b = MySqlConnectOptions::new()
            .host("db")
            .port(3307)
            .username("b");
        assert_eq!(server_key(&a), server_key(&b));
        assert_eq!(server_key(&a), "db:3307");
        assert_eq!(
            server_key(&a.socket("/run/mysqld/mysqld.sock")),
            "unix:/run/mysqld/mysqld.sock"
        );
    }
}
