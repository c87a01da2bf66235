from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core.findings import Outcome
from secrules.core.rules import WORST, decide
from secrules.errors import InvalidValueError, SecrulesError
from secrules.sec import UserRole
from secrules.sec.section_g import (
    ES_RSA,
    ES_RSA_LIMIT,
    USER_PARTS,
    Subject,
    applicable_parts,
    load_section_g,
    rules,
)
from secrules.strategies.sec import role_sets

SG = load_section_g()
OTHERS = frozenset(UserRole) - ES_RSA


def test_parts_and_user_parts():
    assert SG.part_ids == tuple(f"G{i}" for i in range(1, 11))
    assert SG.user_parts == {"G3", "G4", "G5", "G6", "G8", "G10"}
    assert SG.part("G10").provenance == "inferred"  # whom it binds: our reading
    assert SG.part("G10").heading_provenance == "stated"  # its heading: the SECCo glossary
    with pytest.raises(SecrulesError):
        SG.part("G11")


def test_every_part_cites_source_and_version():
    for part in SG.parts:
        assert part.source
        assert part.sec_version
        assert part.heading


def test_table_is_dated_before_mp133():
    assert SG.as_at == "2020-05-28"
    assert "before v27.0" in SG.sec_version
    assert "G10" not in SG.g1_7.parts
    assert SG.g1_7.provenance == "assumed"


def test_rules_are_a_base_rule_and_its_g1_7_exception():
    ruleset = rules()
    assert ruleset.ids == (USER_PARTS, ES_RSA_LIMIT)
    assert ruleset.rule(ES_RSA_LIMIT).exception_to == USER_PARTS
    assert rules() is ruleset  # the bundled rule set is built once
    assert rules(SG) is ruleset
    g17 = ruleset.rule(ES_RSA_LIMIT).clauses
    assert [(c.clause, c.provenance.value) for c in g17] == [
        ("G1.7", "stated"),
        ("G1.7 list (part level)", "assumed"),
    ]
    assert g17[0].id == "sec.g1-7"


@given(role_sets(), st.sampled_from(SG.part_ids))
def test_applicable_parts_is_the_rules_decided(roles, part):
    finding = decide(rules(), Subject(roles, part), WORST)
    assert (finding.outcome is Outcome.PASS) == (part in applicable_parts(roles))
    expected = ES_RSA_LIMIT if roles <= ES_RSA else USER_PARTS
    assert finding.rule_id == expected


@given(role_sets(within=ES_RSA))
def test_es_rsa_only_users_are_bound_by_the_g1_7_list(roles):
    assert applicable_parts(roles) == SG.g1_7.parts & SG.user_parts
    assert "G10" not in applicable_parts(roles)


@given(role_sets(), st.sampled_from(sorted(OTHERS, key=lambda r: r.code)))
def test_adding_a_role_outside_es_rsa_yields_every_user_part(roles, extra):
    assert applicable_parts(roles | {extra}) == SG.user_parts


def test_empty_role_set_is_not_a_user():
    assert applicable_parts([]) == frozenset()


def test_roles_may_be_codes():
    assert applicable_parts(["ES"]) == applicable_parts([UserRole.EXPORT_SUPPLIER])


def test_unknown_role_or_wrong_table_type():
    with pytest.raises(SecrulesError):
        applicable_parts(["MDR"])
    with pytest.raises(InvalidValueError, match="section_g must be a SectionG"):
        applicable_parts(["ES"], section_g="proposed")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="rules must be a RuleSet"):
        applicable_parts(["ES"], rules="proposed")  # type: ignore[arg-type]


def test_user_table_changes_the_list(fixtures_dir):
    table = load_section_g(fixtures_dir / "section_g" / "user_table_g4_listed.toml")
    assert "G4" in applicable_parts(["ES"], section_g=table)
    assert "G4" not in applicable_parts(["ES"])
    assert rules(table) is not rules()


@given(st.sets(st.sampled_from(SG.part_ids)), role_sets(within=ES_RSA))
def test_with_g1_7_amends_the_list_only(listed, roles):
    amended = SG.with_g1_7(listed, clause="amended list")
    assert amended.g1_7.clause == "amended list"
    assert amended.g1_7.sec_version == SG.g1_7.sec_version
    assert amended.parts == SG.parts
    assert applicable_parts(roles, section_g=amended) == frozenset(listed) & SG.user_parts


def test_with_g1_7_refuses_unknown_parts():
    with pytest.raises(InvalidValueError, match="G11"):
        SG.with_g1_7(["G3", "G11"])


def test_derived_rules_decide_applicable_parts():
    amended = SG.with_g1_7(SG.g1_7.parts | {"G10"})
    derived = rules().derive("amended", replace=[rules(amended).rule(ES_RSA_LIMIT)])
    assert "G10" in applicable_parts(["ES"], rules=derived)
    assert "G10" not in applicable_parts(["ES"])
