//! One target's [`Limiter`] run for tokio tasks (Python's `AsyncGate`): the
//! process's callers towards a server wait here for a turn to connect.
//!
//! The probe timer needs no task of its own: it is armed only while waiters
//! are queued, and each queued waiter also sleeps until it is due (woken to
//! look again whenever it is armed), so the first to wake fires it. No runtime
//! handle is kept, so a gate serves every runtime of the process, and a
//! connection closed on any thread hands its slot over at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tokio::sync::{oneshot, Notify};
use tokio::time::{sleep_until, Duration, Instant};

use crate::limiter::{Actions, Limiter, Misuse, Waiter};
use crate::policy::Policy;

pub(crate) struct Gate {
    state: Mutex<State>,
    armed: Notify, // the probe timer was armed: queued waiters look at probe_at again
}

struct State {
    limiter: Limiter,
    turns: HashMap<Waiter, oneshot::Sender<()>>,
    probe_at: Option<Instant>, // set exactly while the limiter's timer is armed
}

/// The process's gate for a target; the first policy to ask sets its limits.
pub(crate) fn gate_for(target: String, policy: &Policy, seed: u64) -> Arc<Gate> {
    static GATES: OnceLock<Mutex<HashMap<String, Arc<Gate>>>> = OnceLock::new();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    gates
        .entry(target)
        .or_insert_with(|| Arc::new(Gate::new(policy, seed)))
        .clone()
}

