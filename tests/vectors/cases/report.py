"""report.json (spec 4.2): the text of each record for given fields.

Seconds avoid exact decimal ties (x.xxx5), where languages' rounding of a
printed double may differ; the last digit's rounding is otherwise checked.
"""

from reference.report import give_up_line, give_up_summary, queue_timeout_message, retry_line

TARGET = "mariadb://app:***@db:3306/orders"
MESSAGE = "Too many connections"


def retry(code, error_class, attempt, delay, max_attempts=10):
    return {
        "code": code,
        "class": error_class,
        "attempt": attempt,
        "max_attempts": max_attempts,
        "delay": delay,
    }


def give_up(reason, attempts, elapsed, code, error_class, attempted=True):
    return {
        "reason": reason,
        "attempts": attempts,
        "elapsed": elapsed,
        "code": code,
        "class": error_class,
        "attempted": attempted,
    }


RETRIES = [
    ("retry_capacity_sleep", "orders", TARGET, retry(1040, "capacity", 1, 0.0312345), MESSAGE),
    ("retry_capacity_queued", "orders", TARGET, retry(1040, "capacity", 3, None), MESSAGE),
    ("retry_network", "", "", retry(None, "transient", 2, 1.9876543), "Connection refused"),
    (
        "retry_unknown_code_retry_on",
        "batch",
        TARGET,
        retry(1205, "transient", 4, 0.25, 20),
        "Lock wait timeout exceeded",
    ),
    (
        "retry_rounds_up",
        "api",
        "mysql://app@db:3306/main",
        retry(2013, "transient", 1, 0.0019),
        "Lost connection to server during query",
    ),
    (
        "retry_long_delay",
        "api",
        TARGET,
        retry(1203, "capacity", 9, 4.99999999),
        "max_user_connections",
    ),
]

GIVE_UPS = [
    (
        "give_up_fatal_with_advice",
        "orders",
        TARGET,
        give_up("fatal", 1, 0.004, 1045, "fatal"),
        "Access denied for user 'app'@'10.0.0.7' (using password: YES)",
    ),
    (
        "give_up_fatal_unknown_code",
        "orders",
        TARGET,
        give_up("fatal", 1, 0.0021, 1064, "fatal"),
        "You have an error in your SQL syntax",
    ),
    (
        "give_up_attempts",
        "orders",
        TARGET,
        give_up("attempts", 20, 12.5123, 1040, "capacity"),
        MESSAGE,
    ),
    (
        "give_up_deadline_network",
        "",
        "",
        give_up("deadline", 7, 30.0009, None, "transient"),
        "Connection refused",
    ),
    (
        "give_up_one_attempt_deadline",
        "webui",
        TARGET,
        give_up("deadline", 1, 2.9, 2013, "transient"),
        "Lost connection",
    ),
    (
        "give_up_never_admitted",
        "webui",
        TARGET,
        give_up("deadline", 0, 30.0, None, None, False),
        queue_timeout_message(TARGET, 30.0, 10, 10),
    ),
]

QUEUE_TIMEOUTS = [
    ("queue_timeout", TARGET, 30.0001, 10, 10),
    ("queue_timeout_no_target", "", 2.999, 0, 1),
]


def report_cases():
    out = []
    for name, service, target, fields, message in RETRIES:
        out.append(
            {
                "name": name,
                "record": "retry",
                "service": service,
                "target": target,
                "fields": fields,
                "message": message,
                "expect": {"line": retry_line(service, target, fields, message)},
            }
        )
    for name, service, target, fields, message in GIVE_UPS:
        out.append(
            {
                "name": name,
                "record": "give_up",
                "service": service,
                "target": target,
                "fields": fields,
                "message": message,
                "expect": {
                    "line": give_up_line(service, target, fields, message),
                    "summary": give_up_summary(service, target, fields),
                },
            }
        )
    for name, target, waited, holding, limit in QUEUE_TIMEOUTS:
        fields = {"waited": waited, "holding": holding, "limit": limit}
        out.append(
            {
                "name": name,
                "record": "queue_timeout",
                "service": "",
                "target": target,
                "fields": fields,
                "message": "",
                "expect": {"line": queue_timeout_message(target, waited, holding, limit)},
            }
        )
    return out
