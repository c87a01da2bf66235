"""Properties every modelled proposal must have, whatever it models."""

from __future__ import annotations

import json

import pytest

import secrules
from secrules.core import Outcome, RuleSet

MODELLED = [p.id for p in secrules.proposals() if p.modelled]


@pytest.fixture(scope="module", params=MODELLED)
def report(request):
    return secrules.impact(request.param)


def test_regimes_differ_only_inside_declared_scope(report):
    for each in report.by_reading:  # under every reading of the baseline
        assert each.total > 0
        assert each.out_of_scope_changes == ()
    if "withdrawn" in report.proposal.status:
        # a withdrawn proposal changes nothing, under any reading
        assert all(each.changed_count == 0 for each in report.by_reading)
    else:
        # a modelled proposal changes something, under at least one reading
        assert any(each.changed_count > 0 for each in report.by_reading)


def test_every_row_is_evaluated_deterministically(report):
    model = report.model
    for row in report.rows[:: max(1, report.total // 50)]:
        assert model.evaluate(row.scenario, "baseline") == row.baseline
        assert model.evaluate(row.scenario, "proposed") == row.proposed


def test_scenarios_are_distinct_and_json_ready(report):
    params = [json.dumps(row.scenario.as_dict(), sort_keys=True) for row in report.rows]
    assert len(set(params)) == len(params)


def test_findings_cite_clauses(report):
    for row in report.rows:
        for finding in (row.baseline, row.proposed):
            assert finding.clauses, finding
            assert isinstance(finding.outcome, Outcome)


def test_proposed_is_derived_from_baseline(report):
    sets = report.model.rulesets()
    assert set(sets) == {"baseline", "proposed"}
    assert isinstance(sets["baseline"], RuleSet)
    assert sets["proposed"] is not sets["baseline"]
    assert sets["baseline"] in _ancestors(sets["proposed"].parent)


def _ancestors(ruleset):
    out = []
    current = ruleset
    while current is not None:
        out.append(current)
        current = current.parent
    return out


def test_report_lists_assumptions(report):
    assert report.assumptions
