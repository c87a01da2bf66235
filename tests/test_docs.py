"""The generated documentation is current, and every docs link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import secrules
from secrules.checking import check_rulesets
from secrules.report import render_catalogue, rule_catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_rule_catalogue_page_is_current():
    expected = render_catalogue(rule_catalogue(secrules.proposals(), checks=check_rulesets()), "md")
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "regenerate with: secrules rules --format md -o docs/rules.md"


def test_every_modelled_proposal_has_a_page():
    for proposal in secrules.proposals():
        page = ROOT / "docs" / "proposals" / f"{proposal.id.lower()}.md"
        assert page.exists() == proposal.modelled, proposal.id


def test_relative_links_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_every_rule_paraphrases_its_clause():
    entries = rule_catalogue(secrules.proposals(), checks=check_rulesets())
    assert entries
    for entry in entries:
        assert entry.rule.text, f"{entry.rule.id} has no paraphrased clause text"
