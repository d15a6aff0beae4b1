"""metrics.json (spec 8.2, 8.3): events in, the snapshot's counters and histogram out."""

from reference.metrics import snapshot

API = {"service": "api", "target": "mysql://app@db:3306/main"}
WORKER = {"service": "worker", "target": "mysql://app@db:3306/main"}
OTHER = {"service": "api", "target": "mysql://app@replica:3306/main"}


def _e(call, name, **fields):
    return {**call, "name": name, **fields}


def _connected(call, attempts, elapsed):
    return _e(call, "connected", attempts=attempts, elapsed=elapsed)


def _give_up(call, reason, attempts, elapsed, code, cls):
    return _e(call, "give_up", reason=reason, attempts=attempts, elapsed=elapsed, code=code,
              **{"class": cls})  # fmt: skip


def _failed(call, attempt, code, cls, elapsed):
    return _e(call, "failed", attempt=attempt, code=code, elapsed=elapsed, **{"class": cls})


METRIC_CASES = [
    ("one_connect", [_e(API, "attempt", attempt=1), _connected(API, 1, 0.004)]),
    (
        "retried_after_capacity_and_network",
        [
            _e(API, "attempt", attempt=1),
            _failed(API, 1, 1040, "capacity", 0.002),
            _e(API, "retry", attempt=1, delay=None, elapsed=0.002),
            _e(API, "granted", waited=0.05),
            _e(API, "attempt", attempt=2),
            _failed(API, 2, None, "transient", 0.06),
            _e(API, "retry", attempt=2, delay=0.1, elapsed=0.06),
            _e(API, "attempt", attempt=3),
            _connected(API, 3, 0.3),
        ],
    ),
    (
        "give_ups_by_reason",
        [
            _e(API, "attempt", attempt=1),
            _failed(API, 1, 1045, "fatal", 0.002),
            _give_up(API, "fatal", 1, 0.002, 1045, "fatal"),
            _e(API, "attempt", attempt=1),
            _failed(API, 1, 1040, "capacity", 0.01),
            _e(API, "retry", attempt=1, delay=0.05, elapsed=0.01),
            _e(API, "attempt", attempt=2),
            _failed(API, 2, 1040, "capacity", 2.5),
            _give_up(API, "attempts", 2, 2.5, 1040, "capacity"),
            _give_up(API, "deadline", 0, 30.0, None, None),  # waited at the gate, no attempt
        ],
    ),
    (
        "services_and_targets_apart",
        [
            _e(WORKER, "attempt", attempt=1),
            _connected(WORKER, 1, 0.02),
            _e(OTHER, "attempt", attempt=1),
            _connected(OTHER, 1, 0.02),
            _e(API, "attempt", attempt=1),
            _failed(API, 1, 1040, "capacity", 0.01),
            _e(API, "retry", attempt=1, delay=None, elapsed=0.01),
            _e(API, "attempt", attempt=2),
            _connected(API, 2, 0.75),
            _e(WORKER, "attempt", attempt=1),
            _connected(WORKER, 1, 0.04),
        ],
    ),
    (
        # By code point, as UTF-8 bytes sort: U+E000 before U+1F600 (UTF-16 has it after).
        "labels_sort_by_code_point",
        [
            _e({**API, "service": "api-\U0001f600"}, "attempt", attempt=1),
            _e({**API, "service": "api-\ue000"}, "attempt", attempt=1),
        ],
    ),
    (
        "bucket_bounds_hold_what_equals_them",
        [_connected(API, 1, t) for t in (0.0, 0.005, 0.0050001, 1.0, 60.0, 61.0)],
    ),
    (
        "events_that_move_no_counter",
        [
            _e(API, "granted", waited=0.0),
            _e(API, "retry", attempt=1, delay=0.05, elapsed=0.01),
            # The limiter's events name the server, not a call (spec 8.1).
            {"name": "released", "server": "db:3306"},
            {
                "name": "limit",
                "server": "db:3306",
                "limit": 3,
                "holding": 2,
                "in_flight": 1,
                "queued": 0,
            },
        ],
    ),
]


def metric_cases():
    cases = [{"name": name, "events": events, "snapshot": snapshot(events)}
             for name, events in METRIC_CASES]  # fmt: skip
    assert cases[-1]["snapshot"] == []
    return cases
