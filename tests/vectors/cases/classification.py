"""classification.json (spec 2)."""

from cases.common import toml
from reference.classification import CAPACITY, NAMED_FATAL, TRANSIENT, classify
from reference.policy import load_policy

CLASSIFY_POLICIES = {
    "empty": "",
    "retry_on": toml("[default]", "retry_on = [1205, 1213, 1045]"),
    "never_retry": toml("[default]", "never_retry = [1040, 2013, 1205]"),
    "both": toml("[default]", "retry_on = [1205, 1129, 2013]", "never_retry = [1205, 2013, 9001]"),
    "service": toml(
        "[default]",
        "retry_on = [1205]",
        "",
        "[service.batch]",
        "retry_on = [1213]",
        "never_retry = [1203]",
    ),
}


def classification_cases():
    cases = []

    def add(name, policy, service, code):
        text = CLASSIFY_POLICIES[policy]
        cls = classify(code, load_policy(text, service))
        cases.append({"name": name, "policy": text, "service": service, "code": code, "class": cls})

    for code in sorted(CAPACITY | TRANSIENT | NAMED_FATAL):
        add(f"builtin_{code}", "empty", None, code)
    add("network_is_transient", "empty", None, None)
    for code in (1064, 1205, 1213, 1, 65535, 2000):
        add(f"unlisted_{code}_is_fatal", "empty", None, code)
    add("retry_on_1205_transient", "retry_on", None, 1205)
    add("retry_on_1213_transient", "retry_on", None, 1213)
    add("retry_on_1045_fatal_made_transient", "retry_on", None, 1045)
    add("retry_on_keeps_capacity_1040", "retry_on", None, 1040)
    add("retry_on_unlisted_1064_still_fatal", "retry_on", None, 1064)
    add("never_retry_capacity_1040_fatal", "never_retry", None, 1040)
    add("never_retry_transient_2013_fatal", "never_retry", None, 2013)
    add("never_retry_network_still_transient", "never_retry", None, None)
    add("never_retry_keeps_other_capacity_1203", "never_retry", None, 1203)
    add("both_never_retry_beats_retry_on_1205", "both", None, 1205)
    add("both_never_retry_beats_builtin_and_retry_on_2013", "both", None, 2013)
    add("both_never_retry_capacity_9001_fatal", "both", None, 9001)
    add("both_retry_on_1129_transient", "both", None, 1129)
    add("both_builtin_capacity_1040_kept", "both", None, 1040)
    add("service_retry_on_replaces_default_1205_fatal", "service", "batch", 1205)
    add("service_retry_on_1213_transient", "service", "batch", 1213)
    add("service_never_retry_1203_fatal", "service", "batch", 1203)
    add("default_policy_of_same_file_1205_transient", "service", None, 1205)
    add("default_policy_of_same_file_1203_capacity", "service", None, 1203)
    return cases
