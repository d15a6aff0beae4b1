//! One call (spec 4): attempts retried through a [`Decision`], sleeping on
//! tokio's clock and reporting through `tracing`. Driver-free apart from the
//! error type: `pool` runs it with sqlx attempts, unit tests with scripted ones.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, OnceLock};

use tokio::time::{sleep, Duration, Instant};

use crate::classification::{ErrorClass, Failure};
use crate::decision::{Decision, Reason};
use crate::error::Error;
use crate::policy::Policy;
use crate::report::{fatal_advice, give_up_summary, log_give_up, log_retry, CallSite};
use crate::splitmix64::SplitMix64;

/// A fresh seed per call from a process-wide generator seeded from the OS's
/// entropy, so concurrent calls do not replay each other's jitter.
pub(crate) fn random_seed() -> u64 {
    static SEEDS: OnceLock<Mutex<SplitMix64>> = OnceLock::new();
    let seeds = SEEDS.get_or_init(|| {
        // std's RandomState keys come from the OS's entropy source.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0);
        Mutex::new(SplitMix64::new(hasher.finish()))
    });
    seeds
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .next_u64()
}

/// Runs `attempt` until it succeeds and returns its value; on give-up the
/// last error. `failure_of` maps a driver error to a failure, `None` for an
/// error that is not a connection failure (returned at once, not logged). The
/// seed is drawn only after a first failure: a call that succeeds at once
/// costs a clock read.
pub(crate) async fn call<T, F, Fut>(
    policy: &Policy,
    site: &CallSite,
    failure_of: fn(&sqlx::Error) -> Option<Failure>,
    seed: fn() -> u64,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let start = Instant::now();
    let mut decision: Option<Decision> = None;
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let elapsed = start.elapsed();
        let decision = decision.get_or_insert_with(|| Decision::new(policy, seed()));
        let Some(failure) = failure_of(&error) else {
            let attempts = decision.attempts() + 1;
            return Err(Error::new(
                error,
                None,
                ErrorClass::Fatal,
                attempts,
                elapsed,
                Reason::Fatal,
                None,
            ));
        };
        let verdict = decision.after_failure(failure, elapsed.as_secs_f64());
        match verdict.give_up {
            None => {
                log_retry(site, failure, &verdict, policy.max_attempts, &error);
                sleep(Duration::from_secs_f64(verdict.delay)).await;
            }
            Some(reason) => {
                let summary =
                    give_up_summary(site, failure, &verdict, reason, elapsed.as_secs_f64());
                log_give_up(
                    site,
                    failure,
                    &verdict,
                    reason,
                    elapsed.as_secs_f64(),
                    &summary,
                    &error,
                );
                let summary = match fatal_advice(failure, reason) {
                    Some(advice) => format!("{summary}; {advice}"),
                    None => summary,
                };
                return Err(Error::new(
                    error,
                    Some(failure),
                    verdict.class,
                    verdict.attempt,
                    elapsed,
                    reason,
                    Some(&summary),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::io;

    use super::*;
    use crate::policy::Jitter;
    use crate::pool::failure_of;

    fn site() -> CallSite {
        CallSite {
            service: "api".into(),
            target: "mariadb://app:***@db:3306/main".into(),
        }
    }

    fn refused() -> sqlx::Error {
        sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused))
    }

    /// Runs a call whose attempts fail with `errors` in turn, then succeed.
    async fn scripted(policy: &Policy, errors: Vec<sqlx::Error>) -> (Result<u32, Error>, u32) {
        let attempts = Cell::new(0);
        let errors = std::cell::RefCell::new(errors.into_iter());
        let result = call(
            policy,
            &site(),
            failure_of,
            || 7,
            || {
                attempts.set(attempts.get() + 1);
                let outcome = errors.borrow_mut().next().map_or(Ok(attempts.get()), Err);
                async move { outcome }
            },
        )
        .await;
        (result, attempts.get())
    }

    fn none_jitter(deadline: f64) -> Policy {
        Policy {
            jitter: Jitter::None,
            initial_delay: 0.3,
            max_delay: 10.0,
            deadline,
            ..Policy::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn network_errors_are_retried_until_a_success() {
        let start = Instant::now();
        let (result, attempts) = scripted(&none_jitter(30.0), vec![refused(), refused()]).await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(attempts, 3);
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "slept 0.3 s then 0.6 s"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pool_timeouts_are_retried_as_capacity_until_the_deadline() {
        let errors = (0..5).map(|_| sqlx::Error::PoolTimedOut).collect();
        let (result, attempts) = scripted(&none_jitter(1.0), errors).await;
        let error = result.unwrap_err();
        // Failures at t = 0, 0.3, 0.9; the third retry (1.2 s) would cross the deadline.
        assert_eq!(
            (attempts, error.attempts(), error.reason()),
            (3, 3, Reason::Deadline)
        );
        assert_eq!(
            (error.failure(), error.error_class()),
            (Some(Failure::PoolTimedOut), ErrorClass::Capacity)
        );
        assert!(
            (error.elapsed().as_secs_f64() - 0.9).abs() < 1e-6,
            "{:?}",
            error.elapsed()
        );
        assert!(matches!(error.sqlx_error(), sqlx::Error::PoolTimedOut));
        assert_eq!(
            error.to_string(),
            "pool timed out while waiting for an open connection; connguard gave up after 3 attempts in 0.900s \
             (reason: deadline; last error pool_timed_out, capacity; service=api target=mariadb://app:***@db:3306/main)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_fatal_error_gives_up_at_once_with_advice() {
        let (result, attempts) = scripted(
            &Policy::default(),
            vec![sqlx::Error::Tls("bad certificate".into())],
        )
        .await;
        let error = result.unwrap_err();
        assert_eq!(
            (attempts, error.attempts(), error.reason(), error.code()),
            (1, 1, Reason::Fatal, Some(2026))
        );
        let message = error.to_string();
        assert!(message.contains("gave up after 1 attempt in 0.000s (reason: fatal; last error 2026 CR_SSL_CONNECTION_ERROR, fatal;"), "{message}");
        assert!(message.ends_with("; 2026 CR_SSL_CONNECTION_ERROR: Check TLS settings on both sides: certificates, CA, TLS versions and ciphers."), "{message}");
    }

    #[tokio::test(start_paused = true)]
    async fn max_attempts_bounds_the_call() {
        let policy = Policy {
            max_attempts: 2,
            ..none_jitter(30.0)
        };
        let (result, attempts) = scripted(&policy, vec![refused(), refused(), refused()]).await;
        let error = result.unwrap_err();
        assert_eq!(
            (attempts, error.attempts(), error.reason()),
            (2, 2, Reason::Attempts)
        );
        assert_eq!(error.failure(), Some(Failure::Network));
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_that_is_not_a_connection_failure_passes_at_once_unannotated() {
        let (result, attempts) =
            scripted(&Policy::default(), vec![refused(), sqlx::Error::PoolClosed]).await;
        let error = result.unwrap_err();
        assert_eq!(
            (attempts, error.attempts(), error.reason(), error.failure()),
            (2, 2, Reason::Fatal, None)
        );
        assert_eq!(
            error.to_string(),
            "attempted to acquire a connection on a closed pool"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn display_and_debug_mask_a_dsn_in_the_drivers_text() {
        let leaky = sqlx::Error::Protocol("cannot use mysql://app:hunter2@db/main".into());
        let (result, _) = scripted(&Policy::default(), vec![leaky]).await;
        let error = result.unwrap_err();
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("mysql://app:***@db/main"), "{text}");
        }
    }

    #[test]
    fn seeds_differ_between_calls() {
        let seeds: std::collections::HashSet<u64> = (0..100).map(|_| random_seed()).collect();
        assert_eq!(seeds.len(), 100);
    }
}
