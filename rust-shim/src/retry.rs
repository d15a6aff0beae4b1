//! One call (spec 4): attempts retried through a [`Decision`], sleeping on
//! tokio's clock and reporting through `tracing`. Driver-free apart from the
//! error type: `pool` runs it with sqlx attempts, unit tests with scripted ones.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::time::{sleep, Duration, Instant};

use crate::classification::{ErrorClass, Failure};
use crate::decision::{Decision, Reason, Verdict};
use crate::error::Error;
use crate::gate::{Gate, Held};
use crate::policy::Policy;
use crate::report::{
    fatal_advice, give_up_summary, log_give_up, log_retry, log_waited_out, waited_out_summary,
    CallSite,
};
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
            return Err(not_ours(error, decision, elapsed));
        };
        let verdict = decision.after_failure(failure, elapsed.as_secs_f64());
        if let Some(reason) = verdict.give_up {
            return Err(give_up(site, failure, &verdict, reason, elapsed, error));
        }
        log_retry(site, failure, &verdict, policy.max_attempts, &error, false);
        sleep(Duration::from_secs_f64(verdict.delay)).await;
    }
}

/// [`call`] through a limiter gate (spec 6): a caller refused for capacity
/// waits in the gate's queue for a freed slot instead of sleeping; after a
/// transient failure it sleeps its delay out of the queue and joins again at
/// the tail. Its connection is held at the gate until the returned guard
/// drops. Dropping the future (cancellation) leaves the gate at once.
pub(crate) async fn call_gated<T, F, Fut>(
    policy: &Policy,
    site: &CallSite,
    failure_of: fn(&sqlx::Error) -> Option<Failure>,
    seed: fn() -> u64,
    gate: &Arc<Gate>,
    mut attempt: F,
) -> Result<(T, Held), Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(policy.deadline);
    let mut decision: Option<Decision> = None;
    let mut last: Option<(sqlx::Error, Failure, ErrorClass)> = None;
    let mut ticket = gate.join();
    loop {
        if !ticket.wait(deadline).await {
            let elapsed = start.elapsed();
            return Err(match (last, &decision) {
                (Some((error, failure, class)), Some(decision)) => {
                    let verdict = Verdict {
                        give_up: Some(Reason::Deadline),
                        delay: 0.0,
                        class,
                        attempt: decision.attempts(),
                    };
                    give_up(site, failure, &verdict, Reason::Deadline, elapsed, error)
                }
                _ => waited_out(site, elapsed, ticket.gate()),
            });
        }
        let error = match attempt().await {
            Ok(value) => return Ok((value, ticket.connected())),
            Err(error) => error,
        };
        let elapsed = start.elapsed();
        let decision = decision.get_or_insert_with(|| Decision::new(policy, seed()));
        let Some(failure) = failure_of(&error) else {
            return Err(not_ours(error, decision, elapsed)); // the ticket leaves as it drops
        };
        let verdict = decision.after_failure(failure, elapsed.as_secs_f64());
        let capacity = verdict.class == ErrorClass::Capacity;
        if capacity {
            // The limit learns what the server holds, even from a caller about to give up.
            ticket.rejected();
        }
        if let Some(reason) = verdict.give_up {
            return Err(give_up(site, failure, &verdict, reason, elapsed, error));
        }
        log_retry(
            site,
            failure,
            &verdict,
            policy.max_attempts,
            &error,
            capacity,
        );
        if !capacity {
            ticket.leave();
            sleep(Duration::from_secs_f64(verdict.delay)).await;
            ticket.rejoin();
        }
        last = Some((error, failure, verdict.class));
    }
}

/// An error that is not a connection failure: through at once, unannotated.
fn not_ours(error: sqlx::Error, decision: &Decision, elapsed: Duration) -> Error {
    let attempts = decision.attempts() + 1;
    Error::new(
        error,
        None,
        ErrorClass::Fatal,
        attempts,
        elapsed,
        Reason::Fatal,
        None,
    )
}

/// Logs the give-up and returns the driver's error annotated with it.
fn give_up(
    site: &CallSite,
    failure: Failure,
    verdict: &Verdict,
    reason: Reason,
    elapsed: Duration,
    error: sqlx::Error,
) -> Error {
    let seconds = elapsed.as_secs_f64();
    let summary = give_up_summary(site, failure, verdict, reason, seconds);
    log_give_up(site, failure, verdict, reason, seconds, &summary, &error);
    let summary = match fatal_advice(failure, reason) {
        Some(advice) => format!("{summary}; {advice}"),
        None => summary,
    };
    Error::new(
        error,
        Some(failure),
        verdict.class,
        verdict.attempt,
        elapsed,
        reason,
        Some(&summary),
    )
}

