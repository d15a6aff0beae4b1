"""Errors connguard itself raises (a driver's errors are always re-raised as they are)."""

from __future__ import annotations


class PolicyError(ValueError):
    """An invalid policy: names the file, line, table and key, and what is allowed.

    ``kind`` is one of the kinds of docs/spec.md section 1.3 (``unknown_key``,
    ``out_of_range``, ...), identical across C++, Python, Node and Rust.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        file: str,
        line: int,
        table: str,
        key: str,
        problem: str,
        allowed: str,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.file = file
        self.line = line
        self.table = table
        self.key = key
        self.problem = problem
        self.allowed = allowed
