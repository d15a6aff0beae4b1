//! The error `connect_pool` and `acquire` return when connguard gives up
//! (spec 4.1): the driver's own last error as its source, with the attempts,
//! the elapsed time and the reason.

use std::fmt;
use std::time::Duration;

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
    /// `summary`: connguard's words on giving up; `None` for an error that is
    /// not a connection failure, which connguard lets through at once.
    pub(crate) fn new(
        source: sqlx::Error,
        failure: Option<Failure>,
        class: ErrorClass,
        attempts: u32,
        elapsed: Duration,
        reason: Reason,
        summary: Option<&str>,
    ) -> Self {
        let mut message = mask_dsn(&source.to_string());
        if let Some(summary) = summary {
            message = format!("{message}; {summary}");
        }
        Self {
            message,
            source,
            failure,
            class,
            attempts,
            elapsed,
            reason,
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
