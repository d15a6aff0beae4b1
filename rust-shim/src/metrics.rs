//! Metrics (spec 8.2): one mapping from events to instruments, [`record`],
//! and what it writes into: [`Metrics`], in memory with the snapshot of spec
//! 8.3, and (cargo feature `metrics`) the `metrics` crate's facade,
//! `install_facade`. The limiter's gauges are read from the live gates.
//!
//! ```
//! let metrics = connguard::metrics::Metrics::install();
//! // ... calls connect through connguard ...
//! let snapshot = serde_json::to_string(&metrics.snapshot()).unwrap();
//! assert_eq!(metrics.value("connguard_give_ups_total", &[("reason", "fatal")]), 0);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Serialize, Serializer};

use crate::classification::Failure;
use crate::events::{self, Event, HookId, Step};
use crate::gate;

/// What an instrument counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Counter,
    Histogram,
    Gauge,
}

/// One of spec 8.2's instruments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instrument {
    /// The OpenTelemetry instrument's name.
    pub otel: &'static str,
    /// The series' name in Prometheus (and in snapshots, and the facade).
    pub prometheus: &'static str,
    pub kind: Kind,
    /// UCUM, as OpenTelemetry writes units.
    pub unit: &'static str,
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

const CALL: &[&str] = &["service", "target"];

pub const ATTEMPTS: Instrument = Instrument {
    otel: "connguard.attempts",
    prometheus: "connguard_attempts_total",
    kind: Kind::Counter,
    unit: "{attempt}",
    labels: CALL,
    help: "Connection attempts made.",
};
pub const FAILURES: Instrument = Instrument {
    otel: "connguard.attempt.failures",
    prometheus: "connguard_attempt_failures_total",
    kind: Kind::Counter,
    unit: "{attempt}",
    labels: &["service", "target", "class", "code"],
    help: "Attempts that failed to connect, by error class and code (code 'network' without one).",
};
pub const GIVE_UPS: Instrument = Instrument {
    otel: "connguard.give_ups",
    prometheus: "connguard_give_ups_total",
    kind: Kind::Counter,
    unit: "{call}",
    labels: &["service", "target", "reason"],
    help: "Calls that gave up, by reason (fatal, attempts, deadline).",
};
pub const CONNECTS: Instrument = Instrument {
    otel: "connguard.connects",
    prometheus: "connguard_connects_total",
    kind: Kind::Counter,
    unit: "{call}",
    labels: CALL,
    help: "Calls that connected.",
};
pub const RETRIED: Instrument = Instrument {
    otel: "connguard.connects.retried",
    prometheus: "connguard_connects_retried_total",
    kind: Kind::Counter,
    unit: "{call}",
    labels: CALL,
    help: "Calls that connected after more than one attempt.",
};
pub const DURATION: Instrument = Instrument {
    otel: "connguard.connect.duration",
    prometheus: "connguard_connect_duration_seconds",
    kind: Kind::Histogram,
    unit: "s",
    labels: &["service", "target", "outcome"],
    help: "Seconds from a call's start to connected or given up, waits at the gate included.",
};

const fn gauge(otel: &'static str, prometheus: &'static str, help: &'static str) -> Instrument {
    Instrument {
        otel,
        prometheus,
        kind: Kind::Gauge,
        unit: "{connection}",
        labels: &["server"],
        help,
    }
}

/// The limiter's limit, holding, in_flight and queued, in that order.
pub const GAUGES: [Instrument; 4] = [
    gauge(
        "connguard.limiter.limit",
        "connguard_limiter_limit",
        "The limiter's limit: connections and attempts it allows at once.",
    ),
    gauge(
        "connguard.limiter.holding",
        "connguard_limiter_holding",
        "Connections this process holds open through connguard.",
    ),
    gauge(
        "connguard.limiter.in_flight",
        "connguard_limiter_in_flight",
        "Attempts granted and not yet reported.",
    ),
    gauge(
        "connguard.limiter.queued",
        "connguard_limiter_queued",
        "Callers waiting at the gate for a turn.",
    ),
];

