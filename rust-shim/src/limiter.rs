//! Load control per process and target server (spec 6): who may attempt a
//! connection now, and when to probe a server that is full.
//!
//! A state machine with no clock and no threads, like the C++ engine's:
//! adapters report events and carry out what each answers (`gate` runs it on
//! tokio). Not synchronised; an adapter serialises calls.

use std::collections::VecDeque;

use crate::policy::Policy;
use crate::schedule::Schedule;
use crate::splitmix64::SplitMix64;

/// A caller, named by the adapter; unique among those queued or in flight.
pub type Waiter = u64;

/// 2^17 - 1 is above every max_limit: the streak's growth reaches any cap.
const STREAK_CAP: u32 = 17;
/// A probe's delay is the schedule's times min(8, 1 + holding).
const PROBE_SCALE_CAP: u32 = 8;

/// What the adapter must do after an event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Actions {
    /// May attempt a connection now, in this order.
    pub granted: Vec<Waiter>,
    /// Call [`Limiter::probe`] after this many seconds.
    pub probe_in: Option<f64>,
}

/// Reporting an event the state does not allow (spec 6: a programming error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Misuse {
    #[error("connguard::Limiter: waiter {0} already waiting or attempting")]
    AlreadyWaiting(Waiter),
    #[error("connguard::Limiter: waiter {0} reported without a grant")]
    NotGranted(Waiter),
    #[error("connguard::Limiter: released() with no connection held")]
    NothingHeld,
}

#[derive(Clone, Debug)]
pub struct Limiter {
    backoff: Policy,
    seeds: SplitMix64,
    probes: Schedule,
    limit: u32,
    max_limit: u32,
    holding: u32,
    in_flight: Vec<Waiter>, // few: at most limit + 1
    queue: VecDeque<Waiter>,
    probing: Option<Waiter>,
    timer_armed: bool,
    slow_start: bool,
    streak: u32, // probes that succeeded since the last rejection
}

impl Limiter {
    /// `policy` gives the limits (`policy.limiter`) and paces probes with its
    /// backoff schedule; the schedule's seeds are a SplitMix64 stream from `seed`.
    pub fn new(policy: &Policy, seed: u64) -> Self {
        let mut seeds = SplitMix64::new(seed);
        let probes = Schedule::new(policy, seeds.next_u64());
        Self {
            backoff: policy.clone(),
            seeds,
            probes,
            limit: policy.limiter.initial_limit,
            max_limit: policy.limiter.max_limit,
            holding: 0,
            in_flight: Vec::new(),
            queue: VecDeque::new(),
            probing: None,
            timer_armed: false,
            slow_start: true,
            streak: 0,
        }
    }

    /// `waiter` joins the queue's tail.
    pub fn acquire(&mut self, waiter: Waiter) -> Result<Actions, Misuse> {
        if self.in_flight.contains(&waiter) || self.queue.contains(&waiter) {
            return Err(Misuse::AlreadyWaiting(waiter));
        }
        self.queue.push_back(waiter);
        Ok(self.settle(Vec::new()))
    }

    /// `waiter`'s attempt succeeded: it holds a connection.
    pub fn connected(&mut self, waiter: Waiter) -> Result<Actions, Misuse> {
        self.take_in_flight(waiter)?;
        self.holding += 1;
        // Never below what the server holds of ours: attempts granted before a
        // rejection that succeed after it win their slots back.
        self.limit = self.max_limit.min(self.limit.max(self.holding));
        if self.probing == Some(waiter) {
            // The server had room again: grow by 1, 3, 7, ... beyond what is in
            // use per probe that succeeds in a row, paced by the probe timer
            // (not by slow start, which overshoots the room found), and start
            // the next probe again from the shortest delay.
            self.probing = None;
            self.streak = (self.streak + 1).min(STREAK_CAP);
            let grown = self.in_use() + (1u32 << self.streak) - 1;
            self.limit = self.max_limit.min(self.limit.max(grown));
            self.probes = Schedule::new(&self.backoff, self.seeds.next_u64());
        } else if self.slow_start {
            self.limit = self.max_limit.min(self.limit + 1); // one more per success: doubles per round
        }
        Ok(self.settle(Vec::new()))
    }

    /// `waiter`'s attempt was refused for capacity: back to the queue's head.
    pub fn rejected(&mut self, waiter: Waiter) -> Result<Actions, Misuse> {
        self.take_in_flight(waiter)?;
        if self.probing == Some(waiter) {
            self.probing = None;
        }
        // What the server holds of ours, and the attempts it may still accept.
        self.limit = self.in_use();
        self.slow_start = false;
        self.streak = 0;
        self.queue.push_front(waiter); // it keeps its turn
        Ok(self.settle(Vec::new()))
    }

    /// `waiter`'s attempt failed otherwise, or it gave up: frees its place.
    /// A waiter the limiter does not know is ignored, so leaving twice is safe.
    pub fn left(&mut self, waiter: Waiter) -> Actions {
        if self.take_in_flight(waiter).is_err() {
            self.queue.retain(|&w| w != waiter);
        }
        if self.probing == Some(waiter) {
            self.probing = None;
        }
        self.settle(Vec::new())
    }

    /// One of the process's connections to the target closed.
    pub fn released(&mut self) -> Result<Actions, Misuse> {
        if self.holding == 0 {
            return Err(Misuse::NothingHeld);
        }
        self.holding -= 1;
        Ok(self.settle(Vec::new()))
    }

