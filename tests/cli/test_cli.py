"""The command line through its real entry points (``python -m secrules`` and the script)."""

from __future__ import annotations

import json

import pytest

PAPER = ["DP125", "DP126", "DP127", "DP128", "DP129", "MP130", "DP131", "DP132", "DP133"]


def one_line_error(proc):
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err)
    assert err.startswith("secrules: error:"), err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_version_and_help(cli):
    proc = cli(["--version"])
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("secrules ")
    assert cli(["--help"]).returncode == 0


def test_console_script_runs_impact(cli_script):
    proc = cli_script(["impact", "DP133", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["changed_count"] == 3


def test_impact_dp133_json_changed_rows(cli):
    proc = cli(["impact", "DP133", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    changed = [r["scenario"] for r in data["rows"] if r["changed"]]
    assert changed == [
        {"roles": ["ES"], "part": "G10"},
        {"roles": ["RSA"], "part": "G10"},
        {"roles": ["ES", "RSA"], "part": "G10"},
    ]
    assert data["total"] == 1270


@pytest.mark.parametrize(
    ("fmt", "marker"), [("text", "DP133  "), ("md", "## DP133"), ("html", "<!DOCTYPE html>")]
)
def test_impact_formats(cli, fmt, marker):
    proc = cli(["impact", "MP133", "--format", fmt])
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout.decode()


def test_impact_default_covers_all_modelled_and_names_the_rest(cli):
    proc = cli(["impact", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    listed = [r["proposal"] for r in data["reports"]] + [
        p["proposal"] for p in data["not_modelled"]
    ]
    assert sorted(listed) == sorted(PAPER)
    assert "DP133" in [r["proposal"] for r in data["reports"]]


def test_impact_output_file(cli, tmp_path):
    out = tmp_path / "dp133.html"
    proc = cli(["impact", "133", "--format", "html", "-o", out])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_impact_user_table(cli, fixtures_dir):
    table = fixtures_dir / "section_g" / "user_table_g4_listed.toml"
    proc = cli(["impact", "DP133", "--table", table, "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["changed_count"] == 3


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["impact", "DP999"], "unknown proposal 'DP999'"),
        (["impact", "--format", "xml"], "invalid choice"),
        (["impact", "DP133", "--bogus"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["impact", "DP133", "DP133", "--table", "x.toml"], "exactly one"),
    ],
)
def test_bad_usage_is_one_line_exit_2(cli, args, fragment):
    err = one_line_error(cli(args))
    assert fragment in err


def test_broken_user_table_names_file_and_key(cli, fixtures_dir):
    table = fixtures_dir / "section_g" / "missing_key.toml"
    err = one_line_error(cli(["impact", "DP133", "--table", table]))
    assert "part[8].heading" in err
    assert "missing_key.toml" in err


def test_unwritable_output(cli, tmp_path):
    one_line_error(cli(["impact", "DP133", "-o", tmp_path / "no" / "such" / "dir.txt"]))


def test_proposals_lists_nine_and_says_what_is_not_modelled(cli):
    proc = cli(["proposals", "--format", "json"])
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    assert [r["id"] for r in rows] == PAPER
    for row in rows:
        assert (row["model"] is None) == (not row["modelled"])
    text = cli(["proposals"]).stdout.decode()
    assert "DP133  Consequential changes to SEC Section G" in text
    for row in rows:
        if not row["modelled"]:
            assert f"{row['id']}" in text
    assert text.count("not modelled yet") == sum(1 for r in rows if not r["modelled"])


def test_rules_catalogue(cli, tmp_path):
    proc = cli(["rules"])
    assert proc.returncode == 0
    assert "sec.g1-7.es-rsa-limit" in proc.stdout.decode()
    data = json.loads(cli(["rules", "--format", "json"]).stdout)
    assert all(entry["clauses"] and entry["provenance"] for entry in data)
    out = tmp_path / "rules.md"
    assert cli(["rules", "--format", "md", "-o", out]).returncode == 0
    assert out.read_text(encoding="utf-8").startswith("# Rule catalogue")


def test_check_missing_file(cli, tmp_path):
    err = one_line_error(cli(["check", tmp_path / "absent.hex"]))
    assert "absent.hex" in err


@pytest.mark.parametrize(
    "content",
    [b"", b"   \n", b"ABC", b"not hex and not xml"],
)
def test_check_undecodable_input(cli, tmp_path, content):
    path = tmp_path / "bad.hex"
    path.write_bytes(content)
    one_line_error(cli(["check", path]))