/// The histogram's bucket bounds, in seconds.
pub const BOUNDS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Where [`record`] writes: an exporter of the call metrics.
pub trait Recorder {
    /// Adds 1 to a counter's series; `labels` are the instrument's, in order.
    fn add(&mut self, counter: &'static Instrument, labels: &[&str]);

    /// Records `seconds` in a histogram's series.
    fn observe(&mut self, histogram: &'static Instrument, labels: &[&str], seconds: f64);
}

/// Moves the instruments `event` moves (spec 8.2's "from" column). The
/// limiter's gauges come from [`gauges`] instead.
pub fn record(event: &Event<'_>, into: &mut impl Recorder) {
    let Event::Call {
        service,
        target,
        step,
    } = *event
    else {
        return;
    };
    match step {
        Step::Attempt { .. } => into.add(&ATTEMPTS, &[service, target]),
        Step::Failed { failure, class, .. } => {
            let code = code_label(failure);
            into.add(&FAILURES, &[service, target, class.as_str(), &code]);
        }
        Step::Connected { attempts, elapsed } => {
            into.add(&CONNECTS, &[service, target]);
            if attempts > 1 {
                into.add(&RETRIED, &[service, target]);
            }
            into.observe(&DURATION, &[service, target, "connected"], elapsed);
        }
        Step::GiveUp {
            reason, elapsed, ..
        } => {
            into.add(&GIVE_UPS, &[service, target, reason.as_str()]);
            into.observe(&DURATION, &[service, target, "gave_up"], elapsed);
        }
        Step::Granted { .. } | Step::Retry { .. } => {}
    }
}

/// The `code` label: the number in decimal, `network`, or (sqlx's pool
/// timeout, which has no number) `pool_timed_out`.
fn code_label(failure: Failure) -> String {
    match failure {
        Failure::Code(code) => code.to_string(),
        other => other.to_string(),
    }
}

/// Every gate's gauges, read now: (gauge, server, value).
pub fn gauges() -> Vec<(&'static Instrument, String, u32)> {
    let mut found = Vec::new();
    for (server, state) in gate::states() {
        let values = [state.limit, state.holding, state.in_flight, state.queued];
        found.extend(
            GAUGES
                .iter()
                .zip(values)
                .map(|(g, v)| (g, server.clone(), v)),
        );
    }
    found
}

/// One series of a snapshot (spec 8.3), serialized as the spec writes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Series {
    /// A counter or a gauge.
    Value {
        name: &'static str,
        labels: BTreeMap<&'static str, String>,
        value: u64,
    },
    Histogram {
        name: &'static str,
        labels: BTreeMap<&'static str, String>,
        count: u64,
        sum: f64,
        /// `(le, cumulative count)` over [`BOUNDS`] and `+Inf`.
        buckets: Vec<(Le, u64)>,
    },
}

impl Series {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Value { name, .. } | Self::Histogram { name, .. } => name,
        }
    }

    pub fn labels(&self) -> &BTreeMap<&'static str, String> {
        match self {
            Self::Value { labels, .. } | Self::Histogram { labels, .. } => labels,
        }
    }
}

/// A bucket's upper bound: seconds, or `"+Inf"` in JSON.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Le {
    Seconds(f64),
    Inf,
}

impl Serialize for Le {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Seconds(bound) => serializer.serialize_f64(*bound),
            Self::Inf => serializer.serialize_str("+Inf"),
        }
    }
}

