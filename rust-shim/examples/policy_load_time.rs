//! How long loading a policy file of many services takes: the loader must
//! stay linear in the file's size (50,000 services well under a second in a
//! release build). It reports; it asserts nothing.
//!
//! ```sh
//! cargo run --release --example policy_load_time -- 50000
//! ```

use std::fmt::Write as _;
use std::time::Instant;

use connguard::Policy;

fn main() {
    let services: usize = std::env::args()
        .nth(1)
        .map_or(50_000, |n| n.parse().expect("a number of services"));
    let mut text = String::from("[default]\nmax_attempts = 5\ndeadline = \"20s\"\n\n");
    for i in 0..services {
        write!(
            text,
            "[service.s{i}]\nmax_attempts = {}\ndeadline = \"{}s\"\nretry_on = [1205]\n\n\
             [service.s{i}.limiter]\nmax_limit = {}\n\n",
            1 + i % 1000,
            1 + i % 60,
            10 + i % 100,
        )
        .expect("writing to a String");
    }
    let last = format!("s{}", services.saturating_sub(1));
    let started = Instant::now();
    let policy = Policy::parse(&text, "bench.toml", Some(&last)).expect("a valid policy file");
    let elapsed = started.elapsed();
    println!(
        "{services} services ({} KiB): loaded in {:.3} s (service {} has max_attempts {})",
        text.len() / 1024,
        elapsed.as_secs_f64(),
        policy.service,
        policy.max_attempts
    );
}
