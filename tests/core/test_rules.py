from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core import ClauseRef, Finding, Outcome, Rule, RuleSet, Verdict
from secrules.errors import InvalidValueError, RuleOverrideError, SecrulesError
from secrules.report import as_json

CLAUSE = ClauseRef("SEC Section G", "G1.7", "v27.0", "stated")


def make_rule(rule_id: str, outcome: Outcome = Outcome.PASS) -> Rule:
    return Rule(rule_id, f"rule {rule_id}", (CLAUSE,), lambda _s: Verdict(outcome, rule_id))


def test_rule_without_clause_does_not_construct():
    with pytest.raises(InvalidValueError, match="at least one ClauseRef"):
        Rule("x.y", "no clause", (), lambda _s: Verdict(Outcome.PASS, ""))


def test_rule_clauses_must_be_clause_refs():
    with pytest.raises(InvalidValueError):
        Rule("x.y", "t", ("G1.7",), lambda _s: Verdict(Outcome.PASS, ""))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", " x", "a b"])
def test_rule_id_must_be_a_token(bad):
    with pytest.raises(InvalidValueError):
        make_rule(bad)


def test_clause_ref_rejects_unknown_provenance_and_blanks():
    with pytest.raises(InvalidValueError, match="provenance"):
        ClauseRef("GBCS", "4.3.3.2", "v3.2", "certain")
    with pytest.raises(InvalidValueError):
        ClauseRef("", "4.3.3.2", "v3.2", "stated")
    with pytest.raises(InvalidValueError, match="version"):
        ClauseRef("GBCS", "4.3.3.2", "  ", "stated")
    assert str(CLAUSE) == "SEC Section G G1.7 (v27.0, stated)"


def test_rule_evaluate_wraps_verdicts_with_id_and_clauses():
    rule = Rule(
        "r.multi",
        "two verdicts",
        (CLAUSE,),
        lambda _s: [
            Verdict(Outcome.PASS, "a", path="x"),
            Verdict(Outcome.FAIL, "b", path="y", offset=3),
        ],
    )
    findings = rule.evaluate(None)
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.FAIL]
    assert all(f.rule_id == "r.multi" and f.clauses == (CLAUSE,) for f in findings)
    assert findings[1].offset == 3


def test_rule_provenance_is_the_weakest_clause():
    assumed = ClauseRef("SEC Section G", "G1.7 list", "v27.0", "assumed")
    rule = Rule("r", "t", (CLAUSE, assumed), lambda _s: Verdict(Outcome.PASS, ""))
    assert rule.provenance == "assumed"


def test_derive_never_changes_parent():
    base = RuleSet.of("base", [make_rule("a"), make_rule("b")])
    before = (base.ids, [r.id for r in base], base.evaluate(None))
    derived = base.derive(
        "derived",
        replace=[make_rule("a", Outcome.FAIL)],
        add=[make_rule("c")],
        neutralise=["b"],
    )
    assert (base.ids, [r.id for r in base], base.evaluate(None)) == before
    assert derived.ids == ("a", "b", "c")
    assert [r.id for r in derived] == ["a", "b", "c"]
    assert len(derived) == 3
    assert [r.id for r in derived.active()] == ["a", "c"]
    assert derived.is_neutralised("b")
    outcomes = {f.rule_id: f.outcome for f in derived.evaluate(None)}
    assert outcomes == {"a": Outcome.FAIL, "b": Outcome.NOT_APPLICABLE, "c": Outcome.PASS}
    assert derived.lineage() == ("derived", "base")
    assert derived.parent is base


def test_override_of_unknown_rule_names_both_sides():
    base = RuleSet.of("DP133 baseline", [make_rule("a")])
    with pytest.raises(RuleOverrideError) as info:
        base.derive("DP133 proposed", replace=[make_rule("zz")])
    message = str(info.value)
    assert "'DP133 proposed'" in message
    assert "'DP133 baseline'" in message
    assert "'zz'" in message
    assert isinstance(info.value, SecrulesError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"neutralise": ["zz"]}, "neutralises rule 'zz'"),
        ({"add": [make_rule("a")]}, "adds rule 'a'"),
        ({"replace": [make_rule("a"), make_rule("a")]}, "more than once"),
        ({"replace": [make_rule("a")], "neutralise": ["a"]}, "more than once"),
    ],
)
def test_ambiguous_derivations_fail(kwargs, fragment):
    base = RuleSet.of("base", [make_rule("a")])
    with pytest.raises(RuleOverrideError, match=fragment):
        base.derive("child", **kwargs)