type Key = (&'static Instrument, Vec<String>);

#[derive(Default)]
struct Aggregate {
    counts: HashMap<Key, u64>,
    /// Per bucket (the last is `+Inf`), not cumulative; and the sum.
    histograms: HashMap<Key, ([u64; BOUNDS.len() + 1], f64)>,
}

impl Recorder for Aggregate {
    fn add(&mut self, counter: &'static Instrument, labels: &[&str]) {
        *self.counts.entry(key(counter, labels)).or_default() += 1;
    }

    fn observe(&mut self, histogram: &'static Instrument, labels: &[&str], seconds: f64) {
        let (buckets, sum) = self.histograms.entry(key(histogram, labels)).or_default();
        // `le` is inclusive: a value on a bound counts in its bucket.
        buckets[BOUNDS.partition_point(|bound| *bound < seconds)] += 1;
        *sum += seconds;
    }
}

fn key(instrument: &'static Instrument, labels: &[&str]) -> Key {
    (instrument, labels.iter().map(|l| l.to_string()).collect())
}

fn labelled(instrument: &Instrument, values: &[String]) -> BTreeMap<&'static str, String> {
    instrument
        .labels
        .iter()
        .copied()
        .zip(values.iter().cloned())
        .collect()
}

/// Spec 8.2's metrics in memory, for tests, storms and a quick look: fed by
/// every event from [`Metrics::install`] until it is dropped, or (made with
/// `Metrics::default()`) by nothing but [`Metrics::record`].
#[derive(Default)]
pub struct Metrics {
    aggregate: Arc<Mutex<Aggregate>>,
    /// The events hook feeding it, if installed.
    hook: Option<HookId>,
}

impl Metrics {
    /// Starts counting (an [`events`] hook), from zero.
    pub fn install() -> Self {
        let aggregate = Arc::new(Mutex::new(Aggregate::default()));
        let hook = events::add_hook({
            let aggregate = aggregate.clone();
            move |event: &Event<'_>| {
                record(
                    event,
                    &mut *aggregate.lock().unwrap_or_else(PoisonError::into_inner),
                );
            }
        });
        Self {
            aggregate,
            hook: Some(hook),
        }
    }

    /// Counts `event` as the hook of an installed one does: for events built
    /// by hand (the conformance vectors), apart from the process's hooks.
    pub fn record(&self, event: &Event<'_>) {
        let mut aggregate = self
            .aggregate
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        record(event, &mut *aggregate);
    }

    /// Every series (spec 8.3), sorted by name then labels; the gauges of
    /// every gate of the process, read now.
    pub fn snapshot(&self) -> Vec<Series> {
        let mut series = Vec::new();
        {
            let aggregate = self
                .aggregate
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for ((instrument, labels), value) in &aggregate.counts {
                series.push(Series::Value {
                    name: instrument.prometheus,
                    labels: labelled(instrument, labels),
                    value: *value,
                });
            }
            for ((instrument, labels), (counts, sum)) in &aggregate.histograms {
                let bounds = BOUNDS.iter().map(|b| Le::Seconds(*b)).chain([Le::Inf]);
                let mut count = 0;
                let buckets = bounds
                    .zip(counts)
                    .map(|(le, n)| {
                        count += n;
                        (le, count)
                    })
                    .collect();
                series.push(Series::Histogram {
                    name: instrument.prometheus,
                    labels: labelled(instrument, labels),
                    count,
                    sum: *sum,
                    buckets,
                });
            }
        }
        for (gauge, server, value) in gauges() {
            series.push(Series::Value {
                name: gauge.prometheus,
                labels: labelled(gauge, &[server]),
                value: value.into(),
            });
        }
        series.sort_by(|a, b| (a.name(), a.labels()).cmp(&(b.name(), b.labels())));
        series
    }

    /// The sum over the series of `name` whose labels include `labels` (a
    /// histogram's count); 0 when there is none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.snapshot()
            .iter()
            .filter(|s| s.name() == name)
            .filter(|s| {
                let have = s.labels();
                labels
                    .iter()
                    .all(|(k, v)| have.get(k).is_some_and(|have| have == v))
            })
            .map(|s| match s {
                Series::Value { value, .. } => *value,
                Series::Histogram { count, .. } => *count,
            })
            .sum()
    }
}

