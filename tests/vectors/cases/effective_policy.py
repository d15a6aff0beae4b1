"""effective_policy.json (spec 1)."""

from cases.common import toml
from reference.policy import load_policy

EFFECTIVE_CASES = [
    (
        "limiter_table_in_default",
        toml("[default.limiter]", "initial_limit = 4", "max_limit = 50"),
        None,
    ),
    (
        "limiter_inherited_key_by_key",
        toml(
            "[default.limiter]", "initial_limit = 4", "", "[service.api.limiter]", "enabled = false"
        ),
        "api",
    ),
    (
        "limiter_as_inline_table_and_dotted_keys",
        toml(
            "[default]",
            "limiter = { max_limit = 7 }",
            "",
            "[service.api]",
            "limiter.initial_limit = 3",
        ),
        "api",
    ),
    (
        "deployment_table_is_plans_not_a_policy",
        toml(
            "[default]",
            "max_attempts = 4",
            "",
            "[deployment]",
            "max_connections = 151",
            "[deployment.service.api]",
            "replicas = 3",
            "anything = { at = 'all' }",
            "",
            "[service.api]",
        ),
        "api",
    ),
    ("empty_file_builtin_defaults", "", None),
    ("empty_default_table", toml("[default]"), None),
    ("comments_only", toml("# nothing here", "  # still nothing"), None),
    ("empty_service_table_gets_builtin_defaults", toml("[service.api]"), "api"),
    (
        "empty_service_table_gets_default_table",
        toml("[default]", "max_attempts = 4", 'deadline = "10s"', "", "[service.api]"),
        "api",
    ),
    (
        "all_keys_in_default",
        toml(
            "[default]",
            "max_attempts = 1000",
            'deadline = "2m"',
            'connect_timeout = "1.5s"',
            'initial_delay = "250ms"',
            'max_delay = "10s"',
            "multiplier = 1.5",
            'jitter = "decorrelated"',
            "retry_on = [1205, 1213]",
            "never_retry = [1040]",
        ),
        None,
    ),
    (
        "spec_example_service",
        toml(
            "[default]",
            "max_attempts = 10",
            'deadline = "30s"',
            "",
            "[service.scheduler]",
            'deadline = "2m"',
            "retry_on = [1205]",
        ),
        "scheduler",
    ),
    (
        "spec_example_default",
        toml(
            "[default]",
            "max_attempts = 10",
            'deadline = "30s"',
            "",
            "[service.scheduler]",
            'deadline = "2m"',
            "retry_on = [1205]",
        ),
        None,
    ),
    (
        "service_overrides_some_inherits_others",
        toml(
            "[default]",
            "max_attempts = 5",
            'jitter = "equal"',
            'initial_delay = "100ms"',
            "retry_on = [1205, 1213]",
            "never_retry = [1203]",
            "",
            "[service.reports]",
            'jitter = "none"',
            "retry_on = [2026]",
        ),
        "reports",
    ),
    (
        "service_empty_list_replaces_default_list",
        toml(
            "[default]",
            "retry_on = [1205]",
            "never_retry = [1040]",
            "",
            "[service.x]",
            "retry_on = []",
        ),
        "x",
    ),
    (
        "service_sees_builtin_when_default_absent",
        toml("[service.a]", "max_attempts = 3", "", "[service.b]", "max_attempts = 7"),
        "b",
    ),
    (
        "service_tables_before_default",
        toml("[service.late]", 'jitter = "none"', "", "[default]", "max_attempts = 2"),
        "late",
    ),
    ("integer_multiplier_accepted", toml("[default]", "multiplier = 3"), None),
    ("multiplier_exactly_one", toml("[default]", "multiplier = 1"), None),
    ("multiplier_float_one", toml("[default]", "multiplier = 1.0"), None),
    ("max_attempts_bounds_1", toml("[default]", "max_attempts = 1"), None),
    (
        "max_delay_equal_initial_delay",
        toml("[default]", 'initial_delay = "2s"', 'max_delay = "2000ms"'),
        None,
    ),
    (
        "durations_ms",
        toml(
            "[default]",
            'deadline = "30000ms"',
            'connect_timeout = "1ms"',
            'initial_delay = "5ms"',
            'max_delay = "999ms"',
        ),
        None,
    ),
    (
        "durations_s",
        toml(
            "[default]",
            'deadline = "45s"',
            'connect_timeout = "3s"',
            'initial_delay = "1s"',
            'max_delay = "20s"',
        ),
        None,
    ),
    (
        "durations_m",
        toml(
            "[default]",
            'deadline = "10m"',
            'connect_timeout = "1m"',
            'initial_delay = "0.5m"',
            'max_delay = "2m"',
        ),
        None,
    ),
    (
        "durations_fractional",
        toml(
            "[default]",
            'deadline = "1.5m"',
            'connect_timeout = "0.1s"',
            'initial_delay = "12.5ms"',
            'max_delay = "0.3s"',
        ),
        None,
    ),
    (
        "durations_leading_zeros_and_long_fraction",
        toml(
            "[default]",
            'deadline = "007s"',
            'initial_delay = "0.001s"',
            'max_delay = "1.0000000000000001s"',
        ),
        None,
    ),
    (
        "durations_tiny",
        toml("[default]", 'initial_delay = "0.001ms"', 'connect_timeout = "0.5ms"'),
        None,
    ),
    ("literal_string_duration", toml("[default]", "deadline = '45s'"), None),
    (
        "lists_kept_as_written",
        toml("[default]", "retry_on = [2026, 1205, 1213]", "never_retry = [65535, 1]"),
        None,
    ),
    ("multiline_list", toml("[default]", "retry_on = [", "  1205,", "  1213,", "]"), None),
    (
        "inline_service_table",
        toml("[service]", 'fast = { max_attempts = 3, jitter = "none" }'),
        "fast",
    ),
    ("dotted_keys", toml("default.max_attempts = 4", 'service.api.deadline = "5s"'), "api"),
    ("quoted_service_name", toml('[service."billing-db"]', "max_attempts = 2"), "billing-db"),
    (
        "service_raises_max_delay_lowers_initial",
        toml(
            "[default]",
            'initial_delay = "1s"',
            'max_delay = "2s"',
            "",
            "[service.s]",
            'initial_delay = "10ms"',
            'max_delay = "1m"',
        ),
        "s",
    ),
    ("empty_service_container_table", toml("[service]", "", "[default]", 'jitter = "equal"'), None),
]


def effective_cases():
    return [
        {"name": name, "policy": text, "service": service, "expect": load_policy(text, service)}
        for name, text, service in EFFECTIVE_CASES
    ]