/// A caller that waited its whole deadline without one attempt: no driver
/// error of its own, so sqlx's `PoolTimedOut` with what the gate held.
fn waited_out(site: &CallSite, elapsed: Duration, gate: &Gate) -> Error {
    let (limit, holding, _, _) = gate.snapshot();
    let waited = elapsed.as_secs_f64();
    let summary = waited_out_summary(site, waited, limit, holding);
    log_waited_out(site, waited, &summary);
    Error::new(
        sqlx::Error::PoolTimedOut,
        None,
        ErrorClass::Capacity,
        0,
        elapsed,
        Reason::Deadline,
        Some(&summary),
    )
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

    /// Probes 10 s apart and a gate of `initial_limit..=max_limit` slots, one
    /// of them held by another caller until the returned guard drops.
    async fn gated(deadline: f64, initial_limit: u32, max_limit: u32) -> (Policy, Arc<Gate>, Held) {
        let mut policy = Policy {
            initial_delay: 10.0,
            max_delay: 10.0,
            ..none_jitter(deadline)
        };
        policy.limiter.initial_limit = initial_limit;
        policy.limiter.max_limit = max_limit;
        let gate = Arc::new(Gate::new(&policy, 1));
        let mut other = gate.join();
        assert!(other.wait(Instant::now()).await);
        let held = other.connected();
        (policy, gate, held)
    }

    fn too_many() -> sqlx::Error {
        sqlx::Error::Protocol("stands in for 1040".into())
    }

    fn capacity(_: &sqlx::Error) -> Option<Failure> {
        Some(Failure::Code(1040))
    }

    #[tokio::test(start_paused = true)]
    async fn a_capacity_refusal_waits_for_a_close_instead_of_sleeping() {
        let (policy, gate, held) = gated(30.0, 2, 1000).await;
        tokio::spawn(async move {
            sleep(Duration::from_secs(1)).await;
            drop(held);
        });
        let attempts = Cell::new(0);
        let start = Instant::now();
        let (value, _held) = call_gated(
            &policy,
            &site(),
            capacity,
            || 7,
            &gate,
            || {
                attempts.set(attempts.get() + 1);
                let outcome = if attempts.get() == 1 {
                    Err(too_many())
                } else {
                    Ok(attempts.get())
                };
                async move { outcome }
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value, 2);
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1),
            "not its 10 s backoff"
        );
        assert_eq!(
            gate.snapshot(),
            (1, 1, 1, 0),
            "the limit fell to what the server held"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_that_never_got_a_turn_gives_up_at_its_deadline_saying_so() {
        let (policy, gate, _held) = gated(1.0, 1, 1).await;
        let attempts = Cell::new(0);
        let outcome = call_gated(
            &policy,
            &site(),
            capacity,
            || 7,
            &gate,
            || {
                attempts.set(attempts.get() + 1);
                async { Ok(()) }
            },
        )
        .await;
        let Err(error) = outcome else {
            panic!("connected to a full server")
        };
        assert_eq!(attempts.get(), 0);
        assert_eq!((error.attempts(), error.reason()), (0, Reason::Deadline));
        assert!(matches!(error.sqlx_error(), sqlx::Error::PoolTimedOut));
        assert!(
            error.to_string().contains("connguard waited 1.00s (the policy deadline) for a turn to connect to \
                mariadb://app:***@db:3306/main: this process holds 1 connection(s) there and may open 1;"),
            "{error}"
        );
        assert_eq!(gate.snapshot(), (1, 1, 1, 0), "it left the queue");
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_cancelled_mid_attempt_gives_its_slot_back() {
        let (policy, gate, held) = gated(30.0, 2, 2).await;
        let site = site();
        let call = call_gated(
            &policy,
            &site,
            failure_of,
            || 7,
            &gate,
            std::future::pending::<Result<u32, sqlx::Error>>,
        );
        assert!(tokio::time::timeout(Duration::from_secs(1), call)
            .await
            .is_err());
        assert_eq!(gate.snapshot(), (2, 1, 1, 0));
        drop(held);
        assert_eq!(gate.snapshot(), (2, 0, 0, 0));
    }

    #[test]
    fn seeds_differ_between_calls() {
        let seeds: std::collections::HashSet<u64> = (0..100).map(|_| random_seed()).collect();
        assert_eq!(seeds.len(), 100);
    }
}