impl Drop for Metrics {
    fn drop(&mut self) {
        if let Some(hook) = self.hook {
            events::remove_hook(hook);
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("connguard::metrics::Metrics")
            .finish_non_exhaustive()
    }
}

/// Sends spec 8.2's metrics to the `metrics` crate's facade, with their
/// Prometheus names, labels and descriptions, from now on until the returned
/// hook is removed ([`events::remove_hook`]): counters and the histogram as
/// events come, the limiter's gauges set from every gate at each event.
/// Install the recorder (an exporter) as the `metrics` crate says.
#[cfg(feature = "metrics")]
pub fn install_facade() -> HookId {
    for instrument in [ATTEMPTS, FAILURES, GIVE_UPS, CONNECTS, RETRIED] {
        ::metrics::describe_counter!(instrument.prometheus, instrument.help);
    }
    ::metrics::describe_histogram!(DURATION.prometheus, ::metrics::Unit::Seconds, DURATION.help);
    for instrument in &GAUGES {
        ::metrics::describe_gauge!(instrument.prometheus, instrument.help);
    }
    events::add_hook(|event: &Event<'_>| {
        record(event, &mut Facade);
        for (gauge, server, value) in gauges() {
            ::metrics::gauge!(gauge.prometheus, "server" => server).set(value);
        }
    })
}

#[cfg(feature = "metrics")]
struct Facade;

#[cfg(feature = "metrics")]
impl Facade {
    fn labels(instrument: &Instrument, values: &[&str]) -> Vec<::metrics::Label> {
        let pairs = instrument.labels.iter().zip(values);
        pairs
            .map(|(k, v)| ::metrics::Label::new(*k, v.to_string()))
            .collect()
    }
}

#[cfg(feature = "metrics")]
impl Recorder for Facade {
    fn add(&mut self, counter: &'static Instrument, labels: &[&str]) {
        ::metrics::counter!(counter.prometheus, Self::labels(counter, labels)).increment(1);
    }

