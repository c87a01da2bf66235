"""Every "stated" label carries a public source citation: a document, clause or page title, and a
date or version. An unsupported "stated" cannot be written again: this test walks every data
table row, every ClauseRef of every rule, and every Assumption and Reading of every model."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import pytest

import secrules
from secrules.checking import check_rulesets
from secrules.core.clauses import ClauseRef
from secrules.proposals import MODELS
from secrules.report import rule_catalogue

#: A date (a year) or a version / edition / commit: what lets a reader find the same text again.
DATED = re.compile(
    r"\b(19|20)\d{2}\b"  # a year, in any date
    r"|\b[vV]\d+(\.\d+)*[a-z]?\b"  # v27.0, V5.4
    r"|\b\d+\.\d+(\.\d+)*[a-z]?\b"  # 4.5.0, 5.3a
    r"|\bEd(ition)?\.? ?\d+"  # Ed. 8
    r"|\b[0-9a-f]{7,40}\b"  # a commit
)
#: Keys whose value is a provenance label.
LABEL_KEYS = ("provenance", "mark", "heading_provenance")
#: Keys that name a document, page or clause.
NAME_KEYS = ("source", "document", "clause", "reference", "paper", "title")
#: Keys that may carry the date or version. Not "clause": a clause number ("4.3.3") reads like a
#: version, and would date every row that names one.
DATE_KEYS = (
    *(k for k in NAME_KEYS if k != "clause"),
    *("version", "sec_version", "as_of", "as_at", "note", "duis_version"),
)

DATA = resources.files("secrules.data")
FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".toml"))


def _rows(
    node: Any, path: str, inherited: Mapping[str, str]
) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, str]]]:
    if isinstance(node, dict):
        here = dict(inherited)
        here.update({k: v for k, v in node.items() if k in DATE_KEYS and isinstance(v, str)})
        yield path, node, here
        for key, value in node.items():
            yield from _rows(value, f"{path}.{key}" if path else key, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _rows(item, f"{path}[{i}]", inherited)


def _stated_rows() -> Iterator[tuple[str, str, list[str], str]]:
    """(file, key path, names, dated text) of every row labelled stated."""
    for name in FILES:
        doc = tomllib.loads(DATA.joinpath(name).read_text(encoding="utf-8"))
        sources = doc.get("sources", {})
        for path, row, context in _rows(doc, "", {}):
            if not any(row.get(k) == "stated" for k in LABEL_KEYS):
                continue
            names = [str(row[k]) for k in NAME_KEYS if isinstance(row.get(k), str)]
            names += [str(context[k]) for k in NAME_KEYS if k in context and k not in row]
            refs = [sources.get(n) for n in names]
            resolved = [str(r.get("reference", "")) for r in refs if isinstance(r, dict)]
            dated = " ".join([*resolved, *context.values()])
            yield name, path, [n for n in names if n.strip()], dated


STATED_ROWS = list(_stated_rows())


def test_the_walk_finds_stated_rows():
    files = {name for name, *_ in STATED_ROWS}
    assert {"clauses.toml", "gbcs_message_codes.toml", "section_g.toml"} <= files
    assert len(STATED_ROWS) > 400


@pytest.mark.parametrize("name", FILES)
def test_every_stated_data_row_cites_a_dated_public_source(name):
    bad = [
        f"{path}: names {names or 'nothing'}"
        for file, path, names, dated in STATED_ROWS
        if file == name and (not names or not DATED.search(dated))
    ]
    assert not bad, f"{name}: 'stated' without a dated source: {bad[:5]}"


def _clause_ok(clause: ClauseRef) -> bool:
    return bool(clause.document.strip() and clause.clause.strip()) and bool(
        DATED.search(f"{clause.version} {clause.note}")
    )


def _all_reports() -> list[secrules.ImpactReport]:
    reports = [secrules.impact(p.id) for p in secrules.proposals() if p.modelled]
    assert {r.id for r in reports} == set(MODELS)  # all nine models, none skipped
    return reports


def test_every_stated_clause_of_every_rule_is_dated():
    checks = check_rulesets()
    entries = rule_catalogue(secrules.proposals(), checks=checks)
    # Every model's rules and every check rule set are walked, not some of them.
    assert {e.proposal for e in entries} == set(MODELS) | set(checks)
    clauses = [(e.rule.id, c) for e in entries for c in e.rule.clauses]
    assert any(c.provenance.value == "stated" for _, c in clauses)
    bad = [
        f"{rule_id}: {clause}"
        for rule_id, clause in clauses
        if clause.provenance.value == "stated" and not _clause_ok(clause)
    ]
    assert not bad, bad


def test_every_stated_assumption_and_reading_cites_a_dated_source():
    bad = []
    stated = 0
    for report in _all_reports():
        for each in report.by_reading:
            assert each.assumptions, report.id
            stated += sum(a.provenance.value == "stated" for a in each.assumptions)
            bad.extend(
                f"{report.id} {a.id}: {a.source!r}"
                for a in each.assumptions
                if a.provenance.value == "stated" and not DATED.search(a.source)
            )
            reading = each.reading
            if (
                reading is not None
                and reading.provenance.value == "stated"
                and not DATED.search(reading.source)
            ):
                bad.append(f"{report.id} reading {reading.id}: {reading.source!r}")
    assert stated  # the check below has something to check
    assert not bad, bad


@pytest.mark.parametrize(
    "row",
    [
        {"provenance": "stated", "source": "SECCo glossary"},
        {"provenance": "stated", "document": "GBCS", "clause": "4.3.3 Cryptographic Primitives"},
    ],
)
def test_an_undated_stated_row_is_caught(row):
    (found,) = [r for r in _rows(row, "", {}) if r[1] is row]
    assert not DATED.search(" ".join(found[2].values()))
    assert DATED.search("SECCo glossary: Commissioned (SEC v27.0)")
