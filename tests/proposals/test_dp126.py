"""DP126: a per-request consent check (assumed) added to DCC access control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core import Outcome
from secrules.core.proposals import Scenario
from secrules.core.sensitivity import sensitivity
from secrules.errors import DataFileError, InvalidValueError
from secrules.proposals.dp126 import CONSENT_RULE, REFUSED, SERVED, Dp126Model, load_dp126
from secrules.sec.data_access import (
    ACCESS_CONTROL,
    COVERAGE_FIELDS,
    Consent,
    DataClass,
    DataRequest,
    rules,
)

PROPOSAL = secrules.get_proposal("DP126")
MODEL = PROPOSAL.require_model()
T0 = datetime(2020, 5, 28, tzinfo=UTC)


def _evaluate(model, request, regime):
    return model.evaluate(Scenario({"case": "drawn"}, subject=request), regime)


def test_impact_changes_exactly_two_rows():
    report = secrules.impact("DP126")
    assert report.total == 12
    changed = {
        (r.scenario["eligible"], r.scenario["data_class"], r.scenario["consent"])
        for r in report.changed_rows
    }
    assert changed == {(True, "consumption", "expired"), (True, "consumption", "absent")}
    for row in report.changed_rows:
        assert (row.baseline.verdict, row.proposed.verdict) == (SERVED, REFUSED)
        assert row.proposed.rule_id == CONSENT_RULE
    assert sum(r.baseline.verdict == SERVED for r in report.rows) == 6
    assert sum(r.proposed.verdict == SERVED for r in report.rows) == 4
    assert report.out_of_scope_changes == ()


def test_reform_adds_the_consent_rule_to_the_domain_rules():
    sets = MODEL.rulesets()
    assert sets["baseline"] is rules()
    assert sets["proposed"].parent is sets["baseline"]
    assert sets["proposed"].ids == (ACCESS_CONTROL, CONSENT_RULE)
    assert sets["proposed"].rule(ACCESS_CONTROL) is sets["baseline"].rule(ACCESS_CONTROL)


def test_assumptions_are_stated_from_the_table():
    text = {a.id: a for a in MODEL.assumptions()}
    assert list(text) == [f"A126-{i}" for i in range(1, 7)]
    assert "covering: mpxn, data class and time" in text["A126-1"].text
    assert "bundled dp126.toml: check.covers" in text["A126-1"].text
    assert text["A126-1"].provenance == "assumed"
    assert text["A126-3"].provenance == "inferred"


@st.composite
def data_requests(draw: st.DrawFn) -> DataRequest:
    """Any request: MPxN, class, time and eligibility, with any consent record or none."""
    mpxns = st.sampled_from(["1000000000001", "1000000000002"])
    at = T0 + timedelta(hours=draw(st.integers(-2000, 2000)))
    consent = None
    if draw(st.booleans()):
        start = T0 + timedelta(hours=draw(st.integers(-3000, 3000)))
        consent = Consent(
            draw(mpxns),
            draw(st.frozensets(st.sampled_from(list(DataClass)))),
            start,
            start + timedelta(hours=draw(st.integers(0, 3000))),
        )
    return DataRequest(
        draw(mpxns), draw(st.sampled_from(list(DataClass))), at, draw(st.booleans()), consent
    )


@st.composite
def checks(draw: st.DrawFn):
    """Any alternative of A126-1 (the fields covered) and A126-2 (the personal classes)."""
    base = load_dp126()
    return attrs.evolve(
        base,
        covers=tuple(draw(st.lists(st.sampled_from(COVERAGE_FIELDS), unique=True))),
        personal_classes=draw(st.frozensets(st.sampled_from(list(DataClass)))),
    )


@given(data_requests(), checks())
def test_the_check_only_ever_refuses_an_eligible_personal_request_it_cannot_cover(request, check):
    model = Dp126Model(check)
    base = _evaluate(model, request, "baseline")
    prop = _evaluate(model, request, "proposed")
    assert base.outcome is (Outcome.PASS if request.eligible else Outcome.FAIL)
    if prop.outcome is Outcome.PASS:
        assert base.outcome is Outcome.PASS  # the check never loosens access control (A126-4)
    covered = request.consent is not None and request.consent.gap(request, check.covers) is None
    inside = request.eligible and request.data_class in check.personal_classes and not covered
    assert (base.verdict != prop.verdict) == inside


def test_sensitivity_to_each_assumption_is_computed():
    found = {s.assumption: s for s in sensitivity(PROPOSAL)}
    assert set(found) == {"A126-1", "A126-2"}
    for s in found.values():
        assert not s.robust
    # Changed rows: each personal class, for "absent", and for "expired" when time is covered.
    for label, count in found["A126-1"].counts:
        assert count == 1 + ("time" in label), label
    assert dict(found["A126-2"].counts) == {
        "personal: none": 0,
        "personal: consumption": 2,
        "personal: non-personal": 2,
        "personal: consumption, non-personal": 4,
    }


def test_every_variation_keeps_its_changes_inside_its_scope():
    for variation in MODEL.variations():
        model = variation.build()
        for scenario in model.scenarios():
            base = model.evaluate(scenario, "baseline")
            prop = model.evaluate(scenario, "proposed")
            assert (base.verdict != prop.verdict) == model.in_scope(scenario), variation.label


def test_consent_window_is_inclusive_and_fields_are_checked():
    consent = Consent("1", {"consumption"}, T0, T0 + timedelta(days=1))
    at_end = DataRequest("1", "consumption", T0 + timedelta(days=1), True, consent)
    assert consent.gap(at_end) is None
    later = DataRequest("1", "consumption", T0 + timedelta(days=2), True, consent)
    assert "expired" in (consent.gap(later) or "")
    assert consent.gap(later, ("mpxn", "data_class")) is None
    other = DataRequest("2", "non-personal", T0, True, consent)
    assert "MPxN" in (consent.gap(other) or "")
    with pytest.raises(InvalidValueError, match="unknown consent field"):
        consent.gap(at_end, ("colour",))
    with pytest.raises(InvalidValueError, match="aware datetime"):
        DataRequest("1", "consumption", datetime(2020, 1, 1), True)  # noqa: DTZ001
    with pytest.raises(InvalidValueError, match="unknown data class"):
        DataRequest("1", "gas", T0, True)


def test_a_broken_table_names_file_and_key(tmp_path):
    text = resources.files("secrules.data").joinpath("dp126.toml").read_text(encoding="utf-8")
    path = tmp_path / "dp126.toml"
    path.write_text(text.replace('covers = ["mpxn"', 'covers = ["postcode"'), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        MODEL.with_table(path)
    assert info.value.key == "check.covers[0]"
    path.write_text(text.replace('= ["consumption"]', '= ["gas"]'), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_dp126(path)
    assert info.value.key == "check.personal_classes[0]"
