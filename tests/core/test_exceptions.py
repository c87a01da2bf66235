"""Catala-style exceptions to labelled rules, and the one decision procedure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core import ClauseRef, Outcome, Rule, RuleSet, Verdict
from secrules.core.rules import ALL_MUST_PASS, WORST, decide
from secrules.errors import InvalidValueError, RuleConflictError, RuleOverrideError

CLAUSE = ClauseRef("SEC Section G", "G1.7", "v27.0", "stated")
OTHER = ClauseRef("SEC Section G", "G10", "v27.0", "inferred")


def rule(ident: str, outcome: Outcome = Outcome.PASS, **kwargs) -> Rule[int]:
    return Rule(ident, ident, (CLAUSE,), lambda _n: Verdict(outcome, ident), **kwargs)


BASE = rule("base")
EVEN = rule("even", Outcome.FAIL, exception_to="base", when=lambda n: n % 2 == 0)
BIG = rule("big", Outcome.NOT_APPLICABLE, exception_to="base", when=lambda n: n > 100)


@given(st.integers(-1000, 1000))
def test_an_applicable_exception_decides_in_place_of_its_base(n):
    rules = RuleSet.of("r", [BASE, EVEN])
    findings = rules.evaluate(n)
    assert len(findings) == 1
    assert findings[0].rule_id == ("even" if n % 2 == 0 else "base")


@given(st.integers(-1000, 1000))
def test_two_applicable_exceptions_conflict_naming_both(n):
    rules = RuleSet.of("r", [BASE, EVEN, BIG])
    if n % 2 == 0 and n > 100:
        with pytest.raises(RuleConflictError, match="'even' and 'big'"):
            rules.evaluate(n)
    else:
        expected = "even" if n % 2 == 0 else "big" if n > 100 else "base"
        assert [f.rule_id for f in rules.evaluate(n)] == [expected]


def test_an_exception_is_added_by_derivation_without_touching_the_base():
    base = RuleSet.of("baseline", [BASE])
    reformed = base.derive("proposed", add=[EVEN])
    assert base.evaluate(2)[0].rule_id == "base"
    assert reformed.evaluate(2)[0].rule_id == "even"
    assert reformed.exceptions_to("base") == (EVEN,)


def test_a_neutralised_exception_no_longer_applies():
    rules = RuleSet.of("r", [BASE, EVEN]).derive("off", neutralise=["even"])
    assert [f.rule_id for f in rules.evaluate(2)] == ["base"]


def test_an_exception_needs_its_base_and_a_condition():
    with pytest.raises(RuleOverrideError, match="'even' is an exception to 'base'"):
        RuleSet.of("r", [EVEN])
    with pytest.raises(InvalidValueError, match="both exception_to= and when="):
        rule("x", exception_to="base")
    with pytest.raises(InvalidValueError, match="both exception_to= and when="):
        rule("x", when=lambda _n: True)
    with pytest.raises(RuleOverrideError, match="itself an exception"):
        RuleSet.of("r", [BASE, EVEN, rule("z", exception_to="even", when=lambda _n: True)])


def test_worst_picks_the_most_severe_finding():
    rules = RuleSet.of("r", [rule("a"), rule("b", Outcome.INDETERMINATE), rule("c", Outcome.FAIL)])
    assert decide(rules, 0, WORST).rule_id == "c"
    rules = RuleSet.of("r", [rule("a", Outcome.NOT_APPLICABLE), rule("b")])
    assert decide(rules, 0, WORST).rule_id == "b"


def test_all_must_pass_cites_every_clause_consulted():
    two = RuleSet.of(
        "r",
        [rule("a"), Rule("b", "b", (OTHER,), lambda _n: Verdict(Outcome.PASS, "b"))],
    )
    passed = decide(two, 0, ALL_MUST_PASS)
    assert passed.outcome is Outcome.PASS
    assert passed.clauses == (CLAUSE, OTHER)
    failing = two.derive(
        "f", replace=[Rule("b", "b", (OTHER,), lambda _n: Verdict(Outcome.FAIL, "no"))]
    )
    failed = decide(failing, 0, ALL_MUST_PASS)
    assert (failed.rule_id, failed.outcome, failed.clauses) == ("b", Outcome.FAIL, (CLAUSE, OTHER))


def test_an_empty_rule_set_cannot_decide():
    with pytest.raises(InvalidValueError, match="no rule"):
        decide(RuleSet.of("empty", []), 0)
