"""MP130: Communications Hub ordering events, before and after MP130's temporary obligations."""

from __future__ import annotations

import json
from importlib import resources

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core import Scenario
from secrules.core.sensitivity import sensitivity
from secrules.errors import DataFileError
from secrules.proposals.mp130 import (
    COMMITMENT_RULE,
    DEFERRAL_RULE,
    MINIMUM_RULE,
    NO_RULE,
    NOT_PERMITTED,
    PERMITTED,
    Mp130Model,
    load_mp130,
)
from secrules.report import as_json
from secrules.sec.ch_ordering import (
    AMENDMENT_RULE,
    DELIVERY_RULE,
    ChEvent,
    ChEventKind,
    load_ch_ordering,
)

PROPOSAL = secrules.get_proposal("MP130")
MODEL = PROPOSAL.require_model()


@st.composite
def events(draw: st.DrawFn) -> ChEvent:
    """Any CH ordering event, with weeks and quantities around the bundled parameters."""
    kind = draw(st.sampled_from(list(ChEventKind)))
    if kind is ChEventKind.ORDER_AMENDMENT:
        return ChEvent(kind, weeks_before_delivery=draw(st.integers(0, 60)))
    if kind is ChEventKind.RESTART_DELIVERY:
        return ChEvent(kind, accepted=draw(st.integers(0, 400)))
    return ChEvent(kind)


def _verdicts(model: Mp130Model, event: ChEvent) -> tuple[str, str]:
    scenario = Scenario({"event": event.kind.value}, subject=event)
    return (
        model.evaluate(scenario, "baseline").verdict,
        model.evaluate(scenario, "proposed").verdict,
    )


def test_impact_changes_four_of_five_events():
    report = secrules.impact("MP130")
    got = [
        (r.scenario["event"], r.scenario["case"], r.baseline.verdict, r.proposed.verdict)
        for r in report.rows
    ]
    assert got == [
        ("deferral request", "deliveries paused", NOT_PERMITTED, PERMITTED),
        ("order amendment", "inside the commitment period", PERMITTED, NOT_PERMITTED),
        ("order amendment", "outside the commitment period", PERMITTED, PERMITTED),
        ("delivery after restart", "accepts at least the minimum", NO_RULE, PERMITTED),
        ("delivery after restart", "accepts less than the minimum", NO_RULE, NOT_PERMITTED),
    ]
    assert report.changed_count == 4
    assert report.out_of_scope_changes == ()
    assert [r.in_scope for r in report.rows] == [True, True, False, True, True]


def test_json_shape_and_assumptions():
    data = json.loads(json.dumps(as_json(secrules.impact("MP130"))))
    assert (data["proposal"], data["total"], data["changed_count"]) == ("MP130", 5, 4)
    assert set(data["rows"][0]["scenario"]) == {"event", "case"}
    ids = [a["id"] for a in data["assumptions"]]
    assert ids == [f"A130-{i}" for i in range(1, 6)]
    text = {a.id: a.text for a in MODEL.assumptions()}
    assert "within 12 weeks" in text["A130-2"]
    assert "at least 100" in text["A130-3"]
    assert "bundled ch_ordering.toml: amendment.frozen_weeks" in text["A130-1"]


def test_the_reform_adds_two_exceptions_and_a_rule():
    sets = MODEL.rulesets()
    base, prop = sets["baseline"], sets["proposed"]
    assert prop.parent is base
    assert base.ids == (DELIVERY_RULE, AMENDMENT_RULE)
    assert prop.ids == (DELIVERY_RULE, AMENDMENT_RULE, DEFERRAL_RULE, COMMITMENT_RULE, MINIMUM_RULE)
    assert prop.rule(DEFERRAL_RULE).exception_to == DELIVERY_RULE
    assert prop.rule(COMMITMENT_RULE).exception_to == AMENDMENT_RULE
    assert not prop.rule(MINIMUM_RULE).is_exception
    for rule_id in (DELIVERY_RULE, AMENDMENT_RULE):
        assert prop.rule(rule_id) is base.rule(rule_id)


