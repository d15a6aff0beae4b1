//! Events (spec 8.1): what calls and gates tell observers as they happen.
//!
//! Every event goes to the hooks added with [`add_hook`] and, as a `tracing`
//! event at DEBUG level with target `connguard::events`, to any subscriber
//! that wants it. An event site checks an atomic flag and `tracing`'s own
//! callsite interest, and builds nothing when neither observes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use tracing::Level;

use crate::call::LastError;
use crate::classification::{ErrorClass, Failure};
use crate::decision::Reason;

/// What happened, and to whom: a call (named by its service and masked
/// target, as log lines name it) or a gate (named by its server).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event<'a> {
    /// A step of one call.
    Call {
        /// The policy's service, `default` for the `[default]` policy.
        service: &'a str,
        /// The masked target (`mariadb://user:***@host:port/db`), `-` when unknown.
        target: &'a str,
        step: Step,
    },
    /// A gated connection's slot was released.
    Released {
        /// The gate's key: `host:port`, or the socket path.
        server: &'a str,
    },
    /// A limiter event changed the limit.
    Limit {
        server: &'a str,
        /// After the event.
        state: LimiterState,
    },
}

/// A call's steps, in the order a runner performs them (spec 8.1). Times are
/// seconds; `elapsed` is the call's `t`, waits at the gate included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// The wait at the gate returned a turn; `waited` since it joined or
    /// rejoined the queue (0 when let in as it joined).
    Granted { waited: f64 },
    /// Attempt `attempt` (1 for the first) starts.
    Attempt { attempt: u32 },
    /// The attempt failed to connect; emitted before anything the call does
    /// about it.
    Failed {
        attempt: u32,
        /// The spec's `code`: a server error number, or network.
        failure: Failure,
        class: ErrorClass,
        elapsed: f64,
    },
    /// The call retries after failed attempt `attempt`: after `delay`, or
    /// (`None`) once the gate gives it a turn.
    Retry {
        attempt: u32,
        delay: Option<f64>,
        elapsed: f64,
    },
    /// The call gave up; `last` is `None` when it never attempted.
    GiveUp {
        reason: Reason,
        attempts: u32,
        elapsed: f64,
        last: Option<LastError>,
    },
    /// Connected after `attempts` attempts.
    Connected { attempts: u32, elapsed: f64 },
}

/// A limiter's state (spec 6): what its `limit` event and the gauges show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimiterState {
    pub limit: u32,
    pub holding: u32,
    pub in_flight: u32,
    pub queued: u32,
}

impl Event<'_> {
    /// The spec's name: `granted`, `attempt`, `failed`, `retry`, `give_up`,
    /// `connected`, `released` or `limit`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Call { step, .. } => match step {
                Step::Granted { .. } => "granted",
                Step::Attempt { .. } => "attempt",
                Step::Failed { .. } => "failed",
                Step::Retry { .. } => "retry",
                Step::GiveUp { .. } => "give_up",
                Step::Connected { .. } => "connected",
            },
            Self::Released { .. } => "released",
            Self::Limit { .. } => "limit",
        }
    }
}

