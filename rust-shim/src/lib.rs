//! connguard for Rust services on sqlx: one policy file (TOML) and one
//! behaviour, shared with the C++, Python and Node implementations, for
//! surviving MySQL/MariaDB error 1040 "Too many connections".
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
//!
//! let policy = connguard::Policy::from_env(Some("worker"))?;
//! let options = MySqlConnectOptions::new().host("db").username("app").password("pw").database("main");
//! let pool = connguard::Pool::connect_with(MySqlPoolOptions::new().max_connections(20), options, &policy).await?;
//! sqlx::query("SELECT 1").execute(&pool).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A [`Pool`] and [`connect`] open connections through the process's gate for
//! the server (load control, spec 6): callers refused with 1040 queue for a
//! slot that one of the process's connections frees as it closes (or, in a
//! pool, for a connection another caller returns).
//!
//! Every call is a [`Call`] (spec 7), a state machine that makes each
//! decision; a tokio runner performs its actions, and [`drivers::sqlx`] holds
//! what is particular to sqlx.
//!
//! Calls and gates emit events (spec 8.1) to [`events`] hooks and `tracing`;
//! [`metrics`] turns them into spec 8.2's metrics, and [`testing`] has test
//! mode (spec 8.4).
//!
//! Only connecting is retried, never a statement: a query that failed midway
//! may or may not have run.

pub mod call;
pub mod classification;
mod connection;
pub mod decision;
pub mod drivers;
pub mod dsn;
pub mod duration;
mod error;
pub mod events;
mod gate;
pub mod limiter;
pub mod metrics;
pub mod policy;
pub mod policy_error;
pub mod pool;
pub mod report;
mod runner;
pub mod schedule;
pub mod splitmix64;
pub mod testing;

pub use call::{Action, Call, CallError, Event};
pub use classification::{classify, ErrorClass, Failure};
pub use connection::{connect, Connection};
pub use decision::{Decision, Reason, Verdict};
pub use error::Error;
pub use limiter::Limiter;
pub use policy::{Jitter, LimiterPolicy, Policy};
pub use policy_error::{PolicyError, PolicyErrorKind};
pub use pool::{acquire, connect_pool, Pool};

// The Rust code of docs/rust.md, compiled by `cargo test --doc` so the guide
// stays true; only then, as the file lies outside the crate's package.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rust.md")]
pub struct GuideDoctests;
