from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from secrules.core import Provenance
from secrules.errors import DataFileError, InvalidValueError
from secrules.inventory import (
    DeviceStatus,
    DeviceType,
    EsmeVariant,
    MeteringElement,
    era_for_schema_version,
    load_lifecycle,
    load_variant_catalogue,
    normalise_eui,
    smi_lifecycle,
    variant_catalogue,
)
from secrules.strategies import esme_variants, euis

ALL_25 = [
    "A",
    "B",
    "C",
    "AD",
    "BD",
    "CD",
    "ADE",
    "BDE",
    "CDE",
    "ADF",
    "BDF",
    "CDF",
    "ADEF",
    "BDEF",
    "CDEF",
    "ADG",
    "ADEG",
    "AF",
    "BF",
    "CF",
    "AEF",
    "BEF",
    "CEF",
    "AG",
    "AEG",
]
SET_2020 = ("A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE")


def test_enumerations():
    assert len(DeviceType) == 8
    assert len(DeviceStatus) == 9
    assert DeviceType.parse("HCALCS") is DeviceType.HCALCS
    assert DeviceStatus.parse("InstalledNotCommissioned") is DeviceStatus.INSTALLED_NOT_COMMISSIONED
    with pytest.raises(InvalidValueError):
        DeviceType.parse("esme")
    with pytest.raises(InvalidValueError):
        DeviceStatus.parse("commissioned")


def test_variant_sets():
    catalogue = variant_catalogue()
    assert catalogue.set("2020").codes == ("A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE")
    assert catalogue.set("2020").provenance is Provenance.INFERRED
    assert sorted(catalogue.set("duis-5.x").codes) == sorted(ALL_25)
    assert catalogue.set("duis-5.x").provenance is Provenance.STATED
    assert set(catalogue.set("2020").codes) < set(catalogue.set("duis-5.x").codes)
    assert catalogue.letters["G"][1] is Provenance.ASSUMED
    with pytest.raises(InvalidValueError, match="unknown ESMEVariant era"):
        catalogue.set("2019")


def test_variant_fields():
    v = EsmeVariant.parse("BDEF")
    assert v.element is MeteringElement.TWIN
    assert (v.alcs, v.boost, v.apc, v.g_flag) == (True, True, True, False)
    g = EsmeVariant("AEG")
    assert g.element is MeteringElement.SINGLE
    assert (g.alcs, g.boost, g.apc, g.g_flag) == (False, True, False, True)
    assert EsmeVariant("C").element is MeteringElement.POLYPHASE


@pytest.mark.parametrize("bad", ["XYZ", "ad", "", "DA", "AEE", "ABD", " A", "G"])
def test_unknown_variants_are_refused(bad):
    with pytest.raises(InvalidValueError):
        EsmeVariant(bad)
    with pytest.raises(InvalidValueError):
        EsmeVariant.parse(bad)


def test_era_whitelist():
    assert EsmeVariant.parse("ADF", era="duis-5.x").code == "ADF"
    with pytest.raises(InvalidValueError, match="era '2020'"):
        EsmeVariant.parse("ADF", era="2020")
    assert not EsmeVariant("AEF").in_era("2020")
    assert EsmeVariant("AEF").in_era("duis-5.x")
    assert len(EsmeVariant.all("2020")) == 9
    assert len(EsmeVariant.all()) == 25


@given(esme_variants())
def test_variant_round_trip(variant):
    assert str(EsmeVariant.parse(str(variant))) == variant.code
    assert EsmeVariant.parse(variant.code) == variant


@pytest.mark.parametrize(
    ("version", "era"),
    [
        ("5.4", "duis-5.x"),
        ("5.0", "duis-5.x"),
        ("4.9", "2020"),
        ("3", "2020"),
        ("x", "2020"),
        (None, "2020"),
        (Decimal("6.0"), "duis-5.x"),
        (" 5.1 ", "duis-5.x"),
    ],
)
def test_era_for_schema_version(version, era):
    assert era_for_schema_version(version) == era


@given(euis())
def test_eui_normalisation(eui):
    assert normalise_eui(eui) == eui.upper()
    assert normalise_eui(f" {eui.lower()} ") == eui.upper()


@pytest.mark.parametrize("bad", ["00-11", "00-11-22-33-44-55-66-7G", "0011223344556677", ""])
def test_bad_euis(bad):
    with pytest.raises(InvalidValueError):
        normalise_eui(bad)


def test_lifecycle_table():
    lifecycle = smi_lifecycle()
    assert all(t.mark and t.source for t in lifecycle.transitions)
    assert lifecycle.terminal == {DeviceStatus.DECOMMISSIONED, DeviceStatus.WITHDRAWN}
    t5 = lifecycle.transitions_for("update-status-except-ch")[0]
    assert set(t5.targets) == {DeviceStatus.PENDING, DeviceStatus.INSTALLED_NOT_COMMISSIONED}
    assert DeviceType.CHF not in t5.device_types


def test_user_tables_are_validated(tmp_path):
    bad = tmp_path / "variants.toml"
    bad.write_text(
        'default_era = "x"\n[sets.x]\ncodes = ["A", "Q"]\nsource = "s"\nprovenance = "stated"\n'
        "[letters]\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"codes\[1\]"):
        load_variant_catalogue(bad)
    own = tmp_path / "own.toml"
    own.write_text(
        'default_era = "mine"\n[sets.mine]\ncodes = ["A", "B"]\nsource = "s"\n'
        'provenance = "assumed"\n[letters.A]\nmeaning = "m"\nsource = "s"\nprovenance = "stated"\n',
        encoding="utf-8",
    )
    assert load_variant_catalogue(own).set("mine").codes == ("A", "B")
    broken = tmp_path / "life.toml"
    broken.write_text('[[status]]\nname = "Nope"\n', encoding="utf-8")
    with pytest.raises(DataFileError):
        load_lifecycle(broken)
