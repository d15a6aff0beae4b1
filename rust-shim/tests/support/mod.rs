//! What the integration tests share: the server the runner started, a lock
//! that keeps them off each other's connections, and a log capture.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connguard::Policy;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Event, Level, Metadata, Subscriber};

fn env(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run the tests under `python -m connguard.testing run -- cargo test ...`")
    })
}

/// The throwaway MariaDB of `python -m connguard.testing run`.
pub struct TestServer {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub database: String,
    pub admin_port: u16,
    pub max_connections: usize,
}

impl TestServer {
    pub fn from_env() -> Self {
        let number = |name: &str| env(name).parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        Self {
            host: env("CONNGUARD_TEST_HOST"),
            port: number("CONNGUARD_TEST_PORT") as u16,
            user: env("CONNGUARD_TEST_USER"),
            password: env("CONNGUARD_TEST_PASSWORD"),
            database: env("CONNGUARD_TEST_DATABASE"),
            admin_port: number("CONNGUARD_TEST_ADMIN_PORT") as u16,
            max_connections: number("CONNGUARD_TEST_MAX_CONNECTIONS"),
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
    /// test (the server ends their threads asynchronously), asking as root on
    /// the extra port, outside max_connections.
    pub async fn wait_until_idle(&self) {
        let admin = MySqlConnectOptions::new()
            .host(&self.host)
            .port(self.admin_port)
            .username("root");
        let mut conn = sqlx::MySqlConnection::connect_with(&admin)
            .await
            .expect("root on the admin port");
        for _ in 0..500 {
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?",
            )
            .bind(&self.user)
            .fetch_one(&mut conn)
            .await
            .expect("the process list");
            if open == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("connections of an earlier test are still open");
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

/// The `connguard` events of the current thread (the tests' runtimes are
/// current-thread, so their spawned tasks log here too) while it lives.
pub struct Captured {
    records: Arc<Mutex<Vec<LogRecord>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Captured {
    pub fn start() -> Self {
        let records = Arc::new(Mutex::new(Vec::new()));
        let guard = tracing::subscriber::set_default(Capture(records.clone()));
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

struct Capture(Arc<Mutex<Vec<LogRecord>>>);

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
        metadata.target() == "connguard"
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
        self.0.lock().unwrap().push(LogRecord {
            level: *event.metadata().level(),
            message,
            fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
