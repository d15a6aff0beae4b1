//! Test mode (spec 8.4), for a service's own tests: no call really sleeps,
//! attempts may be capped, and each test can start with fresh limiters.
//!
//! ```
//! connguard::testing::set_testing(true, Some(3));
//! connguard::testing::reset_gates();
//! // ... the code under test connects through connguard: a retry's delay
//! // and a probe's are 0, and a call makes at most 3 attempts.
//! connguard::testing::set_testing(false, None);
//! ```

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::gate;
use crate::policy::Policy;

static ON: AtomicBool = AtomicBool::new(false);
/// The attempts cap; `u32::MAX` when none is given.
static ATTEMPTS: AtomicU32 = AtomicU32::new(u32::MAX);

/// Turns test mode on or off for the whole process. While it is on, every
/// delay a call sleeps and every probe-timer delay is 0, and a call makes at
/// most `attempts` attempts when given (`min(max_attempts, attempts)`);
/// decisions, events and errors are otherwise unchanged.
pub fn set_testing(on: bool, attempts: Option<u32>) {
    ATTEMPTS.store(attempts.unwrap_or(u32::MAX), Ordering::Relaxed);
    ON.store(on, Ordering::Relaxed);
}

/// Drops every gate, so the next call to each server starts with a fresh
/// limiter (its state and the first policy's limits). A [`Pool`](crate::Pool)
/// keeps the gate it was made with.
pub fn reset_gates() {
    gate::reset();
}

pub(crate) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// `policy` as a call runs it: in test mode, with its attempts capped.
pub(crate) fn effective(policy: &Policy) -> Cow<'_, Policy> {
    let cap = ATTEMPTS.load(Ordering::Relaxed);
    if !on() || cap >= policy.max_attempts {
        return Cow::Borrowed(policy);
    }
    Cow::Owned(Policy {
        max_attempts: cap,
        ..policy.clone()
    })
}
