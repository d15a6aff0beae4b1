//! Delay before each retry (spec 3.2).

use crate::policy::{Jitter, Policy};
use crate::splitmix64::SplitMix64;

/// `min(max_delay, initial_delay * multiplier^(n-1))` for retry `n >= 1`.
pub fn base_delay(policy: &Policy, n: u32) -> f64 {
    base(policy.initial_delay, policy.max_delay, policy.multiplier, n)
}

fn base(initial_delay: f64, max_delay: f64, multiplier: f64, n: u32) -> f64 {
    // powf is C's pow, as in the other languages (powi may round differently).
    max_delay.min(initial_delay * multiplier.powf(f64::from(n) - 1.0))
}

/// The delays of one call's retries, in seconds.
#[derive(Clone, Debug)]
pub struct Schedule {
    initial_delay: f64,
    max_delay: f64,
    multiplier: f64,
    jitter: Jitter,
    rng: SplitMix64,
    previous: f64, // d_(n-1), for decorrelated jitter; d_0 = initial_delay
    retries: u32,
}

impl Schedule {
    pub fn new(policy: &Policy, seed: u64) -> Self {
        Self {
            initial_delay: policy.initial_delay,
            max_delay: policy.max_delay,
            multiplier: policy.multiplier,
            jitter: policy.jitter,
            rng: SplitMix64::new(seed),
            previous: policy.initial_delay,
            retries: 0,
        }
    }

    /// Delay of the next retry (n = 1, 2, ...). Draws exactly one u whatever
    /// the jitter, so the stream stays aligned across jitter kinds.
    pub fn next_delay(&mut self) -> f64 {
        self.retries += 1;
        let u = self.rng.next_unit();
        let b = base(
            self.initial_delay,
            self.max_delay,
            self.multiplier,
            self.retries,
        );
        let d = match self.jitter {
            Jitter::None => b,
            Jitter::Full => u * b,
            Jitter::Equal => b / 2.0 + u * b / 2.0,
            Jitter::Decorrelated => self
                .max_delay
                .min(self.initial_delay + u * (3.0 * self.previous - self.initial_delay)),
        };
        self.previous = d;
        d
    }

    /// Retries scheduled so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_doubles_up_to_the_cap() {
        let policy = Policy {
            jitter: Jitter::None,
            initial_delay: 1.0,
            max_delay: 10.0,
            ..Policy::default()
        };
        let mut schedule = Schedule::new(&policy, 0);
        let delays: Vec<f64> = (0..5).map(|_| schedule.next_delay()).collect();
        assert_eq!(delays, [1.0, 2.0, 4.0, 8.0, 10.0]);
        assert_eq!(schedule.retries(), 5);
        assert_eq!(base_delay(&policy, 3), 4.0);
    }
}
