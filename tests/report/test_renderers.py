from __future__ import annotations

import html.parser
import json

import attrs
import pytest

import secrules
from secrules.core import Finding, Outcome
from secrules.report import (
    FileFindings,
    render_catalogue,
    render_findings,
    render_impact,
    rule_catalogue,
)

DP133 = secrules.impact("DP133")


def test_text_shows_changed_rows_assumptions_and_scope():
    text = render_impact([DP133], "text")
    assert "3 of 1270 scenarios change (all inside the declared scope)" in text
    assert "roles=ES,RSA part=G10" in text
    assert "A133-3 [assumed]" in text
    assert "roles=IS part=G3" not in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_text_all_rows_marks_changes():
    text = render_impact([DP133], "text", all_rows=True)
    assert "roles=IS part=G3" in text
    assert sum(1 for line in text.splitlines() if line.endswith("*")) == 3


def test_markdown_table():
    md = render_impact([DP133], "md")
    assert md.startswith("## DP133: Consequential changes to SEC Section G")
    assert "| roles | part | baseline | proposed | changed |" in md
    assert "| ES, RSA | G10 | does not apply | applies | **yes** |" in md
    assert "- **A133-3** [assumed]" in md


def test_json_single_and_multiple():
    single = json.loads(render_impact([DP133], "json"))
    assert single["proposal"] == "DP133"
    # All nine are modelled now; an item without a model is still named, never shown as a result.
    unmodelled = [attrs.evolve(secrules.get_proposal("DP126"), factory=None)]
    multi = json.loads(render_impact([DP133], "json", not_modelled=unmodelled))
    assert [r["proposal"] for r in multi["reports"]] == ["DP133"]
    assert [p["proposal"] for p in multi["not_modelled"]] == [p.id for p in unmodelled]


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_a_standalone_escaped_page():
    page = render_impact([DP133], "html")
    assert page.startswith("<!DOCTYPE html>")
    parser = _Collector()
    parser.feed(page)
    assert page.count('<section class="proposal"') == 1
    assert "does not apply" in "".join(parser.text)
    assert "{Export Supplier, Registered Supplier Agent}" in page
    assert page.count('<tr class="changed"') == 3


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown impact format"):
        render_impact([DP133], "pdf")


def test_findings_text_and_json():
    clause = DP133.rows[0].baseline.clauses[0]
    findings = (
        Finding("x.pass", Outcome.PASS, "fine", (clause,)),
        Finding("x.fail", Outcome.FAIL, "broken", (clause,), path="entries[0].enable", offset=7),
    )
    results = [FileFindings("a.hex", "A-XDR Data", findings)]
    text = render_findings(results, "text", regime="proposed")
    assert "a.hex: A-XDR Data, 2 findings, 1 failed (proposed)" in text
    assert "  FAIL       x.fail at entries[0].enable, offset 7: broken" in text
    data = json.loads(render_findings(results, "json", regime="baseline"))
    assert data["failed"] == 1
    assert data["files"][0]["findings"][1]["offset"] == 7


def test_catalogue_formats():
    entries = rule_catalogue(secrules.proposals())
    ids = {(e.proposal, e.rule.id) for e in entries}
    assert ("DP133", "sec.g1-7.es-rsa-limit") in ids
    md = render_catalogue(entries, "md")
    assert "### `sec.g1-7.es-rsa-limit` (baseline)" in md
    assert "### `sec.g1-7.es-rsa-limit` (proposed)" in md
    data = json.loads(render_catalogue(entries, "json"))
    assert all(entry["clauses"] for entry in data)
    assert "sec.g.user-parts" in render_catalogue(entries, "text")


def test_findings_quiet_and_clause_lines():
    clause = DP133.rows[0].baseline.clauses[0]
    findings = (
        Finding("x.pass", Outcome.PASS, "fine", (clause,)),
        Finding("x.na", Outcome.NOT_APPLICABLE, "n/a", (clause,)),
        Finding("x.unknown", Outcome.INDETERMINATE, "unknown", (clause,)),
    )
    results = [FileFindings("a.hex", "A-XDR Data", findings)]
    loud = render_findings(results, "text", regime="proposed")
    assert loud.count("[SEC Section G") == 1  # only the indeterminate finding cites its clause
    quiet = render_findings(results, "text", regime="proposed", quiet=True)
    assert "x.pass" not in quiet
    assert "x.na" not in quiet
    assert "x.unknown" in quiet


def test_several_reports_get_a_summary_table_and_readable_booleans():
    reports = [secrules.impact(p.id) for p in secrules.proposals() if p.modelled]
    md = render_impact(reports, "md")
    assert md.startswith("| proposal | title | changed | status |")
    assert "| DP133 | Consequential changes to SEC Section G | 3 of 1270 |" in md
    page = render_impact(reports, "html")
    assert '<a href="#DP133">DP133</a>' in page
    assert ">True<" not in page
    assert "| True |" not in md
    single = render_impact([DP133], "md")
    assert single.startswith("## DP133")