impl Gate {
    pub(crate) fn new(policy: &Policy, seed: u64) -> Self {
        Self {
            state: Mutex::new(State {
                limiter: Limiter::new(policy, seed),
                turns: HashMap::new(),
                probe_at: None,
            }),
            armed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the limiter half-updated: every event
        // is checked before it changes anything.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    fn fire_probe_if_due(&self) {
        let mut state = self.lock();
        if state.probe_at.is_some_and(|at| at <= Instant::now()) {
            state.probe_at = None;
            let actions = state.limiter.probe();
            self.apply(&mut state, actions);
        }
    }

    fn apply(&self, state: &mut State, actions: Actions) {
        for waiter in actions.granted {
            if let Some(turn) = state.turns.remove(&waiter) {
                let _ = turn.send(()); // a waiter that went away leaves on its own
            }
        }
        if let Some(delay) = actions.probe_in {
            state.probe_at = Some(Instant::now() + Duration::from_secs_f64(delay));
            self.armed.notify_waiters();
        }
    }

    /// A fresh turn for `waiter`, granted by the event `report` answers.
    fn queue(
        &self,
        waiter: Waiter,
        report: impl FnOnce(&mut Limiter) -> Result<Actions, Misuse>,
    ) -> oneshot::Receiver<()> {
        let mut state = self.lock();
        let (sender, receiver) = oneshot::channel();
        state.turns.insert(waiter, sender);
        let actions = report(&mut state.limiter).unwrap_or_else(misuse);
        self.apply(&mut state, actions);
        receiver
    }

    /// Joins the queue's tail.
    pub(crate) fn join(self: &Arc<Self>) -> Ticket {
        static WAITERS: AtomicU64 = AtomicU64::new(1);
        let waiter = WAITERS.fetch_add(1, Ordering::Relaxed);
        Ticket {
            gate: self.clone(),
            waiter,
            place: Place::Queued,
            turn: self.queue(waiter, |l| l.acquire(waiter)),
        }
    }

    fn released(&self) {
        let mut state = self.lock();
        let actions = state.limiter.released().unwrap_or_else(misuse);
        self.apply(&mut state, actions);
    }
}

fn misuse(error: Misuse) -> Actions {
    // The gate reports each waiter's events in order; anything else is a bug here.
    panic!("{error}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Queued,
    InFlight,
    Out,
}

/// One caller's place at a gate. Dropped while queued or attempting (the call
/// gave up, failed or was cancelled), it leaves, so no slot leaks.
pub(crate) struct Ticket {
    gate: Arc<Gate>,
    waiter: Waiter,
    place: Place,
    turn: oneshot::Receiver<()>, // of the latest time it queued
}

impl Ticket {
    /// Queued, until the turn comes (true: attempt now) or `deadline` passes
    /// (false: it left the queue).
    pub(crate) async fn wait(&mut self, deadline: Instant) -> bool {
        let gate = self.gate.clone();
        loop {
            // Made before probe_at is read, so an arming in between is not missed.
            let armed = gate.armed.notified();
            let probe_at = gate.lock().probe_at;
            let wake = probe_at.map_or(deadline, |at| at.min(deadline));
            // The turn's sender is dropped only by this ticket, when it queues again or leaves.
            let granted = tokio::select! {
                biased; // a turn that came wins over a timer due at the same time
                _ = &mut self.turn => true,
                () = armed => continue,
                () = sleep_until(wake) => false,
            };
            if granted {
                self.place = Place::InFlight;
                return true;
            }
            if Instant::now() >= deadline {
                self.leave();
                return false;
            }
            self.gate.fire_probe_if_due();
        }
    }

    /// The attempt succeeded: the connection it opened is held until the
    /// returned guard drops.
    pub(crate) fn connected(mut self) -> Held {
        self.place = Place::Out;
        let mut state = self.gate.lock();
        let actions = state.limiter.connected(self.waiter).unwrap_or_else(misuse);
        self.gate.apply(&mut state, actions);
        drop(state);
        Held {
            gate: self.gate.clone(),
        }
    }

    /// Refused for capacity: back to the queue's head, keeping its turn.
    pub(crate) fn rejected(&mut self) {
        let waiter = self.waiter;
        self.turn = self.gate.queue(waiter, |l| l.rejected(waiter));
        self.place = Place::Queued;
    }

    /// Leaves the queue or gives back its attempt's slot (a transient failure
    /// sleeps out of the queue, then rejoins).
    pub(crate) fn leave(&mut self) {
        if self.place != Place::Out {
            self.place = Place::Out;
            let mut state = self.gate.lock();
            state.turns.remove(&self.waiter);
            let actions = state.limiter.left(self.waiter);
            self.gate.apply(&mut state, actions);
        }
    }

    /// Joins the queue's tail again.
    pub(crate) fn rejoin(&mut self) {
        let waiter = self.waiter;
        self.turn = self.gate.queue(waiter, |l| l.acquire(waiter));
        self.place = Place::Queued;
    }

    pub(crate) fn gate(&self) -> &Gate {
        &self.gate
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.leave();
    }
}

/// A connection opened through a gate: dropped, it hands its slot to the next waiter.
pub(crate) struct Held {
    gate: Arc<Gate>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.gate.released();
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
        Arc::new(Gate::new(&policy, 1))
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    async fn hold(gate: &Arc<Gate>) -> Held {
        let mut ticket = gate.join();
        assert!(ticket.wait(far()).await);
        ticket.connected()
    }

    #[tokio::test(start_paused = true)]
    async fn a_close_on_another_thread_hands_the_slot_to_the_head_at_once() {
        let gate = gate(1);
        let held = hold(&gate).await;
        let start = Instant::now();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let mut ticket = gate.join();
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
        std::thread::spawn(move || drop(held)).join().unwrap();
        let (granted, _held, waited) = waiting.await.unwrap();
        assert!(granted);
        assert_eq!(
            waited,
            Duration::ZERO,
            "no sleep, no probe: the close let it in"
        );
        assert_eq!(gate.snapshot(), (1, 1, 1, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_waiter_leaves_the_queue_and_a_cancelled_attempt_its_slot() {
        let gate = gate(1);
        let held = hold(&gate).await;
        let queued = tokio::spawn({
            let gate = gate.clone();
            async move { gate.join().wait(far()).await }
        });
        tokio::task::yield_now().await;
        assert_eq!(gate.snapshot(), (1, 1, 1, 1));
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        assert_eq!(gate.snapshot(), (1, 1, 1, 0), "left the queue");

        drop(held);
        let mut attempting = gate.join();
        assert!(attempting.wait(far()).await);
        assert_eq!(gate.snapshot(), (1, 0, 1, 0));
        drop(attempting); // cancelled mid-attempt
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
        let gate = Arc::new(Gate::new(&policy, 1));
        let _first = hold(&gate).await; // slow start: limit 2
        let mut probe = gate.join();
        assert!(probe.wait(far()).await);
        probe.rejected(); // limit 1; the timer is armed for 1 s
        assert!(probe.wait(far()).await, "granted by the probe it fired");
        let late = tokio::spawn({
            let gate = gate.clone();
            async move {
                let mut ticket = gate.join(); // no timer while a probe is out
                assert!(ticket.wait(far()).await);
                (Instant::now(), ticket)
            }
        });
        tokio::task::yield_now().await;
        let connected_at = Instant::now();
        let _second = probe.connected(); // limit 2, in use 2: armed again, 1 s
        let (granted_at, _ticket) = late.await.unwrap();
        assert_eq!(granted_at - connected_at, Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_past_its_deadline_leaves_and_a_due_probe_is_fired_by_a_waiter() {
        let gate = gate(1);
        let _held = hold(&gate).await;
        let mut late = gate.join();
        assert!(!late.wait(Instant::now() + Duration::from_secs(1)).await);
        assert_eq!(gate.snapshot(), (1, 1, 1, 0));
        // The probe timer armed for it is still due at 10 s: the next waiter fires it.
        let mut next = gate.join();
        assert!(next.wait(far()).await);
        assert_eq!(
            gate.snapshot(),
            (1, 1, 2, 0),
            "the probe goes past the limit"
        );
    }
}
