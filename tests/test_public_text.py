"""User-facing text cites public sources only: never the project's own research notes.

Every string in ``src/secrules`` (messages, clause references, rule texts, docstrings) and every
string value of the bundled TOML data is searched for citations a user cannot open, such as
"project spec section 9", "spec dlms-cosem-and-max-demand.md section 6" or "(spec P5)". Runtime
strings (not docstrings) may not cite the notes' private row codes such as "(E5)" or "(K7)"
either. Cite the public source the note cites, or say "modelling choice".
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import secrules

PACKAGE = Path(secrules.__file__).parent

#: Citations of the project's research notes, in any string.
PRIVATE_CITATION = re.compile(
    r"project spec|spec section|\(spec\b|\bspec (?:[A-Z]\d|dlms-|gbcs-|``|pitfall|note)"
    r"|\.md sections?\b",
    re.IGNORECASE,
)
#: The notes' private row codes (E1-E10, K1-K8, P1-P5 ...), in parentheses, in runtime strings.
PRIVATE_ROW = re.compile(r"\((?:[EKP]\d{1,2})(?:[,;] ?[EKP]\d{1,2})*\)")


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def python_strings() -> Iterator[tuple[str, bool, str]]:
    """(where, is_docstring, text) for every string constant in the package's source."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                yield where, id(node) in docstrings, node.value


def _toml_values(value: object, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _toml_values(v, f"{key}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _toml_values(v, f"{key}[{i}]")


def toml_strings() -> Iterator[tuple[str, str]]:
    """(where, text) for every string value in the bundled TOML data."""
    for path in sorted(PACKAGE.rglob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        yield from _toml_values(data, str(path.relative_to(PACKAGE)))


def test_no_string_in_the_package_cites_the_research_notes():
    found = [
        f"{where}: {m.group(0)!r}"
        for where, docstring, text in python_strings()
        for pattern in ((PRIVATE_CITATION,) if docstring else (PRIVATE_CITATION, PRIVATE_ROW))
        for m in pattern.finditer(text)
    ]
    assert found == []


def test_no_bundled_data_value_cites_the_research_notes():
    found = [
        f"{where}: {m.group(0)!r}"
        for where, text in toml_strings()
        for pattern in (PRIVATE_CITATION, PRIVATE_ROW)
        for m in pattern.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    "text",
    [
        "source: project spec section 9",
        "layout per spec dlms-cosem-and-max-demand.md sections 2 and 4",
        "Hex or base64 text (spec P5)",
        "signed span (E5): offsets 14-52",
    ],
)
def test_the_patterns_catch_the_old_citations(text):
    assert PRIVATE_CITATION.search(text) or PRIVATE_ROW.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "GBCS 7.2.7 General Signing",
        "SECAS paper to TABASC, 28 May 2020 (DP129)",
        "Response code E5 'Failed Authorisation - Invalid Device Status'",
        "request specifications (count, then CHOICE items)",
    ],
)
def test_the_patterns_leave_public_citations_alone(text):
    assert not PRIVATE_CITATION.search(text)
    assert not PRIVATE_ROW.search(text)
