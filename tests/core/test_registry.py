from __future__ import annotations

import attrs
import pytest

import secrules
from secrules.errors import NotModelledError, SecrulesError, UnknownProposalError

PAPER_ORDER = ["DP125", "DP126", "DP127", "DP128", "DP129", "MP130", "DP131", "DP132", "DP133"]


def test_registry_lists_the_nine_items_in_paper_order():
    items = secrules.proposals()
    assert [p.id for p in items] == PAPER_ORDER
    for p in items:
        assert p.title
        assert p.raised_by
        assert p.raised
        assert p.status
        assert p.outcome


def test_known_facts_of_the_paper():
    assert secrules.get_proposal("DP133").raised_by == "Utiligroup"
    assert secrules.get_proposal("DP125").raised_by == "Npower"
    assert secrules.get_proposal("DP128").raised_by == "Cadent Gas"
    assert "withdrawn" in secrules.get_proposal("DP132").status
    assert secrules.get_proposal("MP130").raised == "2020-05-14"


@pytest.mark.parametrize(
    "ident", ["DP133", "MP133", "133", "dp133", " mp133 ", 133, "DP0133", "SECMP133"]
)
def test_get_proposal_accepts_every_form(ident):
    assert secrules.get_proposal(ident).id == "DP133"


def test_split_suffix_names_the_parent_item():
    assert secrules.get_proposal("MP128A").id == "DP128"


@pytest.mark.parametrize("ident", ["DP999", "124", "", "XP133", "DP13 3x", "MP"])
def test_unknown_ids_raise(ident):
    with pytest.raises(UnknownProposalError) as info:
        secrules.get_proposal(ident)
    assert isinstance(info.value, LookupError)
    assert "DP125" in str(info.value)


def test_unmodelled_items_say_so():
    # All nine items are modelled today: an item without a model is made, so the check runs.
    bare = attrs.evolve(secrules.proposals()[0], factory=None)
    unmodelled = [bare, *(p for p in secrules.proposals() if not p.modelled)]
    for p in unmodelled:
        assert not p.modelled
        assert p.model is None
        with pytest.raises(NotModelledError, match="not modelled"):
            p.scenarios()
        with pytest.raises(NotModelledError):
            secrules.impact(p)
        assert p.assumptions() == ()


def test_modelled_items_include_dp133():
    assert secrules.get_proposal("DP133").modelled


def test_table_for_a_model_without_one(tmp_path):
    for p in secrules.proposals():
        if p.model is not None and not p.model.table_name:
            with pytest.raises(SecrulesError, match="takes no parameter table"):
                p.model.with_table(tmp_path / "t.toml")
