"""The GBCS message-type table (data/gbcs_message_types.toml): which use cases are critical.

The stated rows are facts read off the GBCS use-case mapping table that the DCC's duis-templates
publish; the conformance test reads that table at test time (never copied) and checks every
stated row against it.
"""

from __future__ import annotations

import json

import pytest

from secrules.core import Provenance
from secrules.errors import DataFileError
from secrules.gbcs.message_codes import (
    MessageClass,
    load_message_types,
    message_code_table,
    message_type,
    message_type_table,
)


def _table_rows(path) -> dict[str, str]:
    """Use-case id (first word of the title, e.g. ECS25a1) -> Message Type, from the JSON."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for row in rows:
        use_case = row["Use Case Title"].split()[0]
        assert use_case.startswith(row["Code"]), row["Code"]
        assert use_case not in out, use_case
        out[use_case] = row["Message Type"]
    return out


def test_stated_rows_agree_with_the_mapping_table(gbcs_mapping_table_file):
    published = _table_rows(gbcs_mapping_table_file)
    table = message_type_table()
    stated = {u.use_case: u for u in table if u.provenance is Provenance.STATED}
    # Every row of the published table is carried over, with its message type as given.
    assert set(stated) == set(published)
    for use_case, row in stated.items():
        assert row.message_type == published[use_case], use_case
        assert row.source == "mapping-table"
    # Inferred rows are exactly the use cases the published table does not list.
    for row in table:
        if row.provenance is not Provenance.STATED:
            assert row.use_case not in published, row.use_case
            assert row.note
    critical = {u for u, t in published.items() if t == "SME.C.C"}
    assert critical == {u for u in table.critical_commands() if u in published}
    assert len(critical) == 50


def test_every_use_case_of_the_message_code_table_has_a_type():
    types = message_type_table()
    missing = [r.use_case for r in message_code_table() if r.use_case and r.use_case not in types]
    assert missing == []


def test_lookup_by_message_code():
    cs02c = message_type(0x000A)
    assert cs02c is not None
    assert (cs02c.use_case, cs02c.message_type, cs02c.critical_command) == (
        "CS02c",
        "SME.C.C",
        True,
    )
    ecs37 = message_type(0x004A)
    assert ecs37 is not None
    assert ecs37.message_class is MessageClass.NON_CRITICAL_COMMAND
    assert not ecs37.critical_command
    # CS02b: the table defers to the GBCS text, so no class is read from it.
    cs02b = message_type_table().get("CS02b")
    assert cs02b is not None
    assert cs02b.message_class is None
    # An older use case the table does not list, typed from its successor (inferred).
    ecs08 = message_type(0x001F)
    assert ecs08 is not None
    assert ecs08.provenance is Provenance.INFERRED
    assert ecs08.critical_command
    assert "ECS08a" in ecs08.note
    assert message_type(0xFFFF) is None
    assert message_type(0x1000) is None  # an alert code without a use-case id


def test_first_word_gives_the_class():
    table = message_type_table()
    cs01a = table.get("CS01a")
    assert cs01a is not None
    assert cs01a.message_type.startswith("SME.C.NC but")
    assert cs01a.message_class is MessageClass.NON_CRITICAL_COMMAND


_ROW = '{ use_case = "X1", message_type = "SME.C.C", source = "s", provenance = "stated" }'
_HEADER = """
document = "GBCS"
clause = "Mapping Table"
version = "test"
[sources.s]
reference = "test"
"""


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (f"{_ROW}, {_ROW}", "listed twice"),
        (
            '{ use_case = "X1", message_type = "SME.C.C", source = "s", provenance = "inferred" }',
            "needs a note",
        ),
        ('{ use_case = "X1", message_type = " ", source = "s", provenance = "stated" }', "empty"),
        ('{ use_case = "X1", message_type = "SME.C.C", source = "t", provenance = "stated" }', "t"),
    ],
)
def test_schema_errors_name_file_and_key(tmp_path, rows, match):
    path = tmp_path / "types.toml"
    path.write_text(f"use_cases = [{rows}]\n{_HEADER}", encoding="utf-8")
    with pytest.raises(DataFileError, match=match) as info:
        load_message_types(path)
    assert str(path) in str(info.value)
