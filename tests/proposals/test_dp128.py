"""DP128 / MP128A: a Gas Network Operator's exit, before and after MP128A, and orphaned Devices."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import secrules
from secrules.core import Outcome, Scenario
from secrules.core.sensitivity import sensitivity
from secrules.errors import DataFileError
from secrules.proposals.dp128 import (
    DUTY_MET,
    DUTY_NOT_MET,
    EXCEPTION_RULE,
    NO_DUTY,
    Dp128Model,
    load_mp128a,
)
from secrules.report import as_json
from secrules.sec import UserRole
from secrules.sec.smki import (
    ANCHOR_RULE,
    EXIT_RULE,
    Anchor,
    OperatorFleet,
    SubscriberExit,
    anchor_findings,
    anchor_rule,
    exit_rules,
)

PROPOSAL = secrules.get_proposal("MP128A")
MODEL = PROPOSAL.require_model()


def _verdicts(model: Dp128Model, subject: SubscriberExit) -> tuple[str, str]:
    scenario = Scenario({"exit": "drawn"}, subject=subject)
    return (
        model.evaluate(scenario, "baseline").verdict,
        model.evaluate(scenario, "proposed").verdict,
    )


def test_impact_changes_six_of_six():
    report = secrules.impact("DP128")
    assert report.total == 6
    assert report.changed_count == 6
    assert report.out_of_scope_changes == ()
    got = {
        (row.scenario["crr_submitted"], row.scenario["replaced_by_acb"]): (
            row.baseline.verdict,
            row.proposed.verdict,
            row.scenario["orphaned"],
        )
        for row in report.rows
    }
    assert got == {
        (True, "all"): (NO_DUTY, DUTY_MET, False),
        (True, "some"): (NO_DUTY, DUTY_NOT_MET, True),
        (True, "none"): (NO_DUTY, DUTY_NOT_MET, True),
        (False, "all"): (NO_DUTY, DUTY_NOT_MET, False),
        (False, "some"): (NO_DUTY, DUTY_NOT_MET, True),
        (False, "none"): (NO_DUTY, DUTY_NOT_MET, True),
    }


def test_json_shape():
    data = json.loads(json.dumps(as_json(secrules.impact("DP128"))))
    assert (data["proposal"], data["total"], data["changed_count"]) == ("DP128", 6, 6)
    assert set(data["rows"][0]["scenario"]) == {"crr_submitted", "replaced_by_acb", "orphaned"}
    assumed = {a["id"] for a in data["assumptions"] if a["provenance"] == "assumed"}
    assert {"A128-4", "A128-5"} <= assumed


def test_assumptions_are_a128_1_to_6_and_state_the_tables():
    text = {a.id: a.text for a in MODEL.assumptions()}
    assert list(text) == [f"A128-{i}" for i in range(1, 7)]
    assert "has no duty on its Organisation Certificates" in text["A128-1"]
    assert "bundled smki_certificates.toml: subscriber_exit" in text["A128-1"]
    assert "submit a Certificate Revocation Request and replace" in text["A128-2"]
    assert "2 Devices" in text["A128-5"]


def test_the_reform_adds_an_exception_and_keeps_the_base_rule():
    sets = MODEL.rulesets()
    base, prop = sets["baseline"], sets["proposed"]
    assert prop.parent is base
    assert base.ids == (EXIT_RULE,)
    assert prop.rule(EXIT_RULE) is base.rule(EXIT_RULE)
    assert prop.rule(EXCEPTION_RULE).exception_to == EXIT_RULE
    assert base.rule(EXIT_RULE).clauses == exit_rules().rule(EXIT_RULE).clauses


def test_findings_cite_mp128a_as_stated():
    row = next(r for r in secrules.impact("DP128").rows if r.scenario["replaced_by_acb"] == "all")
    assert row.proposed.rule_id == EXCEPTION_RULE
    assert "sec.mp128a" in {c.id for c in row.proposed.clauses}
    assert {c.provenance.value for c in row.proposed.clauses} == {"stated"}
    assert row.baseline.rule_id == EXIT_RULE
    assert {c.provenance.value for c in row.baseline.clauses} == {"inferred"}


def test_state_findings_name_each_orphaned_device():
    scenario = next(s for s in MODEL.scenarios() if s["replaced_by_acb"] == "some")
    findings = MODEL.state_findings(scenario)
    assert [f.rule_id for f in findings] == [ANCHOR_RULE, ANCHOR_RULE]
    assert sorted(f.verdict for f in findings) == ["orphaned", "replaceable"]


def test_the_result_depends_on_a128_1_not_on_the_fleet():
    by_id = {s.assumption: s for s in sensitivity(PROPOSAL)}
    assert set(by_id) == {"A128-1", "A128-5"}
    assert dict(by_id["A128-1"].counts) == {
        "baseline already required a CRR": 2,
        "baseline already required replacement by the ACB": 1,
        "baseline already required both": 0,
    }
    assert not by_id["A128-1"].robust
    assert by_id["A128-5"].robust
    assert by_id["A128-5"].alternatives == 3


anchors = st.lists(st.sampled_from(list(Anchor)), max_size=6).map(tuple)


@given(st.sampled_from(list(UserRole)), st.booleans(), anchors)
def test_regimes_differ_only_for_a_gas_network_operator(role, crr, devices):
    """MP128A's exception is for GNOs: any other Subscriber's exit keeps its verdict."""
    subject = SubscriberExit(role, crr, devices)
    baseline, proposed = _verdicts(MODEL, subject)
    assert baseline == NO_DUTY
    if role is UserRole.GAS_TRANSPORTER:
        met = crr and Anchor.NETWORK_OPERATOR not in devices
        assert proposed == (DUTY_MET if met else DUTY_NOT_MET)
    else:
        assert proposed == baseline


@given(st.booleans(), anchors)
def test_orphaned_devices_are_those_still_anchored_to_the_operator(crr, devices):
    subject = SubscriberExit(UserRole.GAS_TRANSPORTER, crr, devices)
    failed = [f for f in anchor_findings(subject) if f.outcome is Outcome.FAIL]
    assert len(failed) == devices.count(Anchor.NETWORK_OPERATOR) == subject.remaining


class GnoLifecycle(RuleBasedStateMachine):
    """A GNO installs Devices, re-anchors some to the ACB, perhaps sends a CRR, and leaves.

    Both rule sets judge the exit; the orphaned finding is one for both regimes, and nothing a
    GNO does after leaving changes its Devices.
    """

    def __init__(self) -> None:
        super().__init__()
        self.fleet = OperatorFleet()
        self.exit: SubscriberExit | None = None

    @rule()
    def install(self) -> None:
        before = self.fleet
        self.fleet = self.fleet.install()
        if not before.dcc_user:
            assert self.fleet == before

    @rule(data=st.data())
    def replace(self, data: st.DataObject) -> None:
        if not self.fleet.anchors:
            return
        index = data.draw(st.integers(0, len(self.fleet.anchors) - 1))
        before = self.fleet
        self.fleet = self.fleet.replace(index)
        if before.dcc_user:
            assert self.fleet.anchors[index] is Anchor.ACB
        else:
            assert self.fleet == before  # only while it is a DCC User

    @rule()
    def submit_crr(self) -> None:
        self.fleet = self.fleet.submit_crr()

    @precondition(lambda self: self.exit is None)
    @rule()
    def leave(self) -> None:
        self.fleet, self.exit = self.fleet.leave()

    @invariant()
    def exit_verdicts_follow_the_duty(self) -> None:
        if self.exit is None:
            return
        baseline, proposed = _verdicts(MODEL, self.exit)
        assert baseline == NO_DUTY
        met = self.exit.crr_submitted and self.exit.remaining == 0
        assert proposed == (DUTY_MET if met else DUTY_NOT_MET)

    @invariant()
    def orphaned_means_anchored_to_a_party_that_left(self) -> None:
        orphaned = [
            f.verdict for device in self.fleet.devices() for f in anchor_rule().evaluate(device)
        ].count("orphaned")
        expected = 0 if self.fleet.dcc_user else self.fleet.anchors.count(Anchor.NETWORK_OPERATOR)
        assert orphaned == expected
        if self.exit is not None:
            assert self.fleet.anchors == self.exit.anchors  # frozen once it has left
            assert orphaned == len([f for f in anchor_findings(self.exit) if f.failed])


GnoLifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=12)
TestGnoLifecycle = GnoLifecycle.TestCase


def _write(tmp_path, old: str, new: str):
    text = resources.files("secrules.data").joinpath("dp128.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "dp128.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("some = 1", "some = 0", "fleet.some"),
        ("devices = 2", "devices = 1", "fleet.devices"),
        (
            "crr_required = true\nreplace_required = true",
            "crr_required = false\nreplace_required = false",
            "exit_duty",
        ),
    ],
)
def test_a_broken_table_names_file_and_key(tmp_path, old, new, key):
    path = _write(tmp_path, old, new)
    with pytest.raises(DataFileError) as info:
        Dp128Model(load_mp128a(path))
    assert key in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("fmt", "marker"), [("md", "## DP128"), ("html", "orphaned")])
def test_cli_formats(run_cli, fmt, marker):
    result = run_cli("impact", "MP128A", "--format", fmt)
    assert result.code == 0, result.err
    assert marker in result.out
