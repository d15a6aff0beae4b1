//! The sqlx single-connection adapter: `MySqlConnection::connect_with` run as
//! a call (spec 7), through the process's gate for the server (spec 6.1) when
//! `limiter.enabled`.
//!
//! Here connguard opens every connection itself and sees every close (an
//! explicit [`Connection::close`] or a drop), which is what the limiter needs;
//! sqlx's pool opens and closes its connections out of sight, which
//! [`Pool`](crate::Pool) works around (pool.rs, docs/rust.md).

use std::ops::{Deref, DerefMut};

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::Connection as _;

use crate::drivers::sqlx::{close, server, target};
use crate::error::Error;
use crate::gate::{Gate, Slot};
use crate::policy::Policy;
use crate::runner::{random_seed, Runner};

/// A `MySqlConnection` opened by [`connect`]: use it through `&mut *conn`
/// like sqlx's own. Closing or dropping it hands its slot to the next caller
/// waiting for the same server at once.
pub struct Connection {
    // Declared first, so a drop closes the socket before the slot is handed on.
    inner: MySqlConnection,
    slot: Option<Slot>,
}

impl Connection {
    /// Closes the connection gracefully (`COM_QUIT`), then frees its slot.
    pub async fn close(self) -> Result<(), sqlx::Error> {
        let Self { inner, slot } = self;
        let closed = close(inner).await;
        drop(slot);
        closed
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
            .field("limited", &self.slot.is_some())
            .finish_non_exhaustive()
    }
}

/// `MySqlConnection::connect_with(options)`, retried per `policy`.
///
/// With `limiter.enabled` (the default) the process's callers towards one
/// server take turns: at most the limiter's limit attempt at once, a caller
/// refused with 1040 waits in a FIFO queue for a connection of this process to
/// close (or for a probe) instead of sleeping blind. Each attempt is cut off
/// after the policy's `connect_timeout` (or the time left, if less), the whole
/// call by its `deadline`.
pub async fn connect(options: &MySqlConnectOptions, policy: &Policy) -> Result<Connection, Error> {
    let gate = policy
        .limiter
        .enabled
        .then(|| Gate::of(server(options), policy, random_seed()));
    let runner = Runner::new(policy, target(options), gate);
    let (inner, slot) = runner
        .run(|| MySqlConnection::connect_with(options))
        .await?;
    Ok(Connection { inner, slot })
}