    fn observe(&mut self, histogram: &'static Instrument, labels: &[&str], seconds: f64) {
        ::metrics::histogram!(histogram.prometheus, Self::labels(histogram, labels))
            .record(seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::LastError;
    use crate::classification::ErrorClass;
    use crate::decision::Reason;

    fn call(step: Step) -> Event<'static> {
        Event::Call {
            service: SITE[0],
            target: SITE[1],
            step,
        }
    }

    fn recorded(events: &[Event<'_>]) -> Aggregate {
        let mut aggregate = Aggregate::default();
        for event in events {
            record(event, &mut aggregate);
        }
        aggregate
    }

    fn count(aggregate: &Aggregate, instrument: &'static Instrument, labels: &[&str]) -> u64 {
        aggregate
            .counts
            .get(&key(instrument, labels))
            .copied()
            .unwrap_or(0)
    }

    /// Not the runner tests' call site: their events may reach a hook of these.
    const SITE: [&str; 2] = ["metrics-test", "mariadb://app:***@metrics-test:3306/main"];

    #[test]
    fn a_retried_call_counts_its_attempts_failures_and_connect() {
        let aggregate = recorded(&[
            call(Step::Attempt { attempt: 1 }),
            call(Step::Failed {
                attempt: 1,
                failure: Failure::Code(1040),
                class: ErrorClass::Capacity,
                elapsed: 0.0,
            }),
            call(Step::Retry {
                attempt: 1,
                delay: None,
                elapsed: 0.0,
            }),
            call(Step::Attempt { attempt: 2 }),
            call(Step::Failed {
                attempt: 2,
                failure: Failure::Network,
                class: ErrorClass::Transient,
                elapsed: 0.01,
            }),
            call(Step::Attempt { attempt: 3 }),
            call(Step::Connected {
                attempts: 3,
                elapsed: 0.05,
            }),
        ]);
        assert_eq!(count(&aggregate, &ATTEMPTS, &SITE), 3);
        let [service, target] = SITE;
        for (class, code) in [("capacity", "1040"), ("transient", "network")] {
            let labels = [service, target, class, code];
            assert_eq!(count(&aggregate, &FAILURES, &labels), 1, "{labels:?}");
        }
        assert_eq!(count(&aggregate, &CONNECTS, &SITE), 1);
        assert_eq!(count(&aggregate, &RETRIED, &SITE), 1);
        let (buckets, sum) = aggregate.histograms[&key(&DURATION, &[service, target, "connected"])];
        assert_eq!(sum, 0.05);
        assert_eq!(buckets[3], 1, "0.05 is in the bucket le=0.05");
        assert_eq!(buckets.iter().sum::<u64>(), 1);
    }

    #[test]
    fn a_give_up_counts_its_reason_and_duration_and_a_first_connect_is_not_retried() {
        let aggregate = recorded(&[
            call(Step::GiveUp {
                reason: Reason::Deadline,
                attempts: 0,
                elapsed: 90.0,
                last: None,
            }),
            call(Step::GiveUp {
                reason: Reason::Fatal,
                attempts: 1,
                elapsed: 0.001,
                last: Some(LastError {
                    failure: Failure::Code(1045),
                    class: ErrorClass::Fatal,
                }),
            }),
            call(Step::Connected {
                attempts: 1,
                elapsed: 0.001,
            }),
        ]);
        let [service, target] = SITE;
        for reason in ["deadline", "fatal"] {
            assert_eq!(count(&aggregate, &GIVE_UPS, &[service, target, reason]), 1);
        }
        assert_eq!(count(&aggregate, &RETRIED, &SITE), 0);
        let (buckets, sum) = aggregate.histograms[&key(&DURATION, &[service, target, "gave_up"])];
        assert_eq!((buckets[0], buckets[BOUNDS.len()], sum), (1, 1, 90.001));
    }

    #[test]
    fn a_snapshot_is_sorted_and_reads_as_the_spec_writes_it() {
        let _turn = events::TEST_TURN
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let metrics = Metrics::install();
        for step in [
            Step::Attempt { attempt: 1 },
            Step::Connected {
                attempts: 1,
                elapsed: 0.2,
            },
        ] {
            events::emit(|| call(step));
        }
        let snapshot: Vec<Series> = metrics
            .snapshot()
            .into_iter()
            .filter(|s| !s.name().starts_with("connguard_limiter_"))
            .collect();
        let json = serde_json::to_value(&snapshot).unwrap();
        let labels = serde_json::json!({"service": SITE[0], "target": SITE[1]});
        let mut buckets: Vec<serde_json::Value> = BOUNDS
            .iter()
            .map(|b| serde_json::json!([b, u64::from(*b >= 0.2)]))
            .collect();
        buckets.push(serde_json::json!(["+Inf", 1]));
        let mut duration_labels = labels.clone();
        duration_labels["outcome"] = "connected".into();
        assert_eq!(
            json,
            serde_json::json!([
                {"name": "connguard_attempts_total", "labels": labels, "value": 1},
                {"name": "connguard_connect_duration_seconds", "labels": duration_labels,
                 "count": 1, "sum": 0.2, "buckets": buckets},
                {"name": "connguard_connects_total", "labels": labels, "value": 1},
            ])
        );
        assert_eq!(metrics.value("connguard_connects_total", &[]), 1);
        assert_eq!(
            metrics.value(
                "connguard_connect_duration_seconds",
                &[("outcome", "gave_up")]
            ),
            0
        );
        drop(metrics);
        let after = Metrics::install();
        events::emit(|| call(Step::Attempt { attempt: 1 }));
        assert_eq!(after.value("connguard_attempts_total", &[]), 1, "from zero");
    }
}
