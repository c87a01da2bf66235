"""JSON impact reports written row by row are the document render_impact builds, byte for byte."""

from __future__ import annotations

import io
import json

import attrs
import pytest

from secrules.core.impact import compute_impact
from secrules.proposals import proposals
from secrules.report import render_impact
from secrules.report.impact import write_impact_json


@pytest.fixture(scope="module")
def reports():
    return [compute_impact(p, p.require_model()) for p in proposals() if p.modelled]


@pytest.mark.parametrize("shape", ["one", "all", "all+not_modelled", "none+not_modelled"])
def test_streamed_json_is_the_rendered_document(reports, shape):
    chosen = reports[:1] if shape == "one" else [] if shape.startswith("none") else reports
    # All nine items are modelled: one is listed as not modelled, so that shape is exercised.
    bare = attrs.evolve(proposals()[1], factory=None)
    missing = [bare] if "not_modelled" in shape else []
    pieces: list[str] = []
    write_impact_json(chosen, pieces.append, not_modelled=missing)
    text = "".join(pieces)
    assert text == render_impact(chosen, "json", not_modelled=missing)
    data = json.loads(text)
    if missing:
        assert [p["proposal"] for p in data["not_modelled"]] == [bare.id]
    if chosen:
        assert len(pieces) > sum(r.total for r in chosen)  # written a row at a time


def test_changed_rows_are_computed_once(reports):
    report = reports[0]
    assert report.changed_rows is report.changed_rows
    assert report.changed_count == sum(1 for row in report.rows if row.changed)


def test_cli_json_impact_to_a_file(run_cli, tmp_path):
    out = tmp_path / "impact.json"
    proc = run_cli("impact", "DP133", "--format", "json", "-o", out)
    assert proc.code == 0, proc.err
    buffer = io.StringIO(out.read_text(encoding="utf-8"))
    assert json.load(buffer)["proposal"] == "DP133"
