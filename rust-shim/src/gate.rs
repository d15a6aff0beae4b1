//! Load control's I/O side (spec 6.1): the [`Gate`] of a process and server
//! runs its [`Limiter`] for tokio tasks; a caller's [`Ticket`] is its place
//! there for one call; a [`Slot`] is what a connection opened through it holds.
//!
//! The probe timer needs no task of its own: it is armed only while waiters
//! are queued, and each queued waiter also sleeps until it is due (woken to
//! look again whenever it is armed), so the first to wake fires it. No runtime
//! handle is kept, so a gate serves every runtime of the process, and a
//! connection closed on any thread hands its slot over at once.
//!
//! Holders that cannot see every close of their connections (a pool, whose
//! driver closes connections out of sight) register as a [`Reclaimer`]: queued
//! waiters sweep them every [`SWEEP`] the same way, so a slot whose
//! connection closed reaches the queue even while its pool is idle, and a
//! pool's idle connection makes way for callers still queued after that.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::{oneshot, Notify};
use tokio::time::{sleep_until, Duration, Instant};

use crate::events::{self, Event, LimiterState};
use crate::limiter::{Actions, Limiter, Misuse, Waiter};
use crate::policy::Policy;
use crate::testing;

/// The server a gate's connections go to, as its driver normalizes it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) enum Server {
    Tcp { host: String, port: u16 },
    Socket(PathBuf),
}

