"""Impact reports never present a user's table as the bundled one (issue 8, item 12).

Regression cases: ``secrules impact DP133 --table user_table_g4_listed.toml`` printed the
default report byte for byte, still saying "A133-3 [assumed] The baseline G1.7 list is G3, G5,
G6 and G8"; DP129's ``--table`` did the same. Inputs are written at test time.
"""

from __future__ import annotations

import hashlib
import html
import os
import sys
from importlib import resources
from pathlib import Path

import pytest

from secrules.cli import main
from secrules.report import IMPACT_FORMATS


def _impact(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    status = main(["impact", *args])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "Traceback" not in err
    # Text and Markdown wrap at 100 columns: compare words, not line breaks.
    return " ".join(html.unescape(out).split())


def _copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = resources.files("secrules.data").joinpath(name).read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / f"user_{name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", IMPACT_FORMATS)
def test_dp133_user_table_is_not_reported_as_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
):
    table = _copy(
        tmp_path,
        "section_g.toml",
        'parts = ["G3", "G5", "G6", "G8"]',
        'parts = ["G3", "G4", "G5", "G6", "G8"]',
    )
    default = _impact(capsys, "DP133", "--format", fmt)
    own = _impact(capsys, "DP133", "--table", str(table), "--format", fmt)
    assert own != default
    assert str(table) in own
    assert hashlib.sha256(table.read_bytes()).hexdigest() in own
    assert "The baseline G1.7 list is G3, G4, G5, G6 and G8" in own
    assert "The baseline G1.7 list is G3, G5, G6 and G8" not in own
    assert "bundled section_g.toml" in default
    assert "bundled section_g.toml" not in own


@pytest.mark.parametrize("fmt", IMPACT_FORMATS)
def test_dp129_user_table_is_not_reported_as_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
):
    table = _copy(
        tmp_path,
        "dp129_policy.toml",
        'remote_party = ["gbcs", "cnsa"]',
        'remote_party = ["gbcs"]',
    )
    default = _impact(capsys, "DP129", "--format", fmt)
    own = _impact(capsys, "DP129", "--table", str(table), "--format", fmt)
    assert own != default
    assert str(table) in own
    assert hashlib.sha256(table.read_bytes()).hexdigest() in own
    said = "Proposed (MP129): every Remote Party signer may sign with the GBCS"
    assert f"{said} variant only" in own
    assert f"{said} or the CNSA variant" in default


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_undecodable_table_name_is_printable(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = resources.files("secrules.data").joinpath("section_g.toml").read_bytes()
    raw = os.fsencode(tmp_path) + b"/t\xff.toml"
    try:
        Path(os.fsdecode(raw)).write_bytes(text)
    except OSError:
        pytest.skip("the file system refuses undecodable names")
    out = _impact(capsys, "DP133", "--table", os.fsdecode(raw))
    out.encode("utf-8")  # strict: no lone surrogates reach the output
    assert "t\\xff.toml" in out
