"""A report computed from a user's table names that table and states its values.

For every modelled proposal a modified copy of the bundled table is written at test time (one
assumption's value changed), and every report format must show the file, its SHA-256 and the
changed assumption; the bundled report must name the bundled table and its SHA-256.
"""

from __future__ import annotations

import hashlib
import html
import json
from importlib import resources
from pathlib import Path

import attrs
import pytest

import secrules
from secrules.report import IMPACT_FORMATS, as_json, render_impact


@attrs.frozen
class Change:
    """One edit of a bundled table, and what the report must then say."""

    proposal: str
    table: str
    old: str
    new: str
    assumption: str
    shows: str  # text the changed assumption must contain
    hides: str  # text it contained before the change, and must no longer


_DP127_OLD = 'screening = "declared equivalent"\noutcome = "pass"'
_DP127_NEW = 'screening = "declared equivalent"\noutcome = "indeterminate"'
_DP131_OLD = '[fields.exec_weekdays]\nvalue = "unknown"\nconflicts_with_template = true\n'
_DP131_NEW = '[fields.exec_weekdays]\nvalue = "1110000"\n'

CHANGES = (
    Change(
        "DP126",
        "dp126.toml",
        'personal_classes = ["consumption"]',
        'personal_classes = ["consumption", "non-personal"]',
        "A126-2",
        "which need consent, are: consumption and non-personal",
        "which need consent, are: consumption (",
    ),
    Change(
        "DP127",
        "aro_screening.toml",
        _DP127_OLD,
        _DP127_NEW,
        "A127-1",
        "screened to a declared equivalent is judged indeterminate",
        "screened to a declared equivalent is judged pass",
    ),
    Change(
        "DP132",
        "cpl_ctt.toml",
        "accepted = false",
        "accepted = true",
        "A132-2",
        "tested on 2020-03-03 itself is accepted",
        "tested on 2020-03-03 itself is refused",
    ),
    Change(
        "DP133",
        "section_g.toml",
        'parts = ["G3", "G5", "G6", "G8"]',
        'parts = ["G3", "G4", "G5", "G6", "G8"]',
        "A133-3",
        "The baseline G1.7 list is G3, G4, G5, G6 and G8",
        "The baseline G1.7 list is G3, G5, G6 and G8",
    ),
    Change(
        "DP128",
        "dp128.toml",
        "devices = 2",
        "devices = 3",
        "A128-5",
        "Each scenario's GNO has 3 Devices anchored to it",
        "Each scenario's GNO has 2 Devices anchored to it",
    ),
    Change(
        "MP130",
        "mp130.toml",
        "weeks = 12",
        "weeks = 8",
        "A130-2",
        "may not be amended within 8 weeks of its delivery",
        "may not be amended within 12 weeks of its delivery",
    ),
    Change(
        "DP129",
        "dp129_policy.toml",
        'remote_party = ["gbcs", "cnsa"]',
        'remote_party = ["gbcs"]',
        "A129-5",
        "Proposed (MP129): every Remote Party signer may sign with the GBCS variant only",
        "the GBCS or the CNSA variant",
    ),
    Change(
        "DP125",
        "dp125_policy.toml",
        'statuses = ["Commissioned"]',
        'statuses = ["Suspended", "Commissioned"]',
        "A125-5",
        "the responsible Import Supplier while the status is Commissioned or Suspended",
        "while the status is Commissioned (",
    ),
    Change(
        "DP125",
        "dp125_policy.toml",
        'default_era = "2020"',
        'default_era = "duis-5.x"',
        "A125-8",
        "duis-5.x by default",
        "2020 by default",
    ),
    Change(
        "DP131",
        "table_28d.toml",
        _DP131_OLD,
        _DP131_NEW,
        "A131-1",
        "Table 28d values of begin_date, end_date, start_time, end_time are not public",
        "exec_weekdays",
    ),
    Change(
        "DP131",
        "table_28d.toml",
        _DP131_OLD,
        _DP131_NEW,
        "A131-1v",
        "Table 28d values are exec_weekdays 1110000",
        "",  # the bundled table gives no baseline value: no A131-1v at all
    ),
)


