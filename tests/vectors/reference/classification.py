"""Spec 2: the class of an error code under a policy."""

CAPACITY = {1040, 1203, 1226, 1135, 1041, 9001}
TRANSIENT = {2002, 2003, 2006, 2013, 2055, 1053, 1927, 1158, 1159, 1160, 1161, 4031}
NAMED_FATAL = {1045, 1044, 1049, 1129, 1130, 2005, 2026, 2059, 3159}


def classify(code, policy):
    """code is an error number, or None for *network*."""
    if code is None:
        return "transient"
    if code in policy["never_retry"]:
        return "fatal"
    if code in CAPACITY:
        return "capacity"
    if code in TRANSIENT:
        return "transient"
    if code in policy["retry_on"]:
        return "transient"
    return "fatal"
