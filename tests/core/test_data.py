from __future__ import annotations

from pathlib import Path

import pytest

from secrules.core.data import load_table
from secrules.errors import DataFileError
from secrules.sec.section_g import load_section_g

BROKEN = {
    "missing_key.toml": ("part[8].heading", "required key is missing"),
    "wrong_type.toml": ("part[8].binds", "expected an array"),
    "bad_provenance.toml": ("part[9].provenance", "unknown provenance"),
    "not_toml.toml": (None, "not valid TOML"),
    "not_utf8.toml": (None, "not UTF-8"),
    "unknown_part_in_g1_7.toml": ("g1_7.parts", "G11"),
    "duplicate_part.toml": ("part[8].id", "duplicate part id"),
    "unknown_binds_code.toml": ("part[6].binds[1]", "'MDR'"),
    "old_schema_g1_7.toml": ("g1_7.baseline", "old schema"),
    "wrong_g1_7_roles.toml": ("g1_7.roles", "exactly ES and RSA"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(BROKEN.items()))
def test_broken_table_names_file_and_key(fixtures_dir: Path, name, expected):
    key, fragment = expected
    path = fixtures_dir / "section_g" / name
    with pytest.raises(DataFileError) as info:
        load_section_g(path)
    error = info.value
    assert error.file == str(path)
    assert error.key == key
    assert fragment in str(error)
    assert str(path) in str(error)
    assert isinstance(error, ValueError)


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="cannot read table"):
        load_section_g(tmp_path / "absent.toml")


def test_bundled_tables_load():
    for name in ("proposals.toml", "section_g.toml", "dp133.toml"):
        table = load_table(None, default=name)
        assert table.file == f"secrules/data/{name}"


def test_missing_bundled_table_is_a_data_file_error():
    with pytest.raises(DataFileError, match="missing"):
        load_table(None, default="no_such_table.toml")


def test_reader_typed_getters(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('a = 1\nb = true\nc = "x"\nd = ["p", ""]\n[[e]]\nf = 2\n', encoding="utf-8")
    table = load_table(path, default="unused.toml")
    assert table.integer("a") == 1
    with pytest.raises(DataFileError, match="expected an integer"):
        table.integer("b")  # a boolean is not a number
    assert table.flag("b") is True
    assert table.text("c") == "x"
    with pytest.raises(DataFileError) as info:
        table.texts("d")
    assert info.value.key == "d[1]"
    assert table.tables("e")[0].integer("f") == 2
    with pytest.raises(DataFileError) as info:
        table.tables("e")[0].text("g")
    assert info.value.key == "e[0].g"
    with pytest.raises(DataFileError, match="one of"):
        table.choice("c", ("y", "z"))
