//! The tokio runner of a [`Call`] (spec 7): it feeds the call events on
//! tokio's clock and performs the actions it answers (attempts cut off at
//! their cap, sleeps, waits and reports at the gate, log records, the error
//! of a give-up) and decides nothing itself. It emits the call's events
//! (spec 8.1) as it performs its steps.

use std::convert::Infallible;
use std::future::{pending, Future};
use std::hash::{BuildHasher, Hasher};
use std::pin::pin;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::time::{sleep, timeout, Duration, Instant};

use crate::call::{Action, Actions, Call, Event, GiveUp};
use crate::classification::Failure;
use crate::drivers::sqlx::{failure_of, timed_out};
use crate::error::Error;
use crate::events::{self, Step};
use crate::gate::{Gate, Slot, Ticket};
use crate::policy::Policy;
use crate::report::{self, CallSite};
use crate::splitmix64::SplitMix64;
use crate::testing;

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

/// One call to run: what it connects to, and through which gate, if any.
pub(crate) struct Runner<'a> {
    pub policy: &'a Policy,
    pub site: CallSite,
    pub gate: Option<Arc<Gate>>,
    /// `None`: not a connection failure (the call is abandoned, the error
    /// returned as it is).
    pub failure_of: fn(&sqlx::Error) -> Option<Failure>,
    pub seed: u64,
    /// Where the call's clock starts: its deadline is measured from here.
    pub start: Instant,
}

/// How a call that something else may pre-empt ([`Runner::run_or`]) ended:
/// the connection it opened (with the gate's slot, if gated), or what came
/// first instead.
pub(crate) enum Outcome<T, B> {
    Opened(T, Option<Slot>),
    Bypassed(B),
}

impl<'a> Runner<'a> {
    /// A call of `policy` to `target` (a masked DSN) with sqlx's errors.
    pub(crate) fn new(policy: &'a Policy, target: String, gate: Option<Arc<Gate>>) -> Self {
        Self {
            policy,
            site: CallSite {
                service: policy.service_name(),
                target,
            },
            gate,
            failure_of,
            seed: random_seed(),
            start: Instant::now(),
        }
    }

    /// The same call, its clock started at `start` (a caller that already
    /// waited, e.g. for its pool, keeps one deadline).
    pub(crate) fn since(self, start: Instant) -> Self {
        Self { start, ..self }
    }

