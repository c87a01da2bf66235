"""Every assumption of every model, under every reading, shows in every report format with its
provenance: a reader of any one format sees what the impact rests on."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import secrules
from secrules.core.proposals import Assumption
from secrules.report import render_impact

FORMATS = ("text", "md", "html", "json")


def _render(report: secrules.ImpactReport, fmt: str) -> str:
    """The report as ``secrules impact`` writes it (JSON through the streaming writer)."""
    out = render_impact([report], fmt)
    # HTML: tags dropped before entities are read, so that a "<row>" in a text stays.
    return html.unescape(re.sub(r"<[^>]+>", " ", out)) if fmt == "html" else out


def _flat(text: str) -> str:
    return " ".join(text.replace("\\|", "|").split())


def _json_assumptions(node: Any) -> Iterator[tuple[str, str, str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("id"), str) and "provenance" in node and "text" in node:
            yield node["id"], node["text"], node["provenance"], node.get("source", "")
        for value in node.values():
            yield from _json_assumptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _json_assumptions(item)


def _shown(a: Assumption, fmt: str, out: str) -> bool:
    """Whether ``out`` shows ``a``: its id with its provenance, its text and its source."""
    if fmt == "json":
        return (a.id, a.text, a.provenance.value, a.source) in set(
            _json_assumptions(json.loads(out))
        )
    flat = _flat(out)
    line = f"{a.id}** [{a.provenance}] " if fmt == "md" else f"{a.id} [{a.provenance}] "
    if fmt == "html":
        line = f"{a.id} {a.provenance} "
    return f"{line}{_flat(a.text)}" in flat and _flat(a.source) in flat


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
        for each in report.by_reading:
            assert each.assumptions, pid
            for a in each.assumptions:
                if not _shown(a, fmt, out):
                    reading = each.reading.id if each.reading else "-"
                    missing.append(f"{pid} ({reading}) {a.id} [{a.provenance.value}]")
    assert not missing, missing


def test_a_reading_that_words_an_assumption_its_own_way_is_checked(reports):
    """DP129's A129-4 is the baseline as each reading has it: the check above sees both."""
    report = reports["DP129"]
    (dsp,) = report.alternatives
    own = {a.id: a for a in report.assumptions}
    differ = [a for a in dsp.assumptions if a != own.get(a.id)]
    assert [a.id for a in differ] == ["A129-4"]
    for fmt in FORMATS:
        assert _shown(differ[0], fmt, _render(report, fmt)), fmt
        hidden = attrs.evolve(report, alternatives=())
        assert not _shown(differ[0], fmt, _render(hidden, fmt)), fmt
