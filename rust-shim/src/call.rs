//! One call (spec 7): a caller's attempt to connect, with its retries, as a
//! state machine with no clock, no I/O and no threads. A runner (`retry` on
//! tokio) feeds it events with `t`, the seconds since the call started, and
//! performs the actions it answers, in order: every decision is made here.

use std::fmt;
use std::ops::Deref;

use crate::classification::{ErrorClass, Failure};
use crate::decision::{Decision, Reason};
use crate::policy::Policy;

/// Where a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Idle,
    /// At the gate, for a turn.
    Waiting,
    Attempting,
    /// Out of the gate, for a retry's delay.
    Sleeping,
    Done,
}

impl Phase {
    /// `"idle"`, `"waiting"`, `"attempting"`, `"sleeping"`, `"done"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Waiting => "waiting",
            Self::Attempting => "attempting",
            Self::Sleeping => "sleeping",
            Self::Done => "done",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to a call; `t` is seconds since it started.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    Start,
    /// The gate gave the caller its turn.
    Granted {
        t: f64,
    },
    Succeeded {
        t: f64,
    },
    /// The attempt failed with a server error number or a network error.
    Failed {
        t: f64,
        failure: Failure,
    },
    /// A sleep ended.
    Woke {
        t: f64,
    },
    /// The wait at the gate reached its `until`.
    Expired {
        t: f64,
    },
    /// The caller was cancelled, or the attempt raised something that is not
    /// a connection failure.
    Abandoned {
        t: f64,
    },
}

impl Event {
    /// The spec's name of the event: `"start"`, `"granted"`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Granted { .. } => "granted",
            Self::Succeeded { .. } => "succeeded",
            Self::Failed { .. } => "failed",
            Self::Woke { .. } => "woke",
            Self::Expired { .. } => "expired",
            Self::Abandoned { .. } => "abandoned",
        }
    }
}

/// An event the call's phase does not take: a runner's programming error.
/// The call is left as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("connguard::Call: {event} while {phase}")]
pub struct CallError {
    pub event: &'static str,
    pub phase: Phase,
}

/// A failed attempt as the call judged it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastError {
    /// The spec's `code`: a server error number, or network.
    pub failure: Failure,
    pub class: ErrorClass,
}

/// The WARNING of a retry (spec 4.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Retry {
    /// k, the attempt that failed.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The spec's `code`.
    pub failure: Failure,
    pub class: ErrorClass,
    /// Seconds until the next attempt; `None`: queued at the gate for a freed slot.
    pub delay: Option<f64>,
    pub elapsed: f64,
}

/// The ERROR of a give-up (spec 4.2); the call ends with the driver's last error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GiveUp {
    pub reason: Reason,
    pub attempts: u32,
    pub elapsed: f64,
    /// `None`: the caller never had an attempt (the spec's `attempted` false);
    /// it ends with an error saying it waited.
    pub last: Option<LastError>,
}

/// What a runner does, in the order the call answers them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// Join the gate's queue at its tail.
    Join,
    /// Wait at the gate for a turn until `t = until`, then feed
    /// [`Event::Granted`] or [`Event::Expired`].
    Wait {
        until: f64,
    },
    /// Make one attempt, cut off after `timeout` seconds (a network failure).
    Attempt {
        timeout: f64,
    },
    /// Sleep, then feed [`Event::Woke`].
    Sleep {
        delay: f64,
    },
    /// Report to the ticket: the attempt succeeded; the connection holds the slot.
    Connected,
    /// Report to the ticket: refused for capacity, back to the queue's head.
    Rejected,
    /// Report to the ticket: out of the queue, or the attempt's slot given back.
    Left,
    Retry(Retry),
    GiveUp(GiveUp),
    /// Connected after `attempts` attempts.
    Done {
        attempts: u32,
        elapsed: f64,
    },
}

/// The actions answering one event: at most three, kept inline.
#[derive(Clone, Copy, Debug)]
pub struct Actions {
    len: usize,
    list: [Action; 3], // past len: placeholders, never read
}

