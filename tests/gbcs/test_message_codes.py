"""The GBCS message-code table (data/gbcs_message_codes.toml) and user tables in its schema."""

from __future__ import annotations

import pytest

from secrules.core import Provenance
from secrules.errors import DataFileError
from secrules.gbcs import (
    load_message_codes,
    lookup,
    message_code_table,
    parse_message,
    use_case_name,
)


def test_lookup_and_unknown_codes():
    assert use_case_name(0x004A) == "ECS37"
    assert use_case_name(0xFFFF) is None
    assert lookup(0xFFFF) is None
    row = lookup(0x004A)
    assert row is not None
    assert row.provenance is Provenance.STATED
    assert row.title == "Set Maximum Demand Configurable Time Period"
    assert str(row) == "0x004A ECS37 Set Maximum Demand Configurable Time Period"


def test_table_shape():
    table = message_code_table()
    assert len(table) > 200
    assert set(table.sources) == {"gbcs-parser", "rtds-folders"}
    assert all(row.source in table.sources for row in table)
    assert len(table.by_use_case("cs02b")) == 10
    inferred = [row for row in table if row.provenance is Provenance.INFERRED]
    assert inferred
    assert all(row.source == "rtds-folders" for row in inferred)
    assert table.clause.document == "GBCS"


def test_rtds_codes_are_tabled_and_match_folder_use_case(rtds_files, hexfile):
    """Every RTDS message's code is in the table; the folder's use case agrees where tabled."""
    table = message_code_table()
    agree = 0
    for path in rtds_files:
        message = parse_message(hexfile(path))
        row = table.get(message.message_code)
        assert row is not None, (path.name, hex(message.message_code))
        folder_use_case = path.parent.name.split("_", 1)[1]
        if row.use_case and folder_use_case.startswith(row.use_case):
            agree += 1
    # Most folders are named after exactly the use case the code identifies (alerts and
    # CS02b variants aside).
    assert agree > len(rtds_files) // 2


GOOD = """
document = "GBCS"
clause = "message codes"
version = "test"
codes = [
  { code = 0x004A, use_case = "ECS37", source = "mine", provenance = "stated" },
]
[sources.mine]
reference = "my copy of the mapping tables"
"""


def _write(tmp_path, text, name="codes.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_table_loads(tmp_path):
    table = load_message_codes(_write(tmp_path, GOOD))
    assert table.get(0x004A).use_case == "ECS37"
    assert table.file.endswith("codes.toml")


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            ('code = 0x004A, use_case = "ECS37"', 'code = 0x1004A, use_case = "ECS37"'),
            "codes[0].code",
        ),
        (('source = "mine"', 'source = "theirs"'), "codes[0].source"),
        (('provenance = "stated"', 'provenance = "certain"'), "codes[0].provenance"),
        (('use_case = "ECS37", ', ""), "codes[0]"),
        (("code = 0x004A", 'code = "0x004A"'), "codes[0].code"),
        (('version = "test"\n', ""), "version"),
    ],
)
def test_broken_user_tables_name_file_and_key(tmp_path, change, key):
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(DataFileError) as info:
        load_message_codes(path)
    assert info.value.key == key
    assert info.value.file == str(path)


def test_duplicate_code_is_rejected(tmp_path):
    text = GOOD.replace(
        "]\n[sources",
        '  { code = 0x004A, use_case = "X", source = "mine", provenance = "stated" },\n]\n[sources',
    )
    with pytest.raises(DataFileError) as info:
        load_message_codes(_write(tmp_path, text))
    assert info.value.key == "codes[1].code"
