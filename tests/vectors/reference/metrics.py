"""Spec 8.2 and 8.3: the series a list of events moves, as a snapshot.

Only the counters and the histogram: the limiter's gauges are its state, read
from the gates (or set from `limit` events), not counted from events.
"""

BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def snapshot(events):
    counters = {}  # (name, ((label, value), ...)) -> count
    durations = {}  # (name, labels) -> list of observed values

    def add(name, labels):
        key = (name, labels)
        counters[key] = counters.get(key, 0) + 1

    for event in events:
        name = event["name"]
        if name in ("released", "limit"):
            continue  # the limiter's: no call, and no counter
        call = (("service", event["service"]), ("target", event["target"]))
        if name == "attempt":
            add("connguard_attempts_total", call)
        elif name == "failed":
            code = "network" if event["code"] is None else str(event["code"])
            labels = (*call, ("class", event["class"]), ("code", code))
            add("connguard_attempt_failures_total", labels)
        elif name == "connected":
            add("connguard_connects_total", call)
            if event["attempts"] > 1:
                add("connguard_connects_retried_total", call)
            key = ("connguard_connect_duration_seconds", (*call, ("outcome", "connected")))
            durations.setdefault(key, []).append(event["elapsed"])
        elif name == "give_up":
            add("connguard_give_ups_total", (*call, ("reason", event["reason"])))
            key = ("connguard_connect_duration_seconds", (*call, ("outcome", "gave_up")))
            durations.setdefault(key, []).append(event["elapsed"])

    series = [
        {"name": name, "labels": dict(labels), "value": count}
        for (name, labels), count in counters.items()
    ]
    for (name, labels), values in durations.items():
        buckets = [[bound, sum(1 for v in values if v <= bound)] for bound in BOUNDS]
        buckets.append(["+Inf", len(values)])
        series.append(
            {
                "name": name,
                "labels": dict(labels),
                "count": len(values),
                "sum": sum(values),
                "buckets": buckets,
            }
        )
    series.sort(key=lambda s: (s["name"], sorted(s["labels"].items())))
    return series