    /// Runs `attempt` as the call says until it connects, and returns its
    /// value with the gate's slot, if gated; on give-up the driver's last
    /// error. Dropping the future abandons the call.
    pub(crate) async fn run<T, F, Fut>(self, attempt: F) -> Result<(T, Option<Slot>), Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        match self
            .run_or(|| None, attempt, pending::<Infallible>())
            .await?
        {
            Outcome::Opened(value, slot) => Ok((value, slot)),
            Outcome::Bypassed(never) => match never {},
        }
    }

    /// [`Runner::run`], pre-empted by `bypass` while the call waits at the
    /// gate or sleeps, and by `instead` answering `Some(b)` at a turn to
    /// attempt (it found what it needed without connecting, so no `attempt`
    /// event, spec 8.1): the call is then abandoned (its ticket leaves the
    /// gate) and ends `Bypassed`.
    pub(crate) async fn run_or<T, B, F, Fut>(
        self,
        mut instead: impl FnMut() -> Option<B>,
        mut attempt: F,
        bypass: impl Future<Output = B>,
    ) -> Result<Outcome<T, B>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        let mut bypass = pin!(bypass);
        let mut run = Run {
            call: Call::new(
                &testing::effective(self.policy),
                self.seed,
                self.gate.is_some(),
            ),
            ticket: self.gate.as_ref().map(Gate::ticket),
            start: self.start,
        };
        let mut event = Event::Start;
        let mut connected = None;
        let mut last_error = None;
        let mut slot = None;
        let mut queued_at = self.start; // when the caller last joined the gate's queue
        loop {
            let actions = run.call.on(event).unwrap_or_else(|e| panic!("{e}"));
            if let Event::Failed { t, failure } = event {
                // Spec 8.1: before any of the actions that answer it.
                self.emit(|| failed(&actions, run.call.attempts(), failure, t));
            }
            // Each answer but the last ends in a wait, an attempt or a sleep:
            // the event that follows it.
            for action in actions {
                match action {
                    Action::Join => {
                        queued_at = Instant::now();
                        run.ticket().join();
                    }
                    Action::Rejected => {
                        queued_at = Instant::now();
                        run.ticket().rejected();
                    }
                    Action::Left => run.ticket().left(),
                    Action::Connected => slot = Some(run.ticket().connected()),
                    Action::Wait { until } => {
                        let until = run.at(until);
                        // Biased: what came instead spares the server a connection.
                        let granted = tokio::select! {
                            biased;
                            instead = &mut bypass => return Ok(Outcome::Bypassed(instead)),
                            granted = run.ticket().wait(until) => granted,
                        };
                        let t = run.t();
                        event = if granted {
                            self.emit(|| Step::Granted {
                                waited: queued_at.elapsed().as_secs_f64(),
                            });
                            Event::Granted { t }
                        } else {
                            Event::Expired { t }
                        };
                    }
                    Action::Sleep { delay } => {
                        // Test mode sleeps 0: not at all.
                        if !testing::on() {
                            tokio::select! {
                                biased;
                                instead = &mut bypass => return Ok(Outcome::Bypassed(instead)),
                                () = sleep(Duration::from_secs_f64(delay)) => {}
                            }
                        }
                        event = Event::Woke { t: run.t() };
                    }
                    Action::Attempt { timeout: cap } => {
                        if let Some(found) = instead() {
                            return Ok(Outcome::Bypassed(found));
                        }
                        self.emit(|| Step::Attempt {
                            attempt: run.call.attempts(),
                        });
                        let outcome = timeout(Duration::from_secs_f64(cap), attempt()).await;
                        let t = run.t();
                        event = match outcome {
                            Ok(Ok(value)) => {
                                connected = Some(value);
                                Event::Succeeded { t }
                            }
                            Ok(Err(error)) => {
                                let Some(failure) = (self.failure_of)(&error) else {
                                    let attempts = run.call.attempts();
                                    run.abandon();
                                    let elapsed = run.start.elapsed();
                                    return Err(Error::not_ours(error, attempts, elapsed));
                                };
                                last_error = Some(error);
                                Event::Failed { t, failure }
                            }
                            Err(_) => {
                                last_error = Some(timed_out(cap));
                                Event::Failed {
                                    t,
                                    failure: Failure::Network,
                                }
                            }
                        };
                    }
                    Action::Retry(retry) => {
                        self.emit(|| Step::Retry {
                            attempt: retry.attempt,
                            delay: retry.delay,
                            elapsed: retry.elapsed,
                        });
                        let error = last_error.as_ref().expect("a retry follows a failure");
                        report::log_retry(&self.site, &retry, &error.to_string());
                    }
                    Action::GiveUp(give_up) => {
                        self.emit(|| Step::GiveUp {
                            reason: give_up.reason,
                            attempts: give_up.attempts,
                            elapsed: give_up.elapsed,
                            last: give_up.last,
                        });
                        return Err(self.give_up(&give_up, last_error.take()));
                    }
                    Action::Done { attempts, elapsed } => {
                        self.emit(|| Step::Connected { attempts, elapsed });
                        let value = connected.take().expect("done after a success");
                        return Ok(Outcome::Opened(value, slot.take()));
                    }
                }
            }
        }
    }

    /// Emits one of the call's steps, if anything observes.
    fn emit(&self, step: impl FnOnce() -> Step) {
        events::emit(|| events::Event::Call {
            service: &self.site.service,
            target: if self.site.target.is_empty() {
                "-"
            } else {
                &self.site.target
            },
            step: step(),
        });
    }

    /// Logs the give-up and builds the caller's error: the driver's last, or
    /// for a caller that never had an attempt one saying how long it waited.
    fn give_up(&self, give_up: &GiveUp, last_error: Option<sqlx::Error>) -> Error {
        let CallSite { service, target } = &self.site;
        let summary = report::give_up_summary(service, target, give_up);
        match last_error {
            Some(error) => {
                report::log_give_up(&self.site, give_up, &error.to_string());
                Error::gave_up(error, give_up, &summary)
            }
            None => {
                let gate = self.gate.as_ref().expect("only a gated call waits");
                let (limit, holding, _, _) = gate.snapshot();
                let message =
                    report::queue_timeout_message(target, give_up.elapsed, holding, limit);
                report::log_give_up(&self.site, give_up, &message);
                Error::waited_out(give_up, &message, &summary)
            }
        }
    }
}

/// The `failed` step of attempt `attempt`, with the class the call's answer
/// to it (a retry or a give-up) judged.
fn failed(actions: &Actions, attempt: u32, failure: Failure, elapsed: f64) -> Step {
    let class = actions
        .iter()
        .find_map(|action| match action {
            Action::Retry(retry) => Some(retry.class),
            Action::GiveUp(give_up) => give_up.last.map(|last| last.class),
            _ => None,
        })
        .expect("a failure is answered by a retry or a give-up");
    Step::Failed {
        attempt,
        failure,
        class,
        elapsed,
    }
}

