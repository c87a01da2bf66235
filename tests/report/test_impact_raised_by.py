"""Who raised a proposal shows in every impact format; DP131's docs agree with the paper."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import secrules
from secrules.report import as_json, render_impact
from support import missing_vectors

ROOT = Path(__file__).resolve().parents[2]
DP131 = secrules.impact("DP131")


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_raised_by_in_every_readable_format(fmt):
    out = render_impact([DP131], fmt)
    shown = {
        "text": "  raised by: DCC\n",
        "md": "- **Raised by:** DCC\n",
        "html": "<dt>Raised by</dt><dd>DCC</dd>",
    }[fmt]
    assert shown in out, out[:400]


def test_raised_by_in_json():
    report = json.loads(render_impact([DP131], "json"))
    assert report["raised_by"] == "DCC" == DP131.proposal.raised_by
    assert as_json(secrules.impact("DP133"))["raised_by"] == "Utiligroup"


def test_a131_1_names_the_cli_options_and_the_api_argument():
    (a1,) = [a for a in DP131.assumptions if a.id == "A131-1"]
    for way in ("--table FILE", "--table-28d FILE", "table_28d="):
        assert way in a1.text


def test_dp131_page_names_who_raised_it_as_the_paper_and_registry_do():
    paper = ROOT.parent / "shared" / "seed" / "committee-paper-2020-05-28.txt"
    if not paper.is_file():
        missing_vectors(f"committee paper not found at {paper}")
    said = re.search(r"DP131 has been raised by ([^.]+) of the (\w+)\.", paper.read_text("utf-8"))
    assert said is not None
    person, organisation = said.groups()
    assert secrules.get_proposal("DP131").raised_by == organisation
    page = (ROOT / "docs" / "proposals" / "dp131.md").read_text(encoding="utf-8")
    first = " ".join(page.split("\n\n")[1].split())
    assert f"Raised by** {person} of the {organisation}" in first
