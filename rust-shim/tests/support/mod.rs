//! What the integration tests share: the server the runner handed over, its
//! admin connection, a lock that keeps the tests off each other's
//! connections, a log capture, and a fake server for scripted connects.

pub mod admin;
pub mod fake_server;

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use admin::Admin;
use connguard::Policy;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Connection, Row};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Event, Level, Metadata, Subscriber};

/// `may_be_empty`: the embedded root's password is.
fn env(name: &str, may_be_empty: bool) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| may_be_empty || !v.is_empty())
        .unwrap_or_else(|| {
            panic!("{name} is not set: run the tests under `python -m connguard.testing run -- cargo test ...`")
        })
}

/// The server of `python -m connguard.testing run`: the embedded MariaDB, or
/// the one `MYSQL_TEST_URL` names.
#[derive(Clone)]
pub struct TestServer {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub database: String,
    /// The test account's connections that fit, exactly.
    pub max_connections: usize,
    /// Whether the admin connection takes one of the server's
    /// max_connections slots and shows in Threads_connected.
    pub admin_counted: bool,
    /// The status counter of the connects the server refused with 1040.
    pub refused_status: String,
    admin: Admin,
}

impl TestServer {
    pub fn from_env() -> Self {
        let text = |name: &str| env(name, false);
        let number = |name: &str| text(name).parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        Self {
            host: text("CONNGUARD_TEST_HOST"),
            port: number("CONNGUARD_TEST_PORT") as u16,
            user: text("CONNGUARD_TEST_USER"),
            password: text("CONNGUARD_TEST_PASSWORD"),
            database: text("CONNGUARD_TEST_DATABASE"),
            max_connections: number("CONNGUARD_TEST_MAX_CONNECTIONS"),
            admin_counted: text("CONNGUARD_TEST_ADMIN_COUNTED") == "1",
            refused_status: text("CONNGUARD_TEST_REFUSED_STATUS"),
            admin: Admin::new(
                &text("CONNGUARD_TEST_ADMIN_HOST"),
                number("CONNGUARD_TEST_ADMIN_PORT") as u16,
                &text("CONNGUARD_TEST_ADMIN_USER"),
                &env("CONNGUARD_TEST_ADMIN_PASSWORD", true),
            ),
        }
    }

    /// The unprivileged test account, counted by max_connections.
    pub fn options(&self) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(&self.user)
            .password(&self.password)
            .database(&self.database)
            .disable_statement_logging()
    }

    /// Waits until no connection of the test account is left from an earlier
    /// test (the server ends their threads asynchronously).
    pub async fn wait_until_idle(&self) {
        self.wait_until_at_most(0).await;
    }

    /// Waits until the server has at most `count` connections of the test
    /// account (including those still authenticating) and, where admin
    /// connections take slots, at most `count` besides the tests' admin
    /// connection: an earlier one still ending takes a slot too.
    pub async fn wait_until_at_most(&self, count: i64) {
        let counted = self.admin_counted;
        for _ in 0..500 {
            let user = self.user.clone();
            let (account, others) = self
                .admin
                .run(move |conn| {
                    let user = user.clone();
                    Box::pin(async move {
                        let account = account_connections(conn, &user).await?;
                        let others = if counted {
                            status(conn, "Threads_connected").await?.saturating_sub(1)
                        } else {
                            0
                        };
                        Ok((account, others as i64))
                    })
                })
                .await;
            if account <= count && others <= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("connections of an earlier test are still open");
    }

    /// Connection attempts the server refused so far, in the flavour's
    /// counter (`CONNGUARD_TEST_REFUSED_STATUS`: MariaDB counts an unprivileged
    /// account's 1040 in Aborted_connects, MySQL in Connection_errors_max_connections).
    pub async fn refused_so_far(&self) -> u64 {
        let name = self.refused_status.clone();
        self.admin
            .run(move |conn| {
                let name = name.clone();
                Box::pin(async move { status(conn, &name).await })
            })
            .await
    }

    /// Opens `count` connections as another client would, without connguard.
    pub async fn hold(&self, count: usize) -> Vec<MySqlConnection> {
        let mut held = Vec::with_capacity(count);
        for _ in 0..count {
            held.push(
                MySqlConnection::connect_with(&self.options())
                    .await
                    .expect("a free slot"),
            );
        }
        held
    }

    /// Samples the test account's connections (those still authenticating
    /// included) on a thread of its own, unslowed by the test's tasks, until
    /// the returned [`Sampler`] is stopped (or for at most 60 s or 100,000
    /// samples). A sample counts only while `closing` stays 0 from before to
    /// after it (see [`Closing`]).
    pub fn sample_connections(&self, closing: Closing) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let (admin, user) = (self.admin.clone(), self.user.clone());
        let sampling = stop.clone();
        let sampler = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(60);
            let mut sampled = Sampled::default();
            while !sampling.load(Ordering::Relaxed)
                && sampled.samples + sampled.skipped < 100_000
                && Instant::now() < until
            {
                let quiet = closing.0.load(Ordering::SeqCst) == 0;
                let count = admin.run_blocking(|conn| {
                    let user = user.clone();
                    Box::pin(async move { account_connections(conn, &user).await })
                });
                if quiet && closing.0.load(Ordering::SeqCst) == 0 {
                    sampled.peak = sampled.peak.max(count);
                    sampled.samples += 1;
                } else {
                    sampled.skipped += 1;
                }
            }
            sampled
        });
        Sampler { stop, sampler }
    }

    /// Sets the server's max_connections so that `max` connections of the
    /// test account fit (one more where the admin connection takes a slot),
    /// until the returned guard drops.
    pub async fn set_max_connections(&self, max: usize) -> MaxConnections {
        let wanted = max + usize::from(self.admin_counted);
        self.admin
            .run(move |conn| Box::pin(set_max_connections(conn, wanted)))
            .await;
        MaxConnections {
            admin: self.admin.clone(),
            max: self.max_connections + usize::from(self.admin_counted),
        }
    }
}