/// A call under way. Dropped before it is done (its future cancelled, or a
/// panic), it is abandoned: the call says whether the ticket leaves the gate.
struct Run {
    call: Call,
    ticket: Option<Ticket>,
    start: Instant,
}

impl Run {
    fn t(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn at(&self, t: f64) -> Instant {
        self.start + Duration::from_secs_f64(t)
    }

    fn ticket(&mut self) -> &mut Ticket {
        self.ticket.as_mut().expect("only a gated call reports")
    }

    fn abandon(&mut self) {
        // Refused once the call is done: nothing is left to give back.
        if let Ok(actions) = self.call.on(Event::Abandoned { t: self.t() }) {
            for action in actions {
                match action {
                    Action::Left => self.ticket().left(),
                    other => unreachable!("abandoning answered {other:?}"),
                }
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.abandon();
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::io;

    use super::*;
    use crate::classification::ErrorClass;
    use crate::decision::Reason;
    use crate::policy::Jitter;

    fn runner(policy: &Policy, gate: Option<Arc<Gate>>) -> Runner<'_> {
        Runner {
            policy,
            site: CallSite {
                service: "api".into(),
                target: "mariadb://app:***@db:3306/main".into(),
            },
            gate,
            failure_of,
            seed: 7,
            start: Instant::now(),
        }
    }

    fn refused() -> sqlx::Error {
        sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused))
    }

    /// Runs a call whose attempts fail with `errors` in turn, then succeed.
    async fn scripted(policy: &Policy, errors: Vec<sqlx::Error>) -> (Result<u32, Error>, u32) {
        let attempts = Cell::new(0);
        let errors = std::cell::RefCell::new(errors.into_iter());
        let result = runner(policy, None)
            .run(|| {
                attempts.set(attempts.get() + 1);
                let outcome = errors.borrow_mut().next().map_or(Ok(attempts.get()), Err);
                async move { outcome }
            })
            .await
            .map(|(value, slot)| {
                assert!(slot.is_none(), "no gate, no slot");
                value
            });
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

    #[tokio::test(start_paused = true)]
    async fn an_attempt_that_hangs_is_cut_off_at_its_cap_as_a_network_failure() {
        let policy = Policy {
            connect_timeout: 0.4,
            ..none_jitter(1.0)
        };
        let attempts = Cell::new(0);
        let start = Instant::now();
        let error = runner(&policy, None)
            .run(|| {
                attempts.set(attempts.get() + 1);
                std::future::pending::<Result<(), sqlx::Error>>()
            })
            .await
            .err()
            .expect("never connects");
        // Cut off at 0.4, slept 0.3, cut off at 1.0: the deadline.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        assert_eq!(
            (attempts.get(), error.attempts(), error.reason()),
            (2, 2, Reason::Deadline)
        );
        assert_eq!(error.failure(), Some(Failure::Network));
        assert!(
            error.to_string().starts_with(
                "error communicating with database: connect timed out after 0.3s; connguard gave up after 2 attempts in 1.000s"
            ),
            "{error}"
        );
    }

    /// Probes 10 s apart and a gate of `initial_limit..=max_limit` slots, one
    /// of them held by another caller until the returned slot drops.
    async fn gated(deadline: f64, initial_limit: u32, max_limit: u32) -> (Policy, Arc<Gate>, Slot) {
        let mut policy = Policy {
            initial_delay: 10.0,
            max_delay: 10.0,
            ..none_jitter(deadline)
        };
        policy.limiter.initial_limit = initial_limit;
        policy.limiter.max_limit = max_limit;
        let gate = Arc::new(Gate::new("runner-test:3306".into(), &policy, 1));
        let mut other = gate.ticket();
        other.join();
        assert!(other.wait(Instant::now()).await);
        let slot = other.connected();
        (policy, gate, slot)
    }

    fn too_many() -> sqlx::Error {
        sqlx::Error::Protocol("stands in for 1040".into())
    }

    fn capacity(_: &sqlx::Error) -> Option<Failure> {
        Some(Failure::Code(1040))
    }

    #[tokio::test(start_paused = true)]
    async fn a_capacity_refusal_waits_for_a_close_instead_of_sleeping() {
        let (policy, gate, slot) = gated(30.0, 2, 1000).await;
        tokio::spawn(async move {
            sleep(Duration::from_secs(1)).await;
            drop(slot);
        });
        let attempts = Cell::new(0);
        let start = Instant::now();
        let (value, _slot) = Runner {
            failure_of: capacity,
            ..runner(&policy, Some(gate.clone()))
        }
        .run(|| {
            attempts.set(attempts.get() + 1);
            let outcome = if attempts.get() == 1 {
                Err(too_many())
            } else {
                Ok(attempts.get())
            };
            async move { outcome }
        })
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
        let (policy, gate, _slot) = gated(1.0, 1, 1).await;
        let attempts = Cell::new(0);
        let outcome = runner(&policy, Some(gate.clone()))
            .run(|| {
                attempts.set(attempts.get() + 1);
                async { Ok(()) }
            })
            .await;
        let Err(error) = outcome else {
            panic!("connected to a full server")
        };
        assert_eq!(attempts.get(), 0);
        assert_eq!((error.attempts(), error.reason()), (0, Reason::Deadline));
        assert!(matches!(error.sqlx_error(), sqlx::Error::PoolTimedOut));
        assert_eq!(
            error.to_string(),
            "connguard waited 1.00s (the policy deadline) for a turn to connect to \
             mariadb://app:***@db:3306/main: this process holds 1 connection(s) there and may open 1; \
             the server refused more. Hold connections for shorter or allow a longer deadline.; \
             connguard gave up after 0 attempts in 1.000s (reason: deadline; no attempt, waited in \
             the limiter's queue; service=api target=mariadb://app:***@db:3306/main)"
        );
        assert_eq!(gate.snapshot(), (1, 1, 1, 0), "it left the queue");
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_cancelled_mid_attempt_gives_its_slot_back() {
        let (policy, gate, slot) = gated(30.0, 2, 2).await;
        let call = runner(&policy, Some(gate.clone()))
            .run(std::future::pending::<Result<u32, sqlx::Error>>);
        assert!(tokio::time::timeout(Duration::from_secs(1), call)
            .await
            .is_err());
        assert_eq!(gate.snapshot(), (2, 1, 1, 0));
        drop(slot);
        assert_eq!(gate.snapshot(), (2, 0, 0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_cancelled_in_the_queue_leaves_it() {
        let (policy, gate, _slot) = gated(30.0, 1, 1).await;
        let call = runner(&policy, Some(gate.clone())).run(|| async { Ok(()) });
        assert!(tokio::time::timeout(Duration::from_secs(1), call)
            .await
            .is_err());
        assert_eq!(gate.snapshot(), (1, 1, 1, 0), "no waiter left queued");
    }

    #[tokio::test(start_paused = true)]
    async fn what_comes_first_while_queued_ends_the_call_and_leaves_the_queue() {
        let (policy, gate, _slot) = gated(30.0, 1, 1).await;
        let start = Instant::now();
        let instead = async {
            sleep(Duration::from_secs(1)).await;
            "returned to the pool"
        };
        let outcome = runner(&policy, Some(gate.clone()))
            .run_or(|| None, || async { Ok(()) }, instead)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(outcome, Outcome::Bypassed("returned to the pool")));
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        assert_eq!(gate.snapshot(), (1, 1, 1, 0), "no waiter left queued");
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_that_finds_instead_of_connecting_gives_its_grant_back() {
        let (policy, gate, _slot) = gated(30.0, 2, 2).await;
        let attempts = Cell::new(0);
        let outcome = runner(&policy, Some(gate.clone()))
            .run_or(
                || Some("idle"),
                || {
                    attempts.set(attempts.get() + 1);
                    async { Ok(()) }
                },
                pending(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(outcome, Outcome::Bypassed("idle")));
        assert_eq!(attempts.get(), 0, "nothing attempted");
        assert_eq!(gate.snapshot(), (2, 1, 1, 0), "not counted as connected");
    }

    #[test]
    fn a_hook_that_panics_changes_nothing() {
        let _turn = events::TEST_TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        const TARGET: &str = "mariadb://app:***@panicking-hook:3306/main";
        let hook = events::add_hook(|event: &events::Event<'_>| {
            if let events::Event::Call { target: TARGET, .. } = event {
                panic!("the hook's bug");
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let (policy, gate, slot) = runtime.block_on(gated(30.0, 2, 1000));
        let site = CallSite {
            service: "api".into(),
            target: TARGET.into(),
        };
        let call = Runner {
            site,
            ..runner(&policy, Some(gate.clone()))
        }
        .run(|| async { Err::<(), _>(refused()) });
        let ended = runtime.block_on(call);
        events::remove_hook(hook);
        assert!(ended.is_err(), "the call gave up on its own terms");
        drop(slot);
        assert_eq!(gate.snapshot(), (3, 0, 0, 0), "nothing left in flight");
    }

    #[test]
    fn seeds_differ_between_calls() {
        let seeds: std::collections::HashSet<u64> = (0..100).map(|_| random_seed()).collect();
        assert_eq!(seeds.len(), 100);
    }
}
