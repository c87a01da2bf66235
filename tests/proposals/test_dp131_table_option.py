"""DP131 on a user's own Table 28d, through the Python API and the command line."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_cli_table_option(fixtures_dir):
    table = fixtures_dir / "dp131" / "table_28d_made_up_values.toml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "secrules",
            "impact",
            "131",
            "--table",
            str(table),
            "--format",
            "json",
        ],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["proposal"] == "DP131"
