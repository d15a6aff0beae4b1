//! What connguard tells people (spec 4.2): one WARNING per retry and one ERROR
//! on give-up, as `tracing` events with target `connguard`, worded like the
//! Python adapters' log lines, every password masked.

use crate::classification::{lookup_code, Failure};
use crate::decision::{Reason, Verdict};
use crate::dsn::mask_dsn;

/// Who and what a call connects to, as log lines and errors name them.
#[derive(Clone, Debug)]
pub(crate) struct CallSite {
    /// The service name (`default` for the `[default]` policy).
    pub service: String,
    /// The masked DSN.
    pub target: String,
}

impl CallSite {
    fn describe(&self) -> String {
        format!("service={} target={}", self.service, self.target)
    }
}

/// One WARN per retry; `queued`: a limiter holds the caller until a slot
/// frees, with no sleep.
pub(crate) fn log_retry(
    site: &CallSite,
    failure: Failure,
    verdict: &Verdict,
    max_attempts: u32,
    error: &sqlx::Error,
    queued: bool,
) {
    let then = if queued {
        "queued for a free slot".to_string()
    } else {
        format!("next in {:.3}s", verdict.delay)
    };
    tracing::warn!(
        target: "connguard",
        event = "retry",
        service = %site.service,
        target_dsn = %site.target,
        code = failure.code(),
        error_class = verdict.class.as_str(),
        attempt = verdict.attempt,
        max_attempts,
        delay = verdict.delay,
        "connguard retry: {} code={failure} ({}) attempt {}/{max_attempts}, {then}: {}",
        site.describe(),
        verdict.class,
        verdict.attempt,
        mask_dsn(&error.to_string()),
    );
}

/// `connguard gave up after K attempts in T (reason: R; last error C, CLASS; service=S target=D)`.
pub(crate) fn give_up_summary(
    site: &CallSite,
    failure: Failure,
    verdict: &Verdict,
    reason: Reason,
    elapsed: f64,
) -> String {
    let attempts = verdict.attempt;
    format!(
        "connguard gave up after {attempts} attempt{} in {elapsed:.3}s (reason: {reason}; last error {failure}, {}; {})",
        if attempts == 1 { "" } else { "s" },
        verdict.class,
        site.describe(),
    )
}

/// `1045 ER_ACCESS_DENIED_ERROR: Check the credentials ...` for a known code
/// that made the call give up at once: what an operator should do.
pub(crate) fn fatal_advice(failure: Failure, reason: Reason) -> Option<String> {
    match (failure, reason) {
        (Failure::Code(code), Reason::Fatal) => {
            lookup_code(code).map(|info| format!("{} {}: {}", info.code, info.name, info.advice))
        }
        _ => None,
    }
}

pub(crate) fn log_give_up(
    site: &CallSite,
    failure: Failure,
    verdict: &Verdict,
    reason: Reason,
    elapsed: f64,
    summary: &str,
    error: &sqlx::Error,
) {
    tracing::error!(
        target: "connguard",
        event = "give_up",
        service = %site.service,
        target_dsn = %site.target,
        code = failure.code(),
        error_class = verdict.class.as_str(),
        attempts = verdict.attempt,
        elapsed,
        reason = reason.as_str(),
        "{summary}: {}",
        mask_dsn(&error.to_string()),
    );
}

/// What a caller says that waited its whole deadline in a limiter's queue
/// without one attempt, as Python's `QueueTimeout` words it.
pub(crate) fn waited_out_summary(site: &CallSite, waited: f64, limit: u32, holding: u32) -> String {
    format!(
        "connguard waited {waited:.2}s (the policy deadline) for a turn to connect to {}: this process \
         holds {holding} connection(s) there and may open {limit}; the server refused more. Hold \
         connections for shorter or allow a longer deadline",
        site.target
    )
}

pub(crate) fn log_waited_out(site: &CallSite, waited: f64, summary: &str) {
    tracing::error!(
        target: "connguard",
        event = "give_up",
        service = %site.service,
        target_dsn = %site.target,
        attempts = 0,
        elapsed = waited,
        reason = "deadline",
        "{summary} (service={})",
        site.service,
    );
}
