"""error_codes.json (spec 2): the table, entry by entry."""

from reference.codes import CODES


def error_code_cases():
    return [
        {
            "name": f"{code}_{symbol.lower()}",
            "code": code,
            "symbol": symbol,
            "class": error_class,
            "meaning": meaning,
            "advice": advice,
        }
        for code, symbol, error_class, meaning, advice in CODES
    ]
