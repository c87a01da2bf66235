"""DP132: withdrawn, so baseline = proposed; the pinned DLMS editions and the CPL CTT rule."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core import Outcome
from secrules.core.proposals import Scenario
from secrules.core.sensitivity import sensitivity
from secrules.gbcs.dlms_references import EDITION_RULE, EditionReference, load_dlms_references
from secrules.proposals.dp132 import Dp132Model
from secrules.sec.cpl import CPL_RULE, CplSubmission, load_ctt_policy

PROPOSAL = secrules.get_proposal("DP132")
MODEL = PROPOSAL.require_model()
CTT = load_ctt_policy()
BOOKS = load_dlms_references().books
CUTOFF = date(2020, 3, 3)


def _evaluate(model, subject, regime):
    return model.evaluate(Scenario({"case": "drawn"}, subject=subject), regime)


def test_impact_is_zero_of_fifteen():
    report = secrules.impact("DP132")
    assert report.total == 15
    assert report.changed_count == 0
    verdicts = {(r.scenario["item"], r.scenario["detail"]): r.baseline.outcome for r in report.rows}
    assert verdicts[("Green Book", "Ed. 8")] is Outcome.PASS
    assert verdicts[("Blue Book", "Ed. 12.0")] is Outcome.PASS
    assert verdicts[("Green Book", "Ed. 9")] is Outcome.FAIL
    assert verdicts[("CTT 3.0", "tested 2020-03-02")] is Outcome.PASS
    assert verdicts[("CTT 3.0", "tested 2020-03-03")] is Outcome.FAIL  # A132-2
    statuses = {r.scenario["detail"]: r.scenario["status"] for r in report.rows}
    assert statuses["Ed. 9"] == statuses["Ed. 13"] == "DP132 target: never adopted"


def test_the_proposed_set_is_derived_and_changes_nothing():
    sets = MODEL.rulesets()
    base, prop = sets["baseline"], sets["proposed"]
    assert prop.parent is base
    assert prop.ids == base.ids == (EDITION_RULE, CPL_RULE)
    assert all(prop.rule(i) is base.rule(i) for i in base.ids)


@st.composite
def subjects(draw: st.DrawFn) -> object:
    """Any CPL submission (any CTT text or none, any test date) or any reference to a book."""
    if draw(st.booleans()):
        ctt = draw(st.sampled_from(["3.1", "3.0", "2.0", None]))
        return CplSubmission(ctt, CUTOFF + timedelta(days=draw(st.integers(-800, 800))))
    book = draw(st.sampled_from(sorted(BOOKS)))
    edition = draw(st.sampled_from(["Ed. 8", "Ed. 8.3", "Ed. 9", "Ed. 12.0", "Ed. 12.2", "Ed. 13"]))
    return EditionReference(book, edition)


@given(subjects(), st.booleans())
def test_identical_verdicts_for_every_input(subject, boundary):
    model = Dp132Model(attrs.evolve(CTT, boundary_accepted=boundary))
    assert _evaluate(model, subject, "baseline") == _evaluate(model, subject, "proposed")


@given(st.sampled_from(["3.1", "3.0", None]), st.integers(-400, 400), st.booleans())
def test_the_cpl_rule(ctt, days, boundary):
    model = Dp132Model(attrs.evolve(CTT, boundary_accepted=boundary))
    tested = CUTOFF + timedelta(days=days)
    finding = _evaluate(model, CplSubmission(ctt, tested), "baseline")
    assert finding.rule_id == CPL_RULE
    accepted = ctt == "3.1" or (ctt == "3.0" and (days < 0 or (days == 0 and boundary)))
    assert (finding.outcome is Outcome.PASS) == accepted


def test_robust_to_the_boundary_assumption():
    (found,) = sensitivity(PROPOSAL)
    assert found.assumption == "A132-2"
    assert found.robust
    assert found.alternatives == 2
    assert "the same 0 changed rows" in found.describe(0)


def test_assumption_a132_2_is_stated_from_the_table():
    text = {a.id: a.text for a in MODEL.assumptions()}
    assert text["A132-2"].startswith("A CTT 3.0 certificate for a Device tested on 2020-03-03")
    assert "bundled cpl_ctt.toml: boundary.accepted" in text["A132-2"]
