"""``load_inventory``: the TOML inventory file ``secrules check --inventory`` reads."""

from __future__ import annotations

import pytest

from secrules.errors import DataFileError
from secrules.inventory import (
    INVENTORY_KEYS,
    DeviceStatus,
    DeviceType,
    User,
    load_inventory,
)

ESME = """
[[device]]
id = "00-db-12-34-56-78-90-c1"
type = "ESME"
status = "Commissioned"
esme_variant = "A"
responsible_supplier = "90-b3-d5-1f-30-01-00-07"
installing_supplier = "90-B3-D5-1F-30-01-00-99"
"""


def _write(tmp_path, text):
    path = tmp_path / "inventory.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_loads_with_normalised_ids(fixtures_dir, tmp_path):
    inventory = load_inventory(fixtures_dir / "duis" / "inventory.toml")
    device = inventory.get("00-db-12-34-56-78-90-c1")
    assert device.device_type is DeviceType.ESME
    assert device.status is DeviceStatus.COMMISSIONED
    assert device.esme_variant.code == "A"
    actor = inventory.actor(User("90-B3-D5-1F-30-01-00-07", "IS"), device)
    assert actor.responsible
    assert not actor.installing
    # Lower-case EUIs in the file are the same User IDs.
    again = load_inventory(_write(tmp_path, ESME))
    assert again.get("00-DB-12-34-56-78-90-C1").responsible_supplier == "90-B3-D5-1F-30-01-00-07"


def test_empty_file_is_an_empty_inventory(tmp_path):
    assert len(load_inventory(_write(tmp_path, "# no devices yet\n"))) == 0


@pytest.mark.parametrize(
    ("edit", "key", "fragment"),
    [
        (('status = "Commissioned"', 'status = "commissioned"'), "device[0].status", "Status"),
        (('type = "ESME"', 'type = "GSME"'), "device[0]", "only an ESME"),
        (('esme_variant = "A"', 'esme_variant = "Z"'), "device[0].esme_variant", "'Z'"),
        (('id = "00-db-12-34-56-78-90-c1"', 'id = "00-db"'), "device[0].id", "EUI-64"),
        (('status = "Commissioned"\n', ""), "device[0].status", "required key is missing"),
        (("installing_supplier", "installer"), "device[0].installer", "unknown key"),
        (('responsible_supplier = "90-b3', 'responsible_supplier = "9x-b3'), None, "User ID"),
        (("[[device]]", "era = 2\n[[device]]"), "era", "[[device]]"),
    ],
)
def test_errors_name_file_and_key(tmp_path, edit, key, fragment):
    path = _write(tmp_path, ESME.replace(*edit))
    with pytest.raises(DataFileError) as info:
        load_inventory(path)
    assert info.value.file == str(path)
    if key is not None:
        assert info.value.key == key
    assert fragment in str(info.value)


def test_a_device_listed_twice_is_an_error(tmp_path):
    path = _write(tmp_path, ESME + ESME.replace('"A"', '"AD"'))
    with pytest.raises(DataFileError, match="listed twice") as info:
        load_inventory(path)
    assert info.value.key == "device[1].id"


def test_missing_file_names_it(tmp_path):
    with pytest.raises(DataFileError) as info:
        load_inventory(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value)


def test_keys_are_documented(fixtures_dir):
    guide = (fixtures_dir.parent / "docs" / "index.md").read_text(encoding="utf-8")
    for key in INVENTORY_KEYS:
        assert f"`{key}`" in guide, key