impl Actions {
    const NONE: Self = Self {
        len: 0,
        list: [Action::Left; 3],
    };

    fn of(actions: &[Action]) -> Self {
        actions
            .iter()
            .fold(Self::NONE, |all, &action| all.and(action))
    }

    fn and(mut self, action: Action) -> Self {
        self.list[self.len] = action;
        self.len += 1;
        self
    }

    fn then(self, more: Actions) -> Self {
        more.into_iter().fold(self, Self::and)
    }
}

impl Deref for Actions {
    type Target = [Action];

    fn deref(&self) -> &[Action] {
        &self.list[..self.len]
    }
}

impl PartialEq for Actions {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl IntoIterator for Actions {
    type Item = Action;
    type IntoIter = std::iter::Take<std::array::IntoIter<Action, 3>>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter().take(self.len)
    }
}

/// One call of spec 7. `gated`: through a gate (spec 6.1), so the call
/// reports to its ticket and waits for turns.
#[derive(Clone, Debug)]
pub struct Call {
    decision: Decision,
    gated: bool,
    phase: Phase,
    attempts: u32, // made so far, one under way included
    last: Option<LastError>,
}

impl Call {
    /// `policy`: the caller's effective policy; `seed`: the decision's
    /// generator (spec 3.1).
    pub fn new(policy: &Policy, seed: u64, gated: bool) -> Self {
        Self {
            decision: Decision::new(policy, seed),
            gated,
            phase: Phase::Idle,
            attempts: 0,
            last: None,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Attempts made so far, one under way included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The actions answering `event`, or, for an event the phase does not
    /// take, an error that changed nothing.
    pub fn on(&mut self, event: Event) -> Result<Actions, CallError> {
        use Phase::{Attempting, Idle, Sleeping, Waiting};
        let takes = match event {
            Event::Start => self.phase == Idle,
            Event::Granted { .. } | Event::Expired { .. } => self.phase == Waiting,
            Event::Succeeded { .. } | Event::Failed { .. } => self.phase == Attempting,
            Event::Woke { .. } => self.phase == Sleeping,
            Event::Abandoned { .. } => matches!(self.phase, Waiting | Attempting | Sleeping),
        };
        if !takes {
            return Err(CallError {
                event: event.name(),
                phase: self.phase,
            });
        }
        Ok(match event {
            // A sleep that overran the deadline: out of the gate, nothing to leave.
            Event::Woke { t } if t >= self.policy().deadline => {
                self.give_up(Reason::Deadline, self.decision.attempts(), t)
            }
            Event::Start | Event::Woke { .. } if self.gated => {
                Actions::of(&[Action::Join]).then(self.queue())
            }
            Event::Start => self.attempt(0.0),
            Event::Woke { t } | Event::Granted { t } => self.attempt(t),
            Event::Succeeded { t } => self.succeeded(t),
            Event::Failed { t, failure } => self.failed(t, failure),
            Event::Expired { t } => self.expired(t),
            Event::Abandoned { .. } => self.abandoned(),
        })
    }

    fn policy(&self) -> &Policy {
        self.decision.policy()
    }

    fn queue(&mut self) -> Actions {
        self.phase = Phase::Waiting;
        Actions::of(&[Action::Wait {
            until: self.policy().deadline,
        }])
    }

    fn attempt(&mut self, t: f64) -> Actions {
        let left = self.policy().deadline - t;
        if left <= 0.0 {
            // Granted as the deadline passed: nothing left to try with.
            return self.expired(t);
        }
        self.phase = Phase::Attempting;
        self.attempts += 1;
        Actions::of(&[Action::Attempt {
            timeout: self.policy().connect_timeout.min(left),
        }])
    }

    fn succeeded(&mut self, t: f64) -> Actions {
        self.phase = Phase::Done;
        let attempts = self.decision.after_success();
        let done = Action::Done {
            attempts,
            elapsed: t,
        };
        if self.gated {
            Actions::of(&[Action::Connected, done])
        } else {
            Actions::of(&[done])
        }
    }

    fn failed(&mut self, t: f64, failure: Failure) -> Actions {
        let verdict = self.decision.after_failure(failure, t);
        let class = verdict.class;
        self.last = Some(LastError { failure, class });
        // A gated capacity refusal keeps its turn at the queue's head and
        // waits there for a freed slot instead of sleeping.
        let queued = self.gated && class == ErrorClass::Capacity;
        let mut actions = Actions::NONE;
        if self.gated {
            // The limiter hears of every refusal first, a give-up included.
            actions = actions.and(if queued {
                Action::Rejected
            } else {
                Action::Left
            });
        }
        if let Some(reason) = verdict.give_up {
            if queued {
                actions = actions.and(Action::Left);
            }
            return actions.then(self.give_up(reason, verdict.attempt, t));
        }
        actions = actions.and(Action::Retry(Retry {
            attempt: verdict.attempt,
            max_attempts: self.policy().max_attempts,
            failure,
            class,
            delay: (!queued).then_some(verdict.delay),
            elapsed: t,
        }));
        if queued {
            return actions.then(self.queue());
        }
        self.phase = Phase::Sleeping;
        actions.and(Action::Sleep {
            delay: verdict.delay,
        })
    }

    fn expired(&mut self, t: f64) -> Actions {
        // Only a gated call waits or is granted: it gives its place back.
        let give_up = self.give_up(Reason::Deadline, self.decision.attempts(), t);
        Actions::of(&[Action::Left]).then(give_up)
    }

    fn give_up(&mut self, reason: Reason, attempts: u32, t: f64) -> Actions {
        self.phase = Phase::Done;
        Actions::of(&[Action::GiveUp(GiveUp {
            reason,
            attempts,
            elapsed: t,
            last: self.last,
        })])
    }

    fn abandoned(&mut self) -> Actions {
        let in_gate = self.gated && matches!(self.phase, Phase::Waiting | Phase::Attempting);
        self.phase = Phase::Done;
        if in_gate {
            Actions::of(&[Action::Left])
        } else {
            Actions::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(gated: bool) -> Call {
        let policy = Policy {
            jitter: crate::policy::Jitter::None,
            deadline: 1.0,
            connect_timeout: 0.4,
            ..Policy::default()
        };
        Call::new(&policy, 1, gated)
    }

    #[test]
    fn a_refused_event_changes_nothing() {
        let mut call = call(true);
        call.on(Event::Start).unwrap();
        let before = format!("{call:?}");
        assert_eq!(
            call.on(Event::Succeeded { t: 0.0 }),
            Err(CallError {
                event: "succeeded",
                phase: Phase::Waiting
            })
        );
        assert_eq!(format!("{call:?}"), before);
        assert_eq!(
            call.on(Event::Start).unwrap_err().to_string(),
            "connguard::Call: start while waiting"
        );
    }

    #[test]
    fn an_ungated_call_woken_past_its_deadline_gives_up_without_a_ticket() {
        let mut call = call(false);
        call.on(Event::Start).unwrap();
        call.on(Event::Failed {
            t: 0.5,
            failure: Failure::Network,
        })
        .unwrap();
        let actions = call.on(Event::Woke { t: 1.2 }).unwrap();
        assert!(
            matches!(
                *actions,
                [Action::GiveUp(GiveUp {
                    reason: Reason::Deadline,
                    attempts: 1,
                    ..
                })]
            ),
            "{actions:?}"
        );
        assert_eq!((call.phase(), call.attempts()), (Phase::Done, 1));
    }

    #[test]
    fn attempts_count_the_one_under_way() {
        let mut call = call(true);
        call.on(Event::Start).unwrap();
        call.on(Event::Granted { t: 0.0 }).unwrap();
        assert_eq!(call.attempts(), 1);
        assert_eq!(
            *call.on(Event::Abandoned { t: 0.1 }).unwrap(),
            [Action::Left]
        );
        assert_eq!(call.attempts(), 1);
    }
}
