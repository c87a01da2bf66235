"""DP131 on a user's own Table 28d, through the Python API and the command line."""

from __future__ import annotations

import json

import pytest

import secrules
from secrules.errors import DataFileError


def test_impact_with_user_table(fixtures_dir):
    table = fixtures_dir / "dp131" / "table_28d_made_up_values.toml"
    bundled = secrules.impact("DP131")
    own = secrules.impact("DP131", table=table)
    assert own.total > 0
    assert own.out_of_scope_changes == ()
    verdicts = [(r.baseline.verdict, r.proposed.verdict) for r in own.rows]
    assert verdicts != [(r.baseline.verdict, r.proposed.verdict) for r in bundled.rows]


def test_broken_user_table_fails_when_loaded(fixtures_dir):
    broken = sorted((fixtures_dir / "dp131" / "broken").glob("*.toml"))
    assert broken
    for path in broken:
        with pytest.raises(DataFileError) as info:
            secrules.impact("DP131", table=path)
        assert str(path) in str(info.value)


def test_cli_table_option(run_cli, fixtures_dir):
    table = fixtures_dir / "dp131" / "table_28d_made_up_values.toml"
    result = run_cli("impact", "131", "--table", table, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["proposal"] == "DP131"


def test_assumptions_follow_the_loaded_table(fixtures_dir):
    bundled = {a.id: a for a in secrules.impact("DP131").assumptions}
    assert "exec_weekdays" in bundled["A131-1"].text
    assert bundled["A131-1"].provenance == "assumed"
    assert "A131-5" in bundled
    assert "illustrative" in bundled["A131-6"].text
    table = fixtures_dir / "dp131" / "table_28d_made_up_values.toml"
    own = {a.id: a for a in secrules.impact("DP131", table=table).assumptions}
    # The user's table gives every baseline value: nothing is reported as unknown...
    assert "A131-1" not in own
    assert str(table) in own["A131-1v"].text
    # ...and its switch times are given, so A131-5 (switch times unknown) does not apply.
    assert "A131-5" not in own
    assert "16:00:00.00" in own["A131-6"].text
