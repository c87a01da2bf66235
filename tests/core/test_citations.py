"""The clause registry and the code agree: every row is cited, every cited id is a row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import secrules
from secrules.core.citations import cite, clause_registry
from secrules.errors import InvalidValueError

SRC = Path(secrules.__file__).resolve().parent
CITE = re.compile(r"""\bcite\(\s*["']([^"']+)["']\s*\)""")
# Phrases naming documents a user cannot open (the project's private notes).
PRIVATE = re.compile(r"project spec|spec [a-z0-9-]+\.md|\(spec P\d|spec section", re.IGNORECASE)


def cited_ids() -> set[str]:
    return {m for path in SRC.rglob("*.py") for m in CITE.findall(path.read_text("utf-8"))}


def test_every_cited_clause_is_a_row():
    missing = cited_ids() - set(clause_registry())
    assert not missing, f"cite() of ids not in data/clauses.toml: {sorted(missing)}"


def test_every_row_is_cited():
    unused = set(clause_registry()) - cited_ids()
    assert not unused, f"rows of data/clauses.toml no code cites: {sorted(unused)}"


def test_rows_name_public_sources_only():
    for ident, clause in clause_registry().items():
        text = f"{clause.document} {clause.clause} {clause.version} {clause.note}"
        assert not PRIVATE.search(text), f"{ident} cites a private document: {text}"


def test_a_cited_clause_carries_its_id():
    for ident in clause_registry():
        assert cite(ident).id == ident


def test_an_unknown_id_is_a_clear_error():
    with pytest.raises(InvalidValueError, match=r"no clause 'gbcs\.nonesuch' in clauses\.toml"):
        cite("gbcs.nonesuch")