    /// The probe timer fired: the queue's head may attempt, even over the
    /// limit, never over `max_limit`.
    pub fn probe(&mut self) -> Actions {
        self.timer_armed = false;
        let mut granted = Vec::new();
        if self.probing.is_none() && self.in_use() < self.max_limit {
            if let Some(head) = self.queue.pop_front() {
                self.probing = Some(head);
                self.in_flight.push(head);
                granted.push(head);
            }
        }
        self.settle(granted)
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Connections opened through connguard and not yet closed.
    pub fn holding(&self) -> u32 {
        self.holding
    }

    /// `holding` plus the attempts in flight.
    pub fn in_use(&self) -> u32 {
        self.holding + self.in_flight.len() as u32
    }

    /// The waiters, head first.
    pub fn queue(&self) -> &VecDeque<Waiter> {
        &self.queue
    }

    pub fn slow_start(&self) -> bool {
        self.slow_start
    }

    fn take_in_flight(&mut self, waiter: Waiter) -> Result<(), Misuse> {
        let at = self
            .in_flight
            .iter()
            .position(|&w| w == waiter)
            .ok_or(Misuse::NotGranted(waiter))?;
        self.in_flight.swap_remove(at);
        Ok(())
    }

    fn settle(&mut self, mut granted: Vec<Waiter>) -> Actions {
        while self.in_use() < self.limit {
            let Some(next) = self.queue.pop_front() else {
                break;
            };
            self.in_flight.push(next);
            granted.push(next);
        }
        // Waiters nobody can let in: one probe at a time, paced by the backoff
        // schedule, keeps looking for capacity that others free. At max_limit
        // no probe could go: the event that frees room arms it.
        let mut probe_in = None;
        let capped = self.in_use() >= self.max_limit;
        if !self.queue.is_empty() && self.probing.is_none() && !self.timer_armed && !capped {
            self.timer_armed = true;
            // Scaled by what the process holds: one holding many has little to
            // gain from a probe, one holding none looks for freed capacity soonest.
            let scale = PROBE_SCALE_CAP.min(1 + self.holding);
            probe_in = Some(self.probes.next_delay() * f64::from(scale));
        }
        Actions { granted, probe_in }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Jitter;

    fn limiter(initial_limit: u32) -> Limiter {
        let mut policy = Policy {
            jitter: Jitter::None,
            ..Policy::default()
        };
        policy.limiter.initial_limit = initial_limit;
        Limiter::new(&policy, 1)
    }

    #[test]
    fn misuse_is_reported_not_absorbed() {
        let mut limiter = limiter(1);
        assert_eq!(limiter.connected(1), Err(Misuse::NotGranted(1)));
        assert_eq!(limiter.released(), Err(Misuse::NothingHeld));
        limiter.acquire(1).unwrap();
        assert_eq!(limiter.acquire(1), Err(Misuse::AlreadyWaiting(1)));
        limiter.acquire(2).unwrap();
        assert_eq!(limiter.acquire(2), Err(Misuse::AlreadyWaiting(2)));
        assert_eq!(
            limiter.rejected(2),
            Err(Misuse::NotGranted(2)),
            "queued, not granted"
        );
        // A failed report changes nothing.
        assert_eq!((limiter.in_use(), limiter.queue().len()), (1, 1));
    }

    #[test]
    fn leaving_twice_or_unknown_is_harmless() {
        let mut limiter = limiter(1);
        limiter.acquire(1).unwrap();
        limiter.left(1);
        assert_eq!(limiter.left(1), Actions::default());
        assert_eq!(limiter.left(99), Actions::default());
        assert_eq!(limiter.in_use(), 0);
    }

    #[test]
    fn a_probe_with_one_in_flight_grants_nothing_more() {
        let mut limiter = limiter(1);
        limiter.acquire(1).unwrap();
        limiter.acquire(2).unwrap();
        limiter.acquire(3).unwrap();
        limiter.rejected(1).unwrap(); // limit 0: every waiter queued
        assert_eq!(limiter.probe().granted, [1]);
        // The timer cannot be armed while the probe is out; a stray fire grants nothing.
        assert_eq!(limiter.probe(), Actions::default());
        assert_eq!(limiter.queue(), &[2, 3]);
    }

    #[test]
    fn max_limit_caps_the_limit_and_the_probes() {
        let mut policy = Policy::default();
        policy.limiter.max_limit = 3;
        let mut limiter = Limiter::new(&policy, 1);
        for w in 1..=4 {
            limiter.acquire(w).unwrap();
        }
        for w in 1..=3 {
            limiter.connected(w).unwrap();
        }
        assert_eq!(
            (limiter.limit(), limiter.queue()),
            (3, &VecDeque::from([4]))
        );
        assert_eq!(
            limiter.probe(),
            Actions::default(),
            "no probe past max_limit"
        );
        assert_eq!(
            limiter.released().unwrap().granted,
            [4],
            "a close lets the head in"
        );
        limiter.rejected(4).unwrap();
        assert!(!limiter.slow_start());
        assert_eq!(
            limiter.probe().granted,
            [4],
            "under the cap, the probe goes"
        );
        limiter.connected(4).unwrap();
        assert_eq!((limiter.holding(), limiter.limit()), (3, 3));
    }
}
