"""Sensitivity of each modelled proposal to the alternatives its model declares."""

from __future__ import annotations

import json

import pytest

import secrules
from secrules.core.sensitivity import sensitivity
from secrules.report import as_json, render_impact

# DP133's 32 alternatives to A133-3 are checked in tests/proposals/test_dp133.py (through
# Dp133Model.variations); a full sensitivity() over 32 x 1270 rows is too slow for the suite.


@pytest.fixture(scope="module")
def dp125():
    return secrules.impact("DP125", sensitivity=True)


def test_dp125_depends_on_a125_4_not_on_the_era(dp125):
    found = {s.assumption: s for s in dp125.sensitivity}
    assert set(found) == {"A125-4", "A125-8"}
    assert found["A125-8"].robust
    statuses = found["A125-4"]
    assert statuses.differing == ("also Commissioned",)
    assert dict(statuses.counts)["also Commissioned"] == 1
    assert statuses.describe(2).startswith(
        "depends on A125-4: the changed rows differ under 1 of 4"
    )


def test_dp131_depends_on_the_conflict_mapping():
    (result,) = sensitivity(secrules.get_proposal("DP131"))
    assert result.assumption == "A131-2"
    assert result.alternatives == 3
    assert result.differing == (
        "only the week definition (exec_weekdays)",
        "only the date range (begin_date, end_date)",
    )


def test_a_variation_never_mutates_the_model_it_came_from():
    model = secrules.get_proposal("DP131").require_model()
    before = secrules.impact("DP131")
    for variation in model.variations():
        variation.build()
    after = secrules.impact("DP131")
    assert [r.proposed.verdict for r in after.rows] == [r.proposed.verdict for r in before.rows]


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_reports_show_one_line_per_assumption(fmt, dp125):
    out = render_impact([dp125], fmt)
    assert "robust to A125-8: the same 2 changed rows under all 2 alternatives" in out
    assert "depends on A125-4" in out


def test_json_sensitivity_shape(dp125):
    data = json.loads(json.dumps(as_json(dp125)))
    entries = {e["assumption"]: e for e in data["sensitivity"]}
    assert set(entries) == {"A125-4", "A125-8"}
    assert entries["A125-8"]["robust"] is True
    first = entries["A125-4"]["alternatives"][0]
    assert set(first) == {"label", "changed_count", "same"}
    assert [a["same"] for a in entries["A125-4"]["alternatives"]] == [True, True, True, False]
    assert entries["A125-4"]["text"].startswith("depends on A125-4")


def test_cli_reports_sensitivity(run_cli):
    result = run_cli("impact", "DP131")
    assert result.code == 0
    assert "depends on A131-2: the changed rows differ under 2 of 3 alternatives" in result.out
