"""Every assumption of every model, under every reading, shows in every report format with its
provenance: a reader of any one format sees what the impact rests on."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

import secrules
from secrules.report import as_json, render_impact

FORMATS = ("text", "md", "html", "json")


def _render(report: secrules.ImpactReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(as_json(report))
    out = render_impact([report], fmt)
    return html.unescape(out) if fmt == "html" else out


def _json_assumptions(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("id"), str) and "provenance" in node and "text" in node:
            yield node["id"], node["provenance"]
        for value in node.values():
            yield from _json_assumptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _json_assumptions(item)


@pytest.fixture(scope="module")
def reports() -> dict[str, secrules.ImpactReport]:
    return {
        p.id: secrules.impact(p.id, sensitivity=True) for p in secrules.proposals() if p.modelled
    }


def test_every_model_is_covered(reports):
    from secrules.proposals import MODELS

    assert set(reports) == set(MODELS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_assumption_under_every_reading_shows_with_its_provenance(reports, fmt):
    missing = []
    for pid, report in reports.items():
        out = _render(report, fmt)
        shown = set(_json_assumptions(json.loads(out))) if fmt == "json" else set()
        for each in report.by_reading:
            assert each.assumptions, pid
            for a in each.assumptions:
                if fmt == "json":
                    found = (a.id, a.provenance.value) in shown
                else:
                    found = any(
                        a.provenance.value in out[m.end() : m.end() + 80]
                        for m in re.finditer(re.escape(a.id) + r"\b", out)
                    )
                if not found:
                    reading = each.reading.id if each.reading else "-"
                    missing.append(f"{pid} ({reading}) {a.id} [{a.provenance.value}]")
    assert not missing, missing