def test_duplicate_rule_in_base_set_names_both():
    with pytest.raises(RuleOverrideError, match="twice"):
        RuleSet.of("base", [make_rule("a"), make_rule("a")])


def test_unknown_rule_lookup_is_a_secrules_error():
    base = RuleSet.of("base", [make_rule("a")])
    with pytest.raises(RuleOverrideError):
        base.rule("nope")
    with pytest.raises(RuleOverrideError):
        base.evaluate(None, "nope")


ids = st.lists(st.from_regex(r"[a-z]{1,4}\.[a-z]{1,4}", fullmatch=True), unique=True, max_size=8)


@given(ids, st.data())
def test_any_derivation_leaves_parent_intact(rule_ids, data):
    base = RuleSet.of("base", [make_rule(i) for i in rule_ids])
    snapshot = (base.ids, [(f.rule_id, f.outcome) for f in base.evaluate(None)])
    replace = data.draw(st.lists(st.sampled_from(rule_ids), unique=True)) if rule_ids else []
    rest = [i for i in rule_ids if i not in replace]
    neutralise = data.draw(st.lists(st.sampled_from(rest), unique=True)) if rest else []
    child = base.derive(
        "child",
        replace=[make_rule(i, Outcome.FAIL) for i in replace],
        neutralise=neutralise,
    )
    assert (base.ids, [(f.rule_id, f.outcome) for f in base.evaluate(None)]) == snapshot
    assert child.ids == base.ids
    for finding in child.evaluate(None):
        if finding.rule_id in replace:
            assert finding.outcome is Outcome.FAIL
        elif finding.rule_id in neutralise:
            assert finding.outcome is Outcome.NOT_APPLICABLE
        else:
            assert finding.outcome is Outcome.PASS


def test_finding_as_json():
    f = Finding("r", Outcome.FAIL, "m", (CLAUSE,), path="entries[1].begin_date", offset=104)
    as_dict = as_json(f)
    assert as_dict["outcome"] == "fail"
    assert as_dict["verdict"] == "fail"
    assert (as_dict["path"], as_dict["offset"]) == ("entries[1].begin_date", 104)
    assert as_dict["clauses"][0]["provenance"] == "stated"
    labelled = Finding("r", Outcome.PASS, "m", (CLAUSE,), label="applies")
    assert labelled.verdict == "applies"
    assert as_json(labelled)["outcome"] == "pass"


def _rule_of(rule_id, outcome, *, many=False, exception_to=None, when=None):
    """A rule returning one verdict, or a list of two (the general path of Rule.evaluate)."""

    def fn(subject):
        verdict = Verdict(outcome, f"{rule_id} on {subject}", path="p", offset=subject)
        return [verdict, Verdict(outcome, "second", label="x")] if many else verdict

    return Rule(rule_id, f"rule {rule_id}", (CLAUSE,), fn, exception_to=exception_to, when=when)


@given(ids, st.data(), st.integers(0, 300))
def test_evaluating_a_set_is_evaluating_each_base_rule(rule_ids, data, subject):
    """evaluate() (its plan made once per set) gives, in order, what each base rule gives when
    asked for by id: exceptions decide in place of their base, neutralised rules say so."""
    outcomes = st.sampled_from(list(Outcome))
    base = RuleSet.of(
        "base", [_rule_of(i, data.draw(outcomes), many=data.draw(st.booleans())) for i in rule_ids]
    )
    exceptions = []
    if rule_ids:
        target = data.draw(st.sampled_from(rule_ids))
        exceptions = [
            _rule_of("exc.even", Outcome.FAIL, exception_to=target, when=lambda n: n % 2 == 0)
        ]
    neutralise = data.draw(st.lists(st.sampled_from(rule_ids), unique=True)) if rule_ids else []
    child = base.derive("child", add=exceptions, neutralise=neutralise)
    for rules in (base, child, child.derive("grandchild", neutralise=[e.id for e in exceptions])):
        expected = [
            f
            for rid in rules.ids
            if not rules.rule(rid).is_exception
            for f in rules.evaluate(subject, rid)
        ]
        assert rules.evaluate(subject) == expected
        assert rules.evaluate(subject) == expected  # the plan, once made, is reused
