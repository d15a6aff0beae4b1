//! The error `connect`, [`Pool`](crate::Pool)'s calls, `connect_pool` and
//! `acquire` return when connguard gives up (spec 4.1): the driver's own last
//! error as its source, with the attempts, the elapsed time and the reason.

use std::fmt;
use std::time::Duration;

use crate::call::GiveUp;
use crate::classification::{ErrorClass, Failure};
use crate::decision::Reason;
use crate::dsn::mask_dsn;

/// Displays as the driver's text (passwords masked), then, when connguard
/// decided to give up, its summary: attempts, elapsed, reason, last error,
/// service and masked target, and for a known fatal code what to do about it.
#[derive(thiserror::Error)]
#[error("{message}")]
pub struct Error {
    message: String,
    source: sqlx::Error,
    failure: Option<Failure>,
    class: ErrorClass,
    attempts: u32,
    elapsed: Duration,
    reason: Reason,
}

impl Error {
    /// The call gave up (spec 4.1): the driver's last error, with connguard's
    /// summary of the call.
    pub(crate) fn gave_up(source: sqlx::Error, give_up: &GiveUp, summary: &str) -> Self {
        let message = format!("{}; {summary}", mask_dsn(&source.to_string()));
        Self::new(message, source, give_up)
    }

    /// A caller that never had an attempt: no driver error of its own, so
    /// sqlx's `PoolTimedOut`, displayed as `message` (how long it waited).
    pub(crate) fn waited_out(give_up: &GiveUp, message: &str, summary: &str) -> Self {
        Self::new(
            format!("{message}; {summary}"),
            sqlx::Error::PoolTimedOut,
            give_up,
        )
    }

    fn new(message: String, source: sqlx::Error, give_up: &GiveUp) -> Self {
        Self {
            message,
            source,
            failure: give_up.last.map(|last| last.failure),
            // Never attempted: the server was full for the whole deadline.
            class: give_up.last.map_or(ErrorClass::Capacity, |last| last.class),
            attempts: give_up.attempts,
            elapsed: Duration::from_secs_f64(give_up.elapsed),
            reason: give_up.reason,
        }
    }

    /// A pool whose connections all stayed in use (none closed, none came
    /// back) until its `acquire_timeout` or the policy's deadline: sqlx's
    /// `PoolTimedOut`; no attempt failed.
    pub(crate) fn pool_busy(message: String, elapsed: Duration) -> Self {
        Self {
            message,
            source: sqlx::Error::PoolTimedOut,
            failure: Some(Failure::PoolTimedOut),
            class: ErrorClass::Capacity,
            attempts: 0,
            elapsed,
            reason: Reason::Deadline,
        }
    }

    /// An error that is not a connection failure: through at once, unannotated.
    pub(crate) fn not_ours(source: sqlx::Error, attempts: u32, elapsed: Duration) -> Self {
        Self {
            message: mask_dsn(&source.to_string()),
            source,
            failure: None,
            class: ErrorClass::Fatal,
            attempts,
            elapsed,
            reason: Reason::Fatal,
        }
    }

    /// The driver's error of the last attempt.
    pub fn sqlx_error(&self) -> &sqlx::Error {
        &self.source
    }

    /// The driver's error of the last attempt, by value.
    pub fn into_sqlx_error(self) -> sqlx::Error {
        self.source
    }

    /// What the last attempt's failure was; `None` when the error was not a
    /// connection failure (connguard let it through as fatal).
    pub fn failure(&self) -> Option<Failure> {
        self.failure
    }

    /// The MySQL/MariaDB error number of the last attempt, if it had one.
    pub fn code(&self) -> Option<u16> {
        self.failure.and_then(Failure::code)
    }

    /// The class of the last error, policy applied.
    pub fn error_class(&self) -> ErrorClass {
        self.class
    }

    /// Attempts made, the last one included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the start of the first attempt to giving up.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    pub fn reason(&self) -> Reason {
        self.reason
    }
}

/// sqlx's own last error, for code whose errors are `sqlx::Error` (`?` after
/// `pool.acquire()`); connguard logs its summary of a give-up.
impl From<Error> for sqlx::Error {
    fn from(error: Error) -> Self {
        error.source
    }
}

// By hand: a derived Debug would print the source's own Debug, which masks nothing.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("connguard::Error")
            .field("failure", &self.failure)
            .field("class", &self.class)
            .field("attempts", &self.attempts)
            .field("elapsed", &self.elapsed)
            .field("reason", &self.reason)
            .field("message", &self.message)
            .finish()
    }
}
