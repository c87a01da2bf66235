from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.errors import RegimeError, SecrulesError
from secrules.sec import UserRole
from secrules.sec.section_g import ES_RSA, applicable_parts, load_section_g
from secrules.strategies.sec import regimes, role_sets

SG = load_section_g()
OTHERS = frozenset(UserRole) - ES_RSA


def test_parts_and_user_parts():
    assert SG.part_ids == tuple(f"G{i}" for i in range(1, 11))
    assert SG.user_parts == {"G3", "G4", "G5", "G6", "G8", "G10"}
    assert SG.part("G10").provenance == "stated"
    with pytest.raises(SecrulesError):
        SG.part("G11")


def test_every_part_cites_source_and_version():
    for part in SG.parts:
        assert part.source
        assert part.sec_version
        assert part.heading


def test_g1_7_lists():
    assert "G10" not in SG.g1_7["baseline"]
    assert SG.g1_7["proposed"] - SG.g1_7["baseline"] == {"G10"}
    assert SG.g1_7_provenance["baseline"] == "assumed"


@given(role_sets())
def test_proposed_minus_baseline_is_g10_exactly_for_es_rsa_only(roles):
    base = applicable_parts(roles, "baseline")
    prop = applicable_parts(roles, "proposed")
    assert base - prop == frozenset()
    if roles <= ES_RSA:
        assert prop - base == {"G10"}
    else:
        assert prop == base == SG.user_parts


@given(role_sets(), st.sampled_from(sorted(OTHERS, key=lambda r: r.code)), regimes())
def test_adding_a_role_outside_es_rsa_yields_every_user_part(roles, extra, regime):
    assert applicable_parts(roles | {extra}, regime) == SG.user_parts


@given(regimes())
def test_empty_role_set_is_not_a_user(regime):
    assert applicable_parts([], regime) == frozenset()


def test_roles_may_be_codes():
    assert applicable_parts(["ES"], "proposed") == applicable_parts(
        [UserRole.EXPORT_SUPPLIER], "proposed"
    )


def test_unknown_regime_or_role():
    with pytest.raises(RegimeError):
        applicable_parts(["ES"], "future")
    with pytest.raises(SecrulesError):
        applicable_parts(["MDR"], "baseline")


def test_user_table_changes_the_baseline_list(fixtures_dir):
    table = load_section_g(fixtures_dir / "section_g" / "user_table_g4_listed.toml")
    assert "G4" in applicable_parts(["ES"], "baseline", table=table)
    assert "G4" not in applicable_parts(["ES"], "baseline")
