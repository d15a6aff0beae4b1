"""Helpers shared by the case tables."""

from reference.splitmix64 import MASK64


def toml(*lines):
    """Policy text from lines, so the line numbers in the cases are easy to read."""
    return "".join(line + "\n" for line in lines)


U64_MAX = str(MASK64)
