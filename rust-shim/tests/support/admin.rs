//! The test server's admin account (`CONNGUARD_TEST_ADMIN_*`): one
//! connection for the whole test binary. Where an admin connection takes one
//! of max_connections' slots (an external server,
//! `CONNGUARD_TEST_ADMIN_COUNTED=1`) the runner lent the tests one such slot;
//! a connection per query would hold a second, for the moment its server
//! thread takes to end, that a test's next connect expects free.
//!
//! The connection lives on a runtime of its own: each `#[tokio::test]` has
//! its own runtime, and a connection does not outlive the one it was opened on.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::LocalBoxFuture;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Connection};

/// How long a connect may find even the admins' extra slot taken (1040).
const FULL_FOR: Duration = Duration::from_secs(5);

struct Open {
    runtime: tokio::runtime::Runtime,
    conn: Option<MySqlConnection>,
}

static OPEN: Mutex<Option<Open>> = Mutex::new(None);

/// The admin account, for [`Admin::run`].
#[derive(Clone)]
pub struct Admin {
    options: MySqlConnectOptions,
    /// `user:***@host:port`, for messages.
    shown: String,
}

impl Admin {
    pub fn new(host: &str, port: u16, user: &str, password: &str) -> Self {
        let options = MySqlConnectOptions::new()
            .host(host)
            .port(port)
            .username(user)
            .disable_statement_logging();
        Self {
            // An empty one is no password: sqlx would send it as one.
            options: match password {
                "" => options,
                _ => options.password(password),
            },
            shown: format!("{user}:***@{host}:{port}"),
        }
    }

    /// `query`'s result on the admin connection, from a task.
    pub async fn run<T, Q>(&self, query: Q) -> T
    where
        T: Send + 'static,
        Q: for<'c> Fn(&'c mut MySqlConnection) -> LocalBoxFuture<'c, sqlx::Result<T>>
            + Send
            + 'static,
    {
        let admin = self.clone();
        // A thread outside the task's runtime: the connection's runtime blocks it.
        match tokio::task::spawn_blocking(move || admin.run_blocking(query)).await {
            Ok(value) => value,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }

    /// `query`'s result on the admin connection, from a thread outside any
    /// runtime. A connection lost meanwhile (the server's wait_timeout) is
    /// opened again, once.
    pub fn run_blocking<T, Q>(&self, query: Q) -> T
    where
        Q: for<'c> Fn(&'c mut MySqlConnection) -> LocalBoxFuture<'c, sqlx::Result<T>>,
    {
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        let Open { runtime, conn } = open.get_or_insert_with(|| Open {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            conn: None,
        });
        for again in [false, true] {
            if conn.is_none() {
                *conn = Some(runtime.block_on(self.connect()));
            }
            let Some(connection) = conn.as_mut() else {
                unreachable!("opened above")
            };
            match runtime.block_on(query(connection)) {
                Ok(value) => return value,
                // The server's own error, or the second lost connection.
                Err(error) if again || matches!(error, sqlx::Error::Database(_)) => {
                    panic!("admin SQL as {}: {error}", self.shown)
                }
                Err(_) => {
                    let _context = runtime.enter();
                    *conn = None;
                }
            }
        }
        unreachable!("returned or panicked above")
    }

    async fn connect(&self) -> MySqlConnection {
        let until = Instant::now() + FULL_FOR;
        loop {
            match MySqlConnection::connect_with(&self.options).await {
                Ok(conn) => return conn,
                Err(error) if is_full(&error) && Instant::now() < until => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("the admin account {} cannot connect: {error}", self.shown),
            }
        }
    }
}

fn is_full(error: &sqlx::Error) -> bool {
    connguard::drivers::sqlx::failure_of(error).and_then(|f| f.code()) == Some(1040)
}