/// The server's connections of the test account, those still authenticating included.
async fn account_connections(admin: &mut MySqlConnection, user: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
         WHERE USER IN (?, 'unauthenticated user')",
    )
    .bind(user)
    .fetch_one(admin)
    .await
}

/// A SHOW GLOBAL STATUS counter, by the text protocol: MySQL prepares no SHOW STATUS.
async fn status(admin: &mut MySqlConnection, name: &str) -> sqlx::Result<u64> {
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "not a status variable: {name:?}"
    );
    let sql = format!("SHOW GLOBAL STATUS LIKE '{name}'");
    let value: String = sqlx::raw_sql(&sql).fetch_one(admin).await?.try_get(1)?;
    Ok(value
        .parse()
        .unwrap_or_else(|e| panic!("{name} = {value:?}: {e}")))
}

async fn set_max_connections(admin: &mut MySqlConnection, max: usize) -> sqlx::Result<()> {
    sqlx::query(&format!("SET GLOBAL max_connections = {max}"))
        .execute(admin)
        .await
        .map(drop)
}

/// Sets max_connections back to the runner's when dropped, also by a failing test.
pub struct MaxConnections {
    admin: Admin,
    max: usize,
}

impl Drop for MaxConnections {
    fn drop(&mut self) {
        let (admin, max) = (self.admin.clone(), self.max);
        // A thread outside the test's runtime: drop cannot await.
        std::thread::spawn(move || {
            admin.run_blocking(move |conn| Box::pin(set_max_connections(conn, max)))
        })
        .join()
        .expect("max_connections restored");
    }
}

/// Connections a test closed and the server may still list: sqlx sends
/// `COM_QUIT` and drops the socket without waiting for the server's end, so
/// the server lists a closed connection a moment longer (the close race of
/// spec 6). The test counts them from before `close()` until `LINGER` after.
#[derive(Clone, Default)]
pub struct Closing(Arc<AtomicUsize>);

impl Closing {
    pub const LINGER: Duration = Duration::from_millis(5);

    pub async fn close(&self, conn: connguard::Connection) -> Result<(), sqlx::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let closed = conn.close().await;
        tokio::time::sleep(Self::LINGER).await;
        self.0.fetch_sub(1, Ordering::SeqCst);
        closed
    }
}

/// What a sampler saw: the most connections of the test account over its
/// samples, and the samples skipped while a connection was closing.
#[derive(Debug, Default)]
pub struct Sampled {
    pub peak: i64,
    pub samples: u32,
    pub skipped: u32,
}

/// A sampler of the test account's connections.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    sampler: std::thread::JoinHandle<Sampled>,
}

impl Sampler {
    pub fn stop(self) -> Sampled {
        self.stop.store(true, Ordering::Relaxed);
        self.sampler.join().expect("the sampler ran")
    }
}
/// Tests against the server take turns: each needs all of max_connections.
pub static SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Patient enough for a busy server; the tests that prove something pass their own.
pub fn patient() -> Policy {
    Policy::parse(
        "[service.test]\nmax_attempts = 1000\ndeadline = \"30s\"\nmax_delay = \"200ms\"\n",
        "<string>",
        Some("test"),
    )
    .expect("a valid policy")
}

/// One `connguard` event: its level, message and fields.
#[derive(Clone, Debug)]
pub struct LogRecord {
    pub level: Level,
    pub message: String,
    pub fields: HashMap<String, String>,
}

/// The `connguard` events (or another target's) of the current thread (the
/// tests' runtimes are current-thread, so their spawned tasks log here too)
/// while it lives.
pub struct Captured {
    records: Arc<Mutex<Vec<LogRecord>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Captured {
    pub fn start() -> Self {
        Self::of("connguard")
    }

    pub fn of(target: &'static str) -> Self {
        let records = Arc::new(Mutex::new(Vec::new()));
        let guard = tracing::subscriber::set_default(Capture(target, records.clone()));
        Self {
            records,
            _guard: guard,
        }
    }

    pub fn records(&self) -> Vec<LogRecord> {
        self.records.lock().unwrap().clone()
    }

    /// WARNING events (retries) whose code field is `code`.
    pub fn retries_with(&self, code: u16) -> usize {
        let code = code.to_string();
        self.records()
            .iter()
            .filter(|r| r.level == Level::WARN && r.fields.get("code") == Some(&code))
            .count()
    }
}

struct Capture(&'static str, Arc<Mutex<Vec<LogRecord>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == self.0
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &SpanRecord<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let message = fields.remove("message").unwrap_or_default();
        self.1.lock().unwrap().push(LogRecord {
            level: *event.metadata().level(),
            message,
            fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