type Hook = Arc<dyn Fn(&Event<'_>) + Send + Sync>;
type Hooks = Arc<[(HookId, Hook)]>;

/// Names a hook added with [`add_hook`], to remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HookId(u64);

/// The hooks, replaced whole on each change so that emitting clones an `Arc`
/// and calls them unlocked (a hook may add or remove hooks).
static HOOKS: RwLock<Option<Hooks>> = RwLock::new(None);
/// Whether any hook is added: the one check an event site makes for hooks.
static HOOKED: AtomicBool = AtomicBool::new(false);

/// Calls `hook` with every event from now on, on the thread that emits it,
/// until [`remove_hook`]. A hook that panics is logged (`tracing` ERROR) and
/// changes nothing (spec 8.1): a broken exporter must not fail a connect.
pub fn add_hook(hook: impl Fn(&Event<'_>) + Send + Sync + 'static) -> HookId {
    static IDS: AtomicU64 = AtomicU64::new(1);
    let id = HookId(IDS.fetch_add(1, Ordering::Relaxed));
    change(|hooks| hooks.push((id, Arc::new(hook))));
    id
}

/// Removes the hook `id`; false if it was not there.
pub fn remove_hook(id: HookId) -> bool {
    let mut found = false;
    change(|hooks| {
        let before = hooks.len();
        hooks.retain(|(each, _)| *each != id);
        found = hooks.len() < before;
    });
    found
}

fn change(edit: impl FnOnce(&mut Vec<(HookId, Hook)>)) {
    let mut hooks = HOOKS.write().unwrap_or_else(PoisonError::into_inner);
    let mut list: Vec<_> = hooks.as_deref().unwrap_or_default().to_vec();
    edit(&mut list);
    HOOKED.store(!list.is_empty(), Ordering::Release);
    *hooks = (!list.is_empty()).then(|| list.into());
}

/// Emits the event `build` makes, if anything observes.
#[inline]
pub(crate) fn emit<'a>(build: impl FnOnce() -> Event<'a>) {
    let hooked = HOOKED.load(Ordering::Acquire);
    if hooked || tracing::enabled!(target: "connguard::events", Level::DEBUG) {
        deliver(&build(), hooked);
    }
}

fn deliver(event: &Event<'_>, hooked: bool) {
    trace(event);
    if hooked {
        let hooks = HOOKS.read().unwrap_or_else(PoisonError::into_inner).clone();
        for (_, hook) in hooks.iter().flat_map(|hooks| hooks.iter()) {
            let run = std::panic::AssertUnwindSafe(|| hook(event));
            if std::panic::catch_unwind(run).is_err() {
                tracing::error!(target: "connguard", event = event.name(), "connguard: a hook panicked");
            }
        }
    }
}

/// The `tracing` event: spec 8.1's fields, `code` absent for a network error.
fn trace(event: &Event<'_>) {
    let name = event.name();
    match *event {
        Event::Call {
            service,
            target,
            step,
        } => match step {
            Step::Granted { waited } => {
                tracing::debug!(target: "connguard::events", event = name, service, "target" = target, waited);
            }
            Step::Attempt { attempt } => {
                tracing::debug!(target: "connguard::events", event = name, service, "target" = target, attempt);
            }
            Step::Failed {
                attempt,
                failure,
                class,
                elapsed,
            } => {
                tracing::debug!(
                    target: "connguard::events", event = name, service, "target" = target, attempt,
                    code = failure.code(), class = class.as_str(), elapsed,
                );
            }
            Step::Retry {
                attempt,
                delay,
                elapsed,
            } => {
                tracing::debug!(
                    target: "connguard::events", event = name, service, "target" = target, attempt,
                    delay, elapsed,
                );
            }
            Step::GiveUp {
                reason,
                attempts,
                elapsed,
                last,
            } => {
                tracing::debug!(
                    target: "connguard::events", event = name, service, "target" = target,
                    reason = reason.as_str(), attempts, elapsed,
                    code = last.and_then(|last| last.failure.code()),
                    class = last.map(|last| last.class.as_str()),
                );
            }
            Step::Connected { attempts, elapsed } => {
                tracing::debug!(
                    target: "connguard::events", event = name, service, "target" = target, attempts,
                    elapsed,
                );
            }
        },
        Event::Released { server } => {
            tracing::debug!(target: "connguard::events", event = name, server);
        }
        Event::Limit { server, state } => {
            tracing::debug!(
                target: "connguard::events", event = name, server, limit = state.limit,
                holding = state.holding, in_flight = state.in_flight, queued = state.queued,
            );
        }
    }
}

/// Hooks are process-wide: the crate's unit tests that add one, or that
/// need none, take turns.
#[cfg(test)]
pub(crate) static TEST_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn released(server: &str) -> Event<'_> {
        Event::Released { server }
    }

    #[test]
    fn hooks_see_every_event_until_removed() {
        let _turn = TEST_TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let id = add_hook({
            let seen = seen.clone();
            move |event: &Event<'_>| {
                if let Event::Released { server } = event {
                    seen.lock().unwrap().push(server.to_string());
                }
            }
        });
        emit(|| released("events-test:1"));
        assert!(remove_hook(id));
        assert!(!remove_hook(id), "removed once");
        emit(|| released("events-test:2"));
        assert_eq!(*seen.lock().unwrap(), ["events-test:1"]);
    }

    #[test]
    fn nothing_is_built_when_nothing_observes() {
        let _turn = TEST_TURN.lock().unwrap_or_else(PoisonError::into_inner);
        emit(|| panic!("built an event no one observes"));
    }

    #[test]
    fn a_hook_may_remove_itself() {
        let _turn = TEST_TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let own = Arc::new(Mutex::new(None::<HookId>));
        let id = add_hook({
            let own = own.clone();
            move |_: &Event<'_>| {
                if let Some(id) = own.lock().unwrap().take() {
                    assert!(remove_hook(id));
                }
            }
        });
        *own.lock().unwrap() = Some(id);
        emit(|| released("events-test:3"));
        assert!(own.lock().unwrap().is_none(), "the hook ran");
        assert!(!remove_hook(id), "it removed itself");
    }

    #[test]
    fn names_are_the_specs() {
        let call = |step| Event::Call {
            service: "default",
            target: "-",
            step,
        };
        assert_eq!(call(Step::Attempt { attempt: 1 }).name(), "attempt");
        assert_eq!(
            call(Step::GiveUp {
                reason: Reason::Deadline,
                attempts: 0,
                elapsed: 1.0,
                last: None
            })
            .name(),
            "give_up"
        );
        assert_eq!(released("x").name(), "released");
    }
}
