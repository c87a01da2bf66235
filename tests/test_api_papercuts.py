"""API papercuts (issue 10, point 7): errors say what was passed where; keyword-only options."""

from __future__ import annotations

import inspect

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from secrules.errors import InvalidValueError, UnsupportedKeyError
from secrules.gbcs.keystore import KeyStore, KeyUsage, MemoryKeyStore
from secrules.inventory import Inventory
from secrules.sec.section_g import applicable_parts

EUI = "90B3D51F30010000"
KEY = ec.derive_private_key(7, ec.SECP256R1()).public_key()


def test_memory_keystore_docstring_gives_add_key_order():
    doc = inspect.getdoc(MemoryKeyStore) or ""
    assert "(EUI, usage, key)" not in doc
    assert "add_key(eui, key, usage=" in doc


def test_add_key_in_docstring_order_is_refused_by_python():
    with pytest.raises(TypeError, match="positional"):
        MemoryKeyStore().add_key(EUI, "ds", KEY)  # type: ignore[call-arg,misc]


def test_add_key_error_says_what_was_passed_where():
    with pytest.raises(InvalidValueError) as caught:
        MemoryKeyStore().add_key(EUI, "ds")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "add_key(eui, key, *, usage=...): key must be an EC P-256 public or private key, "
        "got str 'ds'"
    )
    with pytest.raises(InvalidValueError, match=r"usage must be a KeyUsage or ds/ka, got int 5"):
        MemoryKeyStore().add_key(EUI, KEY, usage=5)  # type: ignore[arg-type]


def test_add_key_other_curve_names_the_curve():
    p384 = ec.derive_private_key(7, ec.SECP384R1()).public_key()
    with pytest.raises(UnsupportedKeyError, match="got an EC key on curve secp384r1"):
        MemoryKeyStore().add_key(EUI, p384)


def test_add_key_usage_keyword():
    store = MemoryKeyStore()
    entry = store.add_key(EUI, KEY, usage="ka")
    assert entry.usage is KeyUsage.KEY_AGREEMENT
    assert store.public_keys(EUI, usage="ka") == (entry,)


def _keyword_only(fn: object, *names: str) -> None:
    params = inspect.signature(fn).parameters  # type: ignore[arg-type]
    for name in names:
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, (fn, name)


def test_options_whose_order_is_not_obvious_are_keyword_only():
    _keyword_only(MemoryKeyStore.add_key, "usage", "role", "device", "name")
    _keyword_only(KeyStore.public_keys, "usage", "role")
    _keyword_only(KeyStore.public_key, "usage")
    _keyword_only(KeyStore.private_key, "usage")
    _keyword_only(applicable_parts, "section_g", "rules")
    _keyword_only(Inventory, "rules", "era", "lifecycle", "policy")


def test_inventory_devices_stay_positional_and_era_is_keyword_only():
    assert Inventory({}, era="duis-5.x").era == "duis-5.x"
    with pytest.raises(TypeError):
        Inventory({}, None, "duis-5.x")  # type: ignore[misc]


def test_applicable_parts_section_g_by_keyword():
    assert applicable_parts(["ES"], section_g=None) == applicable_parts(["ES"])
    with pytest.raises(TypeError):
        applicable_parts(["ES"], None)  # type: ignore[misc]
