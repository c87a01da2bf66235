"""The command line, run in-process through ``secrules.cli.main`` (see ``run_cli``).

Two smoke tests run the real ``python -m secrules`` in a subprocess: one here (a passing check),
one in ``tests/hostile/test_cli_files.py`` (an error path on a strict UTF-8 stream).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from secrules import __version__, cli

PAPER = ["DP125", "DP126", "DP127", "DP128", "DP129", "MP130", "DP131", "DP132", "DP133"]


def one_line_error(result):
    assert result.code == 2, (result.code, result.err)
    assert result.err.startswith("secrules: "), result.err
    assert "secrules: secrules" not in result.err
    assert "error: " not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "Traceback" not in result.err
    return result.err


def test_smoke_python_m_secrules_check(fixtures_dir):
    fixture = fixtures_dir / "dp131" / "ecs37_command_own.hex"
    proc = subprocess.run(
        [sys.executable, "-m", "secrules", "check", str(fixture)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith(f"{fixture}: GBCS message")
    assert "0 failed" in proc.stdout.splitlines()[0]


def test_version_and_help(run_cli):
    result = run_cli("--version")
    assert result.code == 0
    assert result.out == f"secrules {__version__}\n"
    helped = run_cli("--help")
    assert helped.code == 0
    assert "impact" in helped.out
    assert "examples:\n  secrules check" in helped.out


def test_completion_hooks_in_when_argcomplete_is_installed(run_cli, monkeypatch):
    import types

    seen = []
    fake = types.ModuleType("argcomplete")
    fake.autocomplete = seen.append
    monkeypatch.setitem(sys.modules, "argcomplete", fake)
    assert run_cli("proposals", "--format", "json").code == 0
    assert len(seen) == 1
    assert seen[0].prog == "secrules"
    # Without it, nothing changes: argcomplete is an optional extra.
    monkeypatch.setitem(sys.modules, "argcomplete", None)
    assert run_cli("proposals", "--format", "json").code == 0


def test_completion_extra_is_declared_and_documented():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    extras = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert any(dep.startswith("argcomplete") for dep in extras["completion"])
    guide = (root / "docs" / "index.md").read_text(encoding="utf-8")
    assert "secrules[completion]" in guide
    assert 'eval "$(register-python-argcomplete secrules)"' in guide
    assert "# PYTHON_ARGCOMPLETE_OK" in Path(cli.__file__).read_text(encoding="utf-8")[:200]


def test_console_script_entry_point_exits_with_mains_status(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["secrules", "impact", "DP999"])
    with pytest.raises(SystemExit) as info:
        cli.run()
    assert info.value.code == 2
    assert "unknown proposal 'DP999'" in capsys.readouterr().err


def test_impact_dp133_json_changed_rows(run_cli):
    result = run_cli("impact", "DP133", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
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
def test_impact_formats(run_cli, fmt, marker):
    result = run_cli("impact", "MP133", "--format", fmt)
    assert result.code == 0, result.err
    assert marker in result.out


def test_impact_default_covers_all_modelled_and_names_the_rest(run_cli):
    result = run_cli("impact", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    listed = [r["proposal"] for r in data["reports"]] + [
        p["proposal"] for p in data["not_modelled"]
    ]
    assert sorted(listed) == sorted(PAPER)
    assert "DP133" in [r["proposal"] for r in data["reports"]]


def test_impact_output_file(run_cli, tmp_path):
    out = tmp_path / "dp133.html"
    result = run_cli("impact", "133", "--format", "html", "-o", out)
    assert result.code == 0, result.err
    assert result.out == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_impact_user_table(run_cli, fixtures_dir):
    table = fixtures_dir / "section_g" / "user_table_g4_listed.toml"
    result = run_cli("impact", "DP133", "--table", table, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["changed_count"] == 3


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["impact", "DP999"], "unknown proposal 'DP999'"),
        (["impact", "--format", "xml"], "invalid choice"),
        (["impact", "DP133", "--bogus"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["check"], "the following arguments are required: FILE"),
        (["gbcs", "verify", "x.hex"], "--keystore"),
        (["impact", "DP133", "DP133", "--table", "x.toml"], "exactly one"),
    ],
)
def test_bad_usage_is_one_line_exit_2(run_cli, args, fragment):
    err = one_line_error(run_cli(*args))
    assert fragment in err


def test_broken_user_table_names_file_and_key(run_cli, fixtures_dir):
    table = fixtures_dir / "section_g" / "missing_key.toml"
    err = one_line_error(run_cli("impact", "DP133", "--table", table))
    assert "part[8].heading" in err
    assert "missing_key.toml" in err


def test_unwritable_output(run_cli, tmp_path):
    one_line_error(run_cli("impact", "DP133", "-o", tmp_path / "no" / "such" / "dir.txt"))


def test_proposals_lists_nine_and_says_what_is_not_modelled(run_cli):
    result = run_cli("proposals", "--format", "json")
    assert result.code == 0
    rows = json.loads(result.out)
    assert [r["id"] for r in rows] == PAPER
    for row in rows:
        assert (row["model"] is None) == (not row["modelled"])
    text = run_cli("proposals").out
    assert "DP133  Consequential changes to SEC Section G" in text
    for row in rows:
        if not row["modelled"]:
            assert f"{row['id']}" in text
    assert text.count("not modelled yet") == sum(1 for r in rows if not r["modelled"])


def test_rules_catalogue(run_cli, tmp_path):
    result = run_cli("rules")
    assert result.code == 0
    assert "sec.g1-7.es-rsa-limit" in result.out
    data = json.loads(run_cli("rules", "--format", "json").out)
    assert all(entry["clauses"] and entry["provenance"] for entry in data)
    out = tmp_path / "rules.md"
    assert run_cli("rules", "--format", "md", "-o", out).code == 0
    assert out.read_text(encoding="utf-8").startswith("# Rule catalogue")


def test_check_missing_file(run_cli, tmp_path):
    err = one_line_error(run_cli("check", tmp_path / "absent.hex"))
    assert "absent.hex" in err


@pytest.mark.parametrize(
    "content",
    [b"", b"   \n", b"ABC", b"not hex and not xml"],
)
def test_check_undecodable_input(run_cli, tmp_path, content):
    path = tmp_path / "bad.hex"
    path.write_bytes(content)
    one_line_error(run_cli("check", path))