def test_assumed_values_are_cited_as_assumed():
    minimum = MODEL.rulesets()["proposed"].rule(MINIMUM_RULE)
    assert {c.provenance.value for c in minimum.clauses} == {"stated", "assumed"}
    assert minimum.provenance.value == "assumed"
    delivery = MODEL.rulesets()["baseline"].rule(DELIVERY_RULE)
    assert delivery.provenance.value == "stated"


@given(events())
def test_regimes_differ_only_inside_the_declared_scope(event):
    baseline, proposed = _verdicts(MODEL, event)
    if not MODEL.in_scope(Scenario({"event": event.kind.value}, subject=event)):
        assert baseline == proposed


@given(st.integers(1, 52), st.integers(0, 60))
def test_an_amendment_is_refused_exactly_inside_the_period(weeks, before):
    model = Mp130Model(attrs.evolve(load_mp130(), commitment_weeks=weeks))
    event = ChEvent(ChEventKind.ORDER_AMENDMENT, weeks_before_delivery=before)
    baseline, proposed = _verdicts(model, event)
    assert baseline == PERMITTED  # A130-1: amendable at any time before MP130
    assert proposed == (NOT_PERMITTED if before < weeks else PERMITTED)


@given(st.integers(1, 500), st.integers(0, 600))
def test_after_restart_the_minimum_decides(minimum, accepted):
    model = Mp130Model(attrs.evolve(load_mp130(), minimum=minimum))
    event = ChEvent(ChEventKind.RESTART_DELIVERY, accepted=accepted)
    assert _verdicts(model, event) == (
        NO_RULE,
        PERMITTED if accepted >= minimum else NOT_PERMITTED,
    )


@given(st.integers(0, 52))
def test_a_baseline_freeze_moves_the_change(frozen):
    """A130-1 explored: orders frozen for ``frozen`` weeks before MP130.

    Up to MP130's own period, the inside-the-period amendment changes only if it comes after the
    old freeze. A longer freeze would make MP130 *relax* the amendment outside its period too,
    a change outside the declared scope: the scope itself rests on A130-1.
    """
    weeks = MODEL.mp130.commitment_weeks
    base = attrs.evolve(load_ch_ordering(), frozen_weeks=frozen)
    report = secrules.core.compute_impact(PROPOSAL, Mp130Model(baseline=base))
    by_case = {r.scenario["case"]: r for r in report.rows}
    inside = by_case["inside the commitment period"]
    outside = by_case["outside the commitment period"]
    assert inside.changed == (weeks - 1 >= frozen)
    assert outside.changed == (frozen > weeks)
    assert report.out_of_scope_changes == ((outside,) if frozen > weeks else ())
    assert report.changed_count == 3 + inside.changed + outside.changed


def test_the_result_depends_on_a130_1_only():
    by_id = {s.assumption: s for s in sensitivity(PROPOSAL)}
    assert set(by_id) == {"A130-1", "A130-2", "A130-3"}
    assert not by_id["A130-1"].robust
    assert dict(by_id["A130-1"].counts)["orders already frozen 12 weeks before delivery"] == 3
    assert by_id["A130-2"].robust
    assert by_id["A130-3"].robust


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("weeks = 12", "weeks = 0", "order_commitment.weeks"),
        ("quantity = 100", "quantity = 0", "restart_minimum.quantity"),
        ("quantity = 100", 'quantity = "many"', "restart_minimum.quantity"),
    ],
)
def test_a_broken_table_names_file_and_key(tmp_path, old, new, key):
    text = resources.files("secrules.data").joinpath("mp130.toml").read_text(encoding="utf-8")
    path = tmp_path / "mp130.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        secrules.impact("MP130", table=path)
    assert key in str(info.value)
    assert str(path) in str(info.value)


def test_cli_impact_with_a_user_table(run_cli, tmp_path):
    text = resources.files("secrules.data").joinpath("mp130.toml").read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text.replace("quantity = 100", "quantity = 250"), encoding="utf-8")
    result = run_cli("impact", "130", "--table", path, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["changed_count"] == 4
    assert any("at least 250" in a["text"] for a in data["assumptions"])