def _bundled(name: str) -> bytes:
    return resources.files("secrules.data").joinpath(name).read_bytes()


def _write(tmp_path: Path, change: Change) -> Path:
    text = _bundled(change.table).decode("utf-8")
    assert text.count(change.old) == 1, f"{change.old!r} must occur once in {change.table}"
    path = tmp_path / f"my {change.proposal.lower()} table.toml"
    path.write_text(text.replace(change.old, change.new), encoding="utf-8")
    return path


def _assumption(report: secrules.ImpactReport, ident: str) -> str:
    found = [a.text for a in report.assumptions if a.id == ident]
    assert len(found) == 1, f"{report.id} reports {ident} {len(found)} times"
    return found[0]


def _rendered(report: secrules.ImpactReport) -> dict[str, str]:
    out = {fmt: render_impact([report], fmt) for fmt in IMPACT_FORMATS}
    out["html"] = html.unescape(out["html"])
    # Text and Markdown wrap at 100 columns: compare words, not line breaks.
    out["text"] = " ".join(out["text"].split())
    out["md"] = " ".join(out["md"].split())
    return out


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: f"{c.proposal}-{c.assumption}")
def test_user_table_changes_the_reported_assumption(tmp_path: Path, change: Change):
    bundled = secrules.impact(change.proposal)
    if change.hides:
        assert change.hides in _assumption(bundled, change.assumption)
    else:
        assert change.assumption not in {a.id for a in bundled.assumptions}

    path = _write(tmp_path, change)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = secrules.impact(change.proposal, table=path)
    text = _assumption(report, change.assumption)
    assert change.shows in text
    if change.hides:
        assert change.hides not in text
    assert str(path) in text  # the assumption says where its values were read

    assert report.table is not None
    assert (report.table.file, report.table.sha256) == (str(path), digest)
    assert not report.table.bundled
    for fmt, out in _rendered(report).items():
        assert str(path) in out, fmt
        assert digest in out, fmt
        assert change.shows in out, fmt
        assert f"bundled {change.table}" not in out, fmt


@pytest.mark.parametrize(
    "proposal",
    [p.id for p in secrules.proposals() if p.model is not None and p.model.table_name],
)
def test_bundled_report_names_the_bundled_table(proposal: str):
    report = secrules.impact(proposal)
    model = secrules.get_proposal(proposal).require_model()
    source = report.table
    assert source is not None
    assert source.bundled
    assert source.name == model.table_name
    assert source.sha256 == hashlib.sha256(_bundled(model.table_name)).hexdigest()
    for fmt, out in _rendered(report).items():
        assert f"bundled {model.table_name}" in out, fmt
        assert source.sha256 in out, fmt


def test_json_table_key():
    payload = json.loads(render_impact([secrules.impact("DP133")], "json"))
    assert payload["table"] == {
        "name": "section_g.toml",
        "file": "secrules/data/section_g.toml",
        "bundled": True,
        "sha256": hashlib.sha256(_bundled("section_g.toml")).hexdigest(),
    }


def test_same_table_same_report_other_table_other_digest(tmp_path: Path):
    """A user's byte-identical copy gives the bundled verdicts; the digest identifies it."""
    copy = tmp_path / "copy.toml"
    copy.write_bytes(_bundled("section_g.toml"))
    bundled = secrules.impact("DP133")
    own = secrules.impact("DP133", table=copy)
    assert own.table is not None
    assert bundled.table is not None
    assert own.table.sha256 == bundled.table.sha256
    assert [as_json(r) for r in own.rows] == [as_json(r) for r in bundled.rows]
    assert str(copy) in render_impact([own], "text")


def test_table_read_once_per_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """with_table reads the file once: rules, scenarios and report all come from one reading."""
    from secrules.gbcs import table_28d

    calls: list[object] = []
    real = table_28d.load_table_28d

    def counting(path=None):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(table_28d, "load_table_28d", counting)
    path = _write(tmp_path, CHANGES[-1])
    report = secrules.impact("DP131", table=path)
    render_impact([report], "text")
    assert [c for c in calls if c is not None] == [path]
