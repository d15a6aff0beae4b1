"""Spec 4.2: the text of the call's records (section 7's retry and give_up)."""

from reference.codes import CODES

_SYMBOLS = {code: symbol for code, symbol, *_ in CODES}
_ADVICE = {code: advice for code, *_, advice in CODES}


def code_text(code):
    if code is None:
        return "network"
    return f"{code} {_SYMBOLS[code]}" if code in _SYMBOLS else str(code)


def where(service, target):
    return f"service={service or 'default'} target={target or '-'}"


def retry_line(service, target, r, message):
    then = "queued for a free slot" if r["delay"] is None else f"next in {r['delay']:.3f}s"
    return (
        f"connguard retry: {where(service, target)} code={code_text(r['code'])} ({r['class']}) "
        f"attempt {r['attempt']}/{r['max_attempts']}, {then}: {message}"
    )


def _head(service, target, g):
    if not g["attempted"]:
        return (
            f"connguard gave up after 0 attempts in {g['elapsed']:.3f}s (reason: deadline; "
            f"no attempt, waited in the limiter's queue; {where(service, target)})"
        )
    n = g["attempts"]
    return (
        f"connguard gave up after {n} attempt{'s' if n != 1 else ''} in {g['elapsed']:.3f}s "
        f"(reason: {g['reason']}; last error {code_text(g['code'])}, {g['class']}; "
        f"{where(service, target)})"
    )


def give_up_summary(service, target, g):
    """What the caller's error carries: the head, and the advice for a fatal code."""
    if g["attempted"] and g["reason"] == "fatal" and g["code"] in _ADVICE:
        return f"{_head(service, target, g)}; {code_text(g['code'])}: {_ADVICE[g['code']]}"
    return _head(service, target, g)


def give_up_line(service, target, g, message):
    """The ERROR line."""
    return f"{_head(service, target, g)}: {message}"


def queue_timeout_message(target, waited, holding, limit):
    return (
        f"connguard waited {waited:.2f}s (the policy deadline) for a turn to connect to "
        f"{target or '-'}: this process holds {holding} connection(s) there and may open "
        f"{limit}; the server refused more. Hold connections for shorter or allow a longer "
        "deadline."
    )
