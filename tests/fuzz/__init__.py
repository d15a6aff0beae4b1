"""Hostile policy files and every language's verdict on them (docs/spec.md 1.3).

Tooling, not part of the connguard package: ``make fuzz`` runs many files
(``fuzz.agree``), tests/python/test_parsers_agree.py a few hundred.
"""
