//! What connguard tells people (spec 4.2): the texts of a call's `retry` and
//! `give_up` records, and their `tracing` events (target `connguard`, one
//! WARN per retry, one ERROR per give-up). Targets arrive masked; the events
//! mask the driver's message too.

use crate::call::{GiveUp, Retry};
use crate::classification::{lookup_code, Failure};
use crate::decision::Reason;
use crate::dsn::mask_dsn;

/// Who and what a call connects to, as log lines and errors name them.
#[derive(Clone, Debug)]
pub(crate) struct CallSite {
    pub service: String,
    /// The masked DSN.
    pub target: String,
}

/// `service=S target=T`, `default` and `-` standing in for empty ones.
fn place(service: &str, target: &str) -> String {
    let service = if service.is_empty() {
        "default"
    } else {
        service
    };
    let target = if target.is_empty() { "-" } else { target };
    format!("service={service} target={target}")
}

/// `connguard retry: service=S target=T code=CODE (CLASS) attempt K/MAX, next in Ds: MESSAGE`.
pub fn retry_line(service: &str, target: &str, retry: &Retry, message: &str) -> String {
    let then = match retry.delay {
        Some(delay) => format!("next in {delay:.3}s"),
        None => "queued for a free slot".into(),
    };
    format!(
        "connguard retry: {} code={} ({}) attempt {}/{}, {then}: {message}",
        place(service, target),
        retry.failure,
        retry.class,
        retry.attempt,
        retry.max_attempts,
    )
}

fn give_up_head(service: &str, target: &str, give_up: &GiveUp) -> String {
    let (elapsed, place) = (give_up.elapsed, place(service, target));
    let Some(last) = give_up.last else {
        return format!(
            "connguard gave up after 0 attempts in {elapsed:.3}s (reason: deadline; no attempt, \
             waited in the limiter's queue; {place})"
        );
    };
    let attempts = give_up.attempts;
    format!(
        "connguard gave up after {attempts} attempt{} in {elapsed:.3}s (reason: {}; last error {}, {}; {place})",
        if attempts == 1 { "" } else { "s" },
        give_up.reason,
        last.failure,
        last.class,
    )
}

/// What the caller's error carries: the head of the ERROR line, and for a
/// fatal code in the table what to do about it.
pub fn give_up_summary(service: &str, target: &str, give_up: &GiveUp) -> String {
    let head = give_up_head(service, target, give_up);
    let advice = match (give_up.reason, give_up.last.map(|last| last.failure)) {
        (Reason::Fatal, Some(Failure::Code(code))) => lookup_code(code),
        _ => None,
    };
    match advice {
        Some(info) => format!("{head}; {} {}: {}", info.code, info.name, info.advice),
        None => head,
    }
}

/// The ERROR line: `MESSAGE` is the driver's last error, or for a caller that
/// never had an attempt the [`queue_timeout_message`].
pub fn give_up_line(service: &str, target: &str, give_up: &GiveUp, message: &str) -> String {
    format!("{}: {message}", give_up_head(service, target, give_up))
}

/// The error of a caller that waited its whole deadline at the gate.
pub fn queue_timeout_message(target: &str, waited: f64, holding: u32, limit: u32) -> String {
    format!(
        "connguard waited {waited:.2}s (the policy deadline) for a turn to connect to {}: this \
         process holds {holding} connection(s) there and may open {limit}; the server refused \
         more. Hold connections for shorter or allow a longer deadline.",
        if target.is_empty() { "-" } else { target },
    )
}

pub(crate) fn log_retry(site: &CallSite, retry: &Retry, message: &str) {
    tracing::warn!(
        target: "connguard",
        event = "retry",
        service = %site.service,
        target_dsn = %site.target,
        code = retry.failure.code(),
        error_class = retry.class.as_str(),
        attempt = retry.attempt,
        max_attempts = retry.max_attempts,
        delay = retry.delay,
        "{}",
        retry_line(&site.service, &site.target, retry, &mask_dsn(message)),
    );
}

pub(crate) fn log_give_up(site: &CallSite, give_up: &GiveUp, message: &str) {
    let last = give_up.last;
    tracing::error!(
        target: "connguard",
        event = "give_up",
        service = %site.service,
        target_dsn = %site.target,
        code = last.and_then(|last| last.failure.code()),
        error_class = last.map(|last| last.class.as_str()),
        attempts = give_up.attempts,
        elapsed = give_up.elapsed,
        reason = give_up.reason.as_str(),
        "{}",
        give_up_line(&site.service, &site.target, give_up, &mask_dsn(message)),
    );
}
