"""Every code block of README.md, docs/*.md and node-shim/README.md that is meant
to run is run or compiled here (Rust's by rustdoc: ``cargo test --doc``), so
the docs cannot drift from the code. See :mod:`docblocks` for the markers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from connguard import PolicySet
from docblocks import ROOT, Block, all_blocks

BLOCKS = all_blocks()
# Shown, never run: program output, a diff between two versions, a grammar.
PROSE = {"", "text", "diff"}
CHECKED = {"python", "cpp", "js", "sh", "toml", "rust"}


def _of(language: str) -> list[Block]:
    return [b for b in BLOCKS if b.language == language and b.skip is None]


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        command, capture_output=True, text=True, check=False, timeout=300, **kwargs
    )


def _slug(block: Block) -> str:
    return re.sub(r"\W", "_", block.name)


def test_every_block_is_checked_or_says_why_not() -> None:
    unchecked = [b.name for b in BLOCKS if b.language not in CHECKED | PROSE and b.skip is None]
    assert unchecked == [], "give these a checked language or a doctest: skip reason"
    assert all(b.skip for b in BLOCKS if b.skip is not None), "a skip needs a reason"


ADOPTIONS = [b for b in BLOCKS if b.diff is not None]


def test_every_adoption_diff_is_checked() -> None:
    assert all(b.language == "diff" for b in ADOPTIONS), "a diff directive goes on a diff block"


@pytest.mark.parametrize("block", ADOPTIONS, ids=lambda b: b.name)
def test_adoption_diffs_are_the_files_they_name(block: Block) -> None:
    """The diff a reader applies is the one between the files the tests build and run."""
    assert block.diff is not None
    before, after = (ROOT / path for path in block.diff)
    assert before.is_file() and after.is_file(), block.diff
    done = _run(["diff", "-U3", str(before), str(after)])
    assert done.returncode == 1, f"{block.diff}: no difference\n{done.stderr}"
    expected = "".join(done.stdout.splitlines(keepends=True)[2:])
    assert block.code == expected, f"{block.name}: regenerate with diff -U3 {' '.join(block.diff)}"


@pytest.mark.parametrize("block", _of("toml"), ids=lambda b: b.name)
def test_toml_blocks_parse_and_policies_validate(block: Block) -> None:
    table = tomllib.loads(block.code)
    if set(table) <= {"default", "service"}:
        PolicySet.parse(block.code, block.name)  # raises PolicyError when invalid


@pytest.mark.parametrize("block", _of("sh"), ids=lambda b: b.name)
def test_shell_blocks_run(block: Block) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = _run(["bash", "-euo", "pipefail", "-c", block.code], cwd=ROOT, env=env)
    assert done.returncode == 0, f"{block.name}\n{block.code}\n{done.stdout}\n{done.stderr}"


def _check_all(
    language: str, tmp_path: Path, source: Callable[[Block], tuple[str, str]]
) -> list[tuple[Block, Path]]:
    """Writes each block of ``language`` as the file ``source`` makes of it."""
    written = []
    for block in _of(language):
        suffix, text = source(block)
        path = tmp_path / f"{_slug(block)}{suffix}"
        path.write_text(text)
        written.append((block, path))
    assert written, f"no {language} blocks found"
    return written


def _python(block: Block) -> tuple[str, str]:
    body = "\n".join([*block.given, block.code, "pass"])
    return ".py", "async def _doc_block() -> None:\n" + textwrap.indent(body, "    ")


def test_python_blocks_type_check(tmp_path: Path) -> None:
    """mypy on each block as the body of an async function, against connguard's types."""
    files = _check_all("python", tmp_path, _python)
    done = _run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-error-summary",
         "--cache-dir", str(tmp_path / ".mypy"), *(str(p) for _, p in files)],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(ROOT / "python")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _cpp(block: Block) -> tuple[str, str]:
    lines = block.code.splitlines()
    if not block.body:
        return ".cpp", "\n".join([*block.given, *lines]) + "\n"
    includes = [line for line in lines if line.startswith("#include")]
    rest = [line for line in lines if not line.startswith("#include")]
    return ".cpp", "\n".join([*includes, "void doc_block() {", *block.given, *rest, "}"]) + "\n"


def test_cpp_blocks_compile(tmp_path: Path) -> None:
    mariadb = _run(["pkg-config", "--cflags", "libmariadb"]).stdout.split()
    for block, path in _check_all("cpp", tmp_path, _cpp):
        done = _run(
            ["g++", "-std=c++17", "-fsyntax-only", f"-I{ROOT / 'native' / 'include'}", *mariadb,
             str(path)]
        )  # fmt: skip
        assert done.returncode == 0, f"{block.name}\n{path.read_text()}\n{done.stderr}"


def _js(block: Block) -> tuple[str, str]:
    lines = block.code.splitlines()
    esm = any(line.startswith("import ") for line in lines)
    if block.body:
        imports = [line for line in lines if line.startswith("import ")]
        rest = [line for line in lines if not line.startswith("import ")]
        lines = [*imports, "(async () => {", *block.given, *rest, "})();"]
    else:
        lines = [*block.given, *lines]
    return (".mjs" if esm else ".cjs"), "\n".join(lines) + "\n"


def test_js_blocks_type_check(tmp_path: Path) -> None:
    """tsc --checkJs on each block, with the package and its dependencies installed."""
    shim = ROOT / "node-shim"
    modules = tmp_path / "node_modules"
    modules.mkdir()
    (modules / "connguard").symlink_to(shim)
    for installed in (shim / "node_modules").iterdir():
        if not installed.name.startswith("."):
            (modules / installed.name).symlink_to(installed)
    files = _check_all("js", tmp_path, _js)
    tsc = shutil.which("tsc", path=str(shim / "node_modules" / ".bin"))
    assert tsc is not None, "typescript is a devDependency of node-shim: run make setup"
    done = _run(
        [tsc, "--noEmit", "--allowJs", "--checkJs", "--module", "nodenext",
         "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node",
         "--skipLibCheck", *(str(p) for _, p in files)],
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_rust_blocks_are_rustdoc_tests() -> None:
    """docs/rust.md is compiled by `cargo test --doc` (make test-rust); no other doc has Rust."""
    lib = (ROOT / "rust-shim" / "src" / "lib.rs").read_text()
    assert 'include_str!("../../docs/rust.md")' in lib
    assert {b.document.name for b in BLOCKS if b.language == "rust"} <= {"rust.md"}
