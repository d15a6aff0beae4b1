"""The fenced code blocks of the project's Markdown, and what each asks of its checker.

A block may be preceded (on the lines right above its fence) by HTML comments
that readers do not see:

- ``<!-- doctest: skip: REASON -->``: not run; the reason says why (and what
  runs it instead, where something does).
- ``<!-- doctest: body -->``: the block is statements; the checker wraps them
  in a function (C++: after hoisting its ``#include`` lines; JS: an async one).
- ``<!-- doctest: given: CODE -->``: declarations of what the block uses but a
  reader supplies (a password, a connection); CODE may span lines.
- ``<!-- doctest: diff: BEFORE AFTER -->`` on a ``diff`` block: an adoption,
  exactly ``diff -U3 BEFORE AFTER`` without its two header lines, BEFORE and
  AFTER being files of the repository that the language's own tests build and
  run against the test server.

Python blocks are always checked as the body of an ``async def``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "node-shim" / "README.md",
]

_FENCE = re.compile(r"^(`{3,})(.*)$")
_DIRECTIVE = re.compile(r"<!--\s*doctest:\s*(skip|body|given|diff)\s*(?::\s*(.*?))?\s*-->", re.S)


@dataclass
class Block:
    document: Path
    line: int  # of the opening fence, 1-based
    language: str  # the info string's first word ("" for none)
    code: str
    skip: str | None = None
    body: bool = False
    given: list[str] = field(default_factory=list)
    diff: tuple[str, str] | None = None  # (before, after): repository paths

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def _directives(lines: list[str], fence: int) -> str:
    """The HTML comments on the lines right above line index ``fence``."""
    start = fence
    while start > 0 and lines[start - 1].rstrip().endswith("-->"):
        start -= 1
        while not lines[start].lstrip().startswith("<!--"):
            start -= 1
    return "\n".join(lines[start:fence])


def blocks(document: Path) -> list[Block]:
    lines = document.read_text().splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, info = opening.groups()
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith(fence))
        words = info.replace(",", " ").split()
        block = Block(
            document, index + 1, words[0] if words else "", "\n".join(lines[index + 1 : end]) + "\n"
        )
        for kind, value in _DIRECTIVE.findall(_directives(lines, index)):
            if kind == "skip":
                block.skip = value
            elif kind == "body":
                block.body = True
            elif kind == "diff":
                before, after = value.split()
                block.diff = (before, after)
            else:
                block.given.append(value)
        found.append(block)
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for document in DOCUMENTS for block in blocks(document)]
