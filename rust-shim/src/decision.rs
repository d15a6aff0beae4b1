//! Whether to retry after a failed attempt, and after how long (spec 4).

use std::fmt;

use crate::classification::{classify, ErrorClass, Failure};
use crate::policy::Policy;
use crate::schedule::Schedule;

/// Why a call gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The error is not worth another attempt.
    Fatal,
    /// `max_attempts` attempts were made.
    Attempts,
    /// The next attempt would start at or after the deadline.
    Deadline,
}

impl Reason {
    /// `"fatal"`, `"attempts"`, `"deadline"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fatal => "fatal",
            Self::Attempts => "attempts",
            Self::Deadline => "deadline",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one failed attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// `None`: retry after `delay`; `Some`: give up.
    pub give_up: Option<Reason>,
    /// Retry: seconds to sleep before the next attempt. Giving up for the
    /// deadline: the delay that would have crossed it. Otherwise 0.
    pub delay: f64,
    /// Class of the error, policy applied.
    pub class: ErrorClass,
    /// k, the attempt that failed (1-based).
    pub attempt: u32,
}

/// The state of one call: attempt count, generator and previous delay. Calls
/// never share a `Decision`.
#[derive(Clone, Debug)]
pub struct Decision {
    policy: Policy,
    schedule: Schedule,
    attempts: u32,
}

impl Decision {
    pub fn new(policy: &Policy, seed: u64) -> Self {
        Self {
            policy: policy.clone(),
            schedule: Schedule::new(policy, seed),
            attempts: 0,
        }
    }

    /// After failed attempt k (counted here) at `elapsed` seconds since the
    /// first attempt started.
    pub fn after_failure(&mut self, failure: Failure, elapsed: f64) -> Verdict {
        self.attempts += 1;
        let k = self.attempts;
        let class = classify(failure, &self.policy);
        let verdict = |give_up, delay| Verdict {
            give_up,
            delay,
            class,
            attempt: k,
        };
        // Steps 1-5; u is drawn only once steps 1 and 2 let the call go on.
        if class == ErrorClass::Fatal {
            return verdict(Some(Reason::Fatal), 0.0);
        }
        if k >= self.policy.max_attempts {
            return verdict(Some(Reason::Attempts), 0.0);
        }
        let delay = self.schedule.next_delay();
        if elapsed + delay >= self.policy.deadline {
            return verdict(Some(Reason::Deadline), delay);
        }
        verdict(None, delay)
    }

    /// Ends the call; the attempts made, the successful one included.
    pub fn after_success(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Attempts counted so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The policy it decides by.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_is_checked_before_the_attempt_count() {
        let policy = Policy {
            max_attempts: 1,
            ..Policy::default()
        };
        let mut decision = Decision::new(&policy, 1);
        let verdict = decision.after_failure(Failure::Code(1045), 0.0);
        assert_eq!(
            (verdict.give_up, verdict.class, verdict.attempt),
            (Some(Reason::Fatal), ErrorClass::Fatal, 1)
        );
    }

    #[test]
    fn a_success_counts_the_attempts_before_it() {
        let mut decision = Decision::new(&Policy::default(), 1);
        assert_eq!(
            decision.after_failure(Failure::PoolTimedOut, 0.0).give_up,
            None
        );
        assert_eq!(decision.after_success(), 2);
        assert_eq!(decision.attempts(), 2);
    }
}