/// As events and gauges name it: `host:port`, or the socket path.
impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp { host, port } => write!(f, "{host}:{port}"),
            Self::Socket(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The process's gates, one per server.
static GATES: Mutex<Option<HashMap<Server, Arc<Gate>>>> = Mutex::new(None);

fn gates() -> MutexGuard<'static, Option<HashMap<Server, Arc<Gate>>>> {
    GATES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Each gate's server and limiter state, read now.
pub(crate) fn states() -> Vec<(String, LimiterState)> {
    // Each gate read after the registry's lock is let go: a gate's lock is
    // never taken under the registry's elsewhere either.
    let all: Vec<Arc<Gate>> = gates().iter().flat_map(|g| g.values().cloned()).collect();
    all.iter()
        .map(|gate| (gate.server.clone(), gate.state()))
        .collect()
}

/// Drops every gate (test mode's reset, spec 8.4): the next call to each
/// server starts a fresh limiter. Tickets and slots of the old gates report
/// to them until they end.
pub(crate) fn reset() {
    gates().take();
}

/// How often queued waiters sweep the gate's [`Reclaimer`]s: the longest a slot
/// stays held after its pool closed the connection out of sight.
const SWEEP: Duration = Duration::from_millis(20);

/// A pool at the gate (spec 6.1: a reclaimer): holds slots of connections
/// that may close out of its sight, and gives up idle ones to waiters.
pub(crate) trait Reclaimer: Send + Sync {
    /// Releases the slots of the connections that closed.
    fn sweep(&self);

    /// Callers wait at the gate that no release let in: closes an idle
    /// connection, if any, whose slot then goes to them.
    fn reclaim_idle(self: Arc<Self>);
}

/// One per process and [`Server`]: its callers take turns here.
pub(crate) struct Gate {
    /// The [`Server`] as events name it.
    server: String,
    state: Mutex<State>,
    armed: Notify, // the probe timer was armed: queued waiters look at probe_at again
}

struct State {
    limiter: Limiter,
    turns: HashMap<Waiter, oneshot::Sender<()>>,
    probe_at: Option<Instant>, // set exactly while the limiter's timer is armed
    sweeps: Vec<Weak<dyn Reclaimer>>,
    sweep_at: Option<Instant>, // the next sweep, once a waiter looked
}

impl Gate {
    /// The process's gate for `server`; the first policy to ask sets its limits.
    pub(crate) fn of(server: Server, policy: &Policy, seed: u64) -> Arc<Gate> {
        let name = server.to_string();
        gates()
            .get_or_insert_with(HashMap::new)
            .entry(server)
            .or_insert_with(|| Arc::new(Gate::new(name, policy, seed)))
            .clone()
    }

    /// A gate outside the registry; `server` names it in events.
    pub(crate) fn new(server: String, policy: &Policy, seed: u64) -> Self {
        Self {
            server,
            state: Mutex::new(State {
                limiter: Limiter::new(policy, seed),
                turns: HashMap::new(),
                probe_at: None,
                sweeps: Vec::new(),
                sweep_at: None,
            }),
            armed: Notify::new(),
        }
    }

    /// A place for one call, not yet in the queue.
    pub(crate) fn ticket(self: &Arc<Self>) -> Ticket {
        static WAITERS: AtomicU64 = AtomicU64::new(1);
        Ticket {
            gate: self.clone(),
            waiter: WAITERS.fetch_add(1, Ordering::Relaxed),
            turn: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the limiter half-updated: every event
        // is checked before it changes anything.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn state(&self) -> LimiterState {
        limiter_state(&self.lock().limiter)
    }

    /// `(limit, holding, in_use, queued)`, for messages and tests.
    pub(crate) fn snapshot(&self) -> (u32, u32, u32, usize) {
        let state = self.lock();
        let limiter = &state.limiter;
        (
            limiter.limit(),
            limiter.holding(),
            limiter.in_use(),
            limiter.queue().len(),
        )
    }

    /// Has queued waiters sweep `holder` until it is dropped.
    pub(crate) fn add_reclaimer(&self, holder: Weak<dyn Reclaimer>) {
        let mut state = self.lock();
        state.sweeps.retain(|sweep| sweep.strong_count() > 0);
        state.sweeps.push(holder);
    }

    /// When a waiter should wake to sweep, if anything is to be swept.
    fn next_sweep(state: &mut State) -> Option<Instant> {
        if state.sweeps.is_empty() {
            return None;
        }
        Some(*state.sweep_at.get_or_insert_with(|| Instant::now() + SWEEP))
    }

    fn sweep_if_due(&self) {
        let due: Vec<Arc<dyn Reclaimer>> = {
            let mut state = self.lock();
            if state.sweep_at.is_none_or(|at| at > Instant::now()) {
                return;
            }
            state.sweep_at = None;
            state.sweeps.iter().filter_map(Weak::upgrade).collect()
        };
        // Unlocked: a released slot reports to this gate.
        for holder in &due {
            holder.sweep();
        }
        if !self.lock().limiter.queue().is_empty() {
            for holder in due {
                holder.reclaim_idle();
            }
        }
    }

    fn fire_probe_if_due(&self) {
        self.report(|state| {
            if state.probe_at.is_some_and(|at| at <= Instant::now()) {
                state.probe_at = None;
                state.limiter.probe()
            } else {
                Actions::default()
            }
        });
    }

    fn apply(&self, state: &mut State, mut actions: Actions) {
        loop {
            for waiter in actions.granted {
                if let Some(turn) = state.turns.remove(&waiter) {
                    let _ = turn.send(()); // a waiter that went away leaves on its own
                }
            }
            match actions.probe_in {
                // Test mode: a probe delay is 0, so the timer fires now.
                Some(_) if testing::on() => actions = state.limiter.probe(),
                Some(delay) => {
                    state.probe_at = Some(Instant::now() + Duration::from_secs_f64(delay));
                    self.armed.notify_waiters();
                    return;
                }
                None => return,
            }
        }
    }

    /// Runs a limiter event and what it answers, then emits `limit` if the
    /// event changed the limit, with the state after it (before a probe that
    /// test mode fires at once), unlocked, so a hook may read the gates.
    fn report(&self, event: impl FnOnce(&mut State) -> Actions) {
        let changed = {
            let mut state = self.lock();
            let before = state.limiter.limit();
            let actions = event(&mut state);
            let changed = (state.limiter.limit() != before).then(|| limiter_state(&state.limiter));
            self.apply(&mut state, actions);
            changed
        };
        if let Some(state) = changed {
            events::emit(|| Event::Limit {
                server: &self.server,
                state,
            });
        }
    }

    /// Reports `event` for a waiter that will wait for a turn (its own, fresh).
    fn queue(
        &self,
        waiter: Waiter,
        event: impl FnOnce(&mut Limiter) -> Result<Actions, Misuse>,
    ) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        self.report(|state| {
            state.turns.insert(waiter, sender);
            event(&mut state.limiter).unwrap_or_else(misuse)
        });
        receiver
    }
}

fn limiter_state(limiter: &Limiter) -> LimiterState {
    LimiterState {
        limit: limiter.limit(),
        holding: limiter.holding(),
        in_flight: limiter.in_use() - limiter.holding(),
        queued: limiter.queue().len() as u32,
    }
}

fn misuse(error: Misuse) -> Actions {
    // Tickets report each waiter's events in the order calls give them.
    panic!("{error}")
}

/// One caller's place at a gate for the length of one call: it reports what
/// the call orders (spec 7), the leaving of a cancelled call included.
pub(crate) struct Ticket {
    gate: Arc<Gate>,
    waiter: Waiter,
    turn: Option<oneshot::Receiver<()>>, // of the latest time it queued
}

impl Ticket {
    /// Joins the queue's tail.
    pub(crate) fn join(&mut self) {
        let waiter = self.waiter;
        self.turn = Some(self.gate.queue(waiter, |l| l.acquire(waiter)));
    }

    /// Waits for the turn (true: attempt now) until `until` (false: still
    /// queued, or granted just as time ran out).
    pub(crate) async fn wait(&mut self, until: Instant) -> bool {
        let turn = self.turn.as_mut().expect("a ticket waits once it queued");
        let gate = &self.gate;
        loop {
            // Made before probe_at is read, so an arming in between is not missed.
            let armed = gate.armed.notified();
            let (probe_at, sweep_at) = {
                let mut state = gate.lock();
                (state.probe_at, Gate::next_sweep(&mut state))
            };
            let wake = [probe_at, sweep_at]
                .into_iter()
                .flatten()
                .fold(until, Instant::min);
            // The turn's sender is dropped only once sent, or by this ticket's
            // next report.
            let granted = tokio::select! {
                biased; // a turn that came wins over a timer due at the same time
                _ = &mut *turn => true,
                () = armed => continue,
                () = sleep_until(wake) => false,
            };
            if granted {
                break;
            }
            if Instant::now() >= until {
                return false;
            }
            gate.fire_probe_if_due();
            gate.sweep_if_due();
        }
        self.turn = None;
        true
    }

    /// The attempt succeeded: the connection holds the returned slot.
    pub(crate) fn connected(&mut self) -> Slot {
        let waiter = self.waiter;
        self.gate
            .report(|state| state.limiter.connected(waiter).unwrap_or_else(misuse));
        Slot {
            gate: self.gate.clone(),
        }
    }

    /// Refused for capacity: back to the queue's head, keeping its turn.
    pub(crate) fn rejected(&mut self) {
        let waiter = self.waiter;
        self.turn = Some(self.gate.queue(waiter, |l| l.rejected(waiter)));
    }

    /// Leaves the queue, or gives back its attempt's slot.
    pub(crate) fn left(&mut self) {
        let waiter = self.waiter;
        self.turn = None;
        self.gate.report(|state| {
            state.turns.remove(&waiter);
            state.limiter.left(waiter)
        });
    }
}

/// What a connection opened through a gate holds: released exactly once, as
/// the connection closes or is dropped, handing the slot to the next waiter.
pub(crate) struct Slot {
    gate: Arc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let gate = &self.gate;
        gate.report(|state| state.limiter.released().unwrap_or_else(misuse));
        events::emit(|| Event::Released {
            server: &gate.server,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gate of `limit` slots whose probes are far off (10 s), so that only
    /// releases let waiters in.
    fn gate(limit: u32) -> Arc<Gate> {
        let mut policy = Policy {
            initial_delay: 10.0,
            max_delay: 10.0,
            jitter: crate::policy::Jitter::None,
            ..Policy::default()
        };
        policy.limiter.initial_limit = limit;
        policy.limiter.max_limit = limit;
        Arc::new(Gate::new("gate-test:3306".into(), &policy, 1))
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    fn joined(gate: &Arc<Gate>) -> Ticket {
        let mut ticket = gate.ticket();
        ticket.join();
        ticket
    }

    async fn hold(gate: &Arc<Gate>) -> Slot {
        let mut ticket = joined(gate);
        assert!(ticket.wait(far()).await);
        ticket.connected()
    }

    #[test]
    fn gates_are_per_server() {
        let policy = Policy::default();
        let tcp = |host: &str| Server::Tcp {
            host: host.into(),
            port: 3306,
        };
        let a = Gate::of(tcp("gate-test-a"), &policy, 1);
        assert!(Arc::ptr_eq(&a, &Gate::of(tcp("gate-test-a"), &policy, 2)));
        assert!(!Arc::ptr_eq(&a, &Gate::of(tcp("gate-test-b"), &policy, 1)));
        let socket = Server::Socket("/gate-test-a".into());
        assert!(!Arc::ptr_eq(&a, &Gate::of(socket, &policy, 1)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_close_on_another_thread_hands_the_slot_to_the_head_at_once() {
        let gate = gate(1);
        let slot = hold(&gate).await;
        let start = Instant::now();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let mut ticket = joined(&gate);
                let granted = ticket.wait(far()).await;
                (granted, ticket.connected(), start.elapsed())
            }
        });
        tokio::task::yield_now().await;
        assert_eq!(
            gate.snapshot(),
            (1, 1, 1, 1),
            "queued behind the held connection"
        );
        std::thread::spawn(move || drop(slot)).join().unwrap();
        let (granted, _slot, waited) = waiting.await.unwrap();
        assert!(granted);
        assert_eq!(
            waited,
            Duration::ZERO,
            "no sleep, no probe: the close let it in"
        );
        assert_eq!(gate.snapshot(), (1, 1, 1, 0));
    }

    /// A slot whose connection closes out of its holder's sight.
    struct OutOfSight {
        slot: Mutex<Option<Slot>>,
        closed: std::sync::atomic::AtomicBool,
    }

    impl Reclaimer for OutOfSight {
        fn sweep(&self) {
            if self.closed.load(Ordering::Relaxed) {
                self.slot.lock().unwrap().take();
            }
        }

        fn reclaim_idle(self: Arc<Self>) {}
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_waiter_sweeps_the_slot_of_a_connection_closed_out_of_sight() {
        let gate = gate(1);
        let holder = Arc::new(OutOfSight {
            slot: Mutex::new(Some(hold(&gate).await)),
            closed: false.into(),
        });
        let swept: Weak<OutOfSight> = Arc::downgrade(&holder);
        gate.add_reclaimer(swept);
        let mut waiter = joined(&gate);
        assert!(
            !waiter.wait(Instant::now() + SWEEP * 3).await,
            "no close yet"
        );
        holder.closed.store(true, Ordering::Relaxed);
        let closed_at = Instant::now();
        assert!(waiter.wait(far()).await);
        assert!(closed_at.elapsed() <= SWEEP, "{:?}", closed_at.elapsed());
        assert_eq!(gate.snapshot(), (1, 0, 1, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_leaves_frees_its_place_and_an_attempt_its_slot() {
        let gate = gate(1);
        let slot = hold(&gate).await;
        let mut queued = joined(&gate);
        assert_eq!(gate.snapshot(), (1, 1, 1, 1));
        queued.left();
        assert_eq!(gate.snapshot(), (1, 1, 1, 0), "left the queue");

        drop(slot);
        let mut attempting = joined(&gate);
        assert!(attempting.wait(far()).await);
        assert_eq!(gate.snapshot(), (1, 0, 1, 0));
        attempting.left();
        assert_eq!(gate.snapshot(), (1, 0, 0, 0), "its slot is free again");
        let _next = hold(&gate).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_armed_while_others_wait_is_fired_by_them_when_due() {
        let mut policy = Policy {
            initial_delay: 1.0,
            max_delay: 10.0,
            jitter: crate::policy::Jitter::None,
            ..Policy::default()
        };
        policy.limiter.initial_limit = 1;
        let gate = Arc::new(Gate::new("gate-test:3306".into(), &policy, 1));
        let _first = hold(&gate).await; // slow start: limit 2
        let mut probe = joined(&gate);
        assert!(probe.wait(far()).await);
        probe.rejected(); // limit 1; the timer is armed for 1 s
        assert!(probe.wait(far()).await, "granted by the probe it fired");
        // Queued while the probe is out, which arms no timer.
        let late = |gate: &Arc<Gate>| {
            let mut ticket = joined(gate);
            async move {
                assert!(ticket.wait(far()).await);
                (Instant::now(), ticket)
            }
        };
        let (first, second) = (tokio::spawn(late(&gate)), tokio::spawn(late(&gate)));
        tokio::task::yield_now().await;
        // Limit 3 (in use 2, plus a streak of 1): the first is let in, and
        // the timer armed for the second.
        let _second = probe.connected();
        let due = gate.lock().probe_at.expect("armed for the second");
        let (first_at, _first) = first.await.unwrap();
        let (second_at, _second) = second.await.unwrap();
        assert!(due > first_at);
        assert_eq!(second_at, due, "let in by the probe, fired when due");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_ends_at_until_queued_and_a_due_probe_is_fired_by_a_waiter() {
        let mut policy = Policy {
            initial_delay: 10.0,
            max_delay: 10.0,
            jitter: crate::policy::Jitter::None,
            ..Policy::default()
        };
        policy.limiter.initial_limit = 1;
        policy.limiter.max_limit = 2; // room for the probe under the cap
        let gate = Arc::new(Gate::new("gate-test:3306".into(), &policy, 1));
        let _slot = hold(&gate).await; // slow start: limit 2
        let mut late = joined(&gate);
        assert!(late.wait(far()).await);
        late.rejected(); // limit 1, the probe timer armed
        assert!(!late.wait(Instant::now() + Duration::from_secs(1)).await);
        assert_eq!(
            gate.snapshot(),
            (1, 1, 1, 1),
            "still queued: the call says when to leave"
        );
        late.left();
        // The probe timer armed for it is still due: the next waiter fires it.
        let mut next = joined(&gate);
        assert!(next.wait(far()).await);
        assert_eq!(
            gate.snapshot(),
            (1, 1, 2, 0),
            "the probe goes past the limit"
        );
    }
}
