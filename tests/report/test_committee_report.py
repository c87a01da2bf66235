"""The committee report: summary, picture, sensitivity, labels, provenance, 100-column wrap."""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secrules
from secrules.core import Reading, Scenario, Variation, default_grid
from secrules.proposals.dp133 import Dp133Model
from secrules.report import render_impact
from secrules.report.grid import MAX_ROWS, picture
from secrules.report.labels import Notes, glossary_for, humanise, split_caveat, wrap
from secrules.report.summary import NO_VARIATIONS, summarise
from secrules.report.svg import render_svg

MODELLED = ("DP125", "DP129", "DP131", "DP133")


@pytest.fixture(scope="module")
def reports():
    return {pid: secrules.impact(pid) for pid in MODELLED}


@pytest.mark.parametrize("fmt", ["text", "md"])
def test_text_and_markdown_wrap_at_100_columns(reports, fmt):
    out = render_impact(list(reports.values()), fmt, all_rows=True, date="2020-05-28")
    long = [line for line in out.splitlines() if len(line) > 100]
    assert long == []
    assert "run 2020-05-28" in out


def test_wrap_breaks_words_longer_than_a_line():
    lines = wrap("x" * 250, indent="  ")
    assert all(len(line) <= 100 for line in lines)
    assert "".join(line.strip() for line in lines) == "x" * 250


def test_provenance_in_every_format(reports, monkeypatch):
    digest = hashlib.sha256(
        resources.files("secrules.data").joinpath("section_g.toml").read_bytes()
    ).hexdigest()
    report = [reports["DP133"]]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590624000")  # 2020-05-28
    for fmt in ("text", "md", "html"):
        out = render_impact(report, fmt)
        assert "2020-05-28" in out, fmt
        assert digest in out, fmt
        assert f"secrules {secrules.__version__}" in out, fmt
        assert "SEC Section G" in out, fmt
    run = json.loads(render_impact(report, "json", date="2021-11-04"))["run"]
    assert run["date"] == "2021-11-04"
    assert {"file": "secrules/data/section_g.toml", "sha256": digest, "bundled": True} in run[
        "inputs"
    ]


def test_a_bad_date_is_refused(reports):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        render_impact([reports["DP133"]], "text", date="28/05/2020")


def test_summary_says_what_who_how_many_and_what_it_rests_on(reports):
    summary = summarise(reports["DP133"], ())
    assert summary.changes.startswith("What changes. Baseline: SEC before MP133")
    assert "Section G part is G10" in summary.affected
    assert summary.counts.startswith("3 of 1270 situations change: 3 from")
    assert "\u201cdoes not apply\u201d to \u201capplies\u201d" in summary.counts
    assert "rests on 7 assumptions" in summary.rests_on
    assert summary.sensitivity == (NO_VARIATIONS,)
    dp129 = summarise(reports["DP129"], ())
    # Each reading is summarised: none affected under BEIS's, some signers under the DSP's.
    assert dp129.affected.startswith("Under BEIS's reading: no situation is affected.")
    assert "Under the DSP's reading: only situations where" in dp129.affected
    assert "none of the 22 situations modelled changes" in dp129.counts
    assert "10 of 22 situations change" in dp129.counts
    # The signer's role code and kind follow from the signer: said once, not three times.
    assert "Signer is" in dp129.affected
    assert "role code" not in dp129.affected.lower()


class _Varied(Dp133Model):
    """DP133 declaring alternatives: one that moves nothing, one that adds nothing to G1.7."""

    def variations(self):
        yield Variation("A133-3", "the same list", Dp133Model)
        yield Variation(
            "A133-4",
            "MP133 adds nothing",
            lambda: Dp133Model(mp133=attrs.evolve(self.mp133, add=())),
        )


def test_sensitivity_is_computed_and_reported():
    proposal = secrules.get_proposal("DP133")
    report = secrules.core.compute_impact(proposal, _Varied())
    data = json.loads(render_impact([report], "json"))
    by_id = {s["assumption"]: s for s in data["sensitivity"]}
    assert by_id["A133-3"]["robust"] is True
    assert by_id["A133-4"]["robust"] is False
    moved = [a["label"] for a in by_id["A133-4"]["alternatives"] if not a["same"]]
    assert moved == ["MP133 adds nothing"]
    assert by_id["A133-3"]["text"] == (
        "robust to A133-3: the same 3 changed rows under its one alternative"
    )
    assert by_id["A133-4"]["text"].startswith("depends on A133-4")
    page = render_impact([report], "html")
    assert '<li class="robust">' in page
    assert '<li class="depends">' in page


def test_every_reading_gets_its_own_picture(reports):
    base = reports["DP133"]
    first = Reading("R1", "first reading", "the DSP", "Text read one way.", "inferred")
    second = Reading("R2", "second reading", "BEIS", "Text read another way.", "stated")
    report = attrs.evolve(base, reading=first, alternatives=(attrs.evolve(base, reading=second),))
    page = render_impact([report], "html")
    assert page.count("<figure>") == 2
    assert "Reading: first reading" in page
    assert "Reading: second reading" in page
    assert "reading held by BEIS" in page


def test_picture_summarises_a_large_space(reports):
    pic = picture(reports["DP133"], Notes())
    assert pic.row_values == 127
    assert len(pic.lines) <= MAX_ROWS
    assert [line.label for line in pic.lines if not line.merged] == ["ES", "RSA", "ES, RSA"]
    assert sum(len(line.members) for line in pic.lines) == 127
    assert pic.columns[-1] == "G10"
    svg = render_svg(pic)
    assert svg.count('class="cell changed"') == 3
    assert 'class="legend"' in svg
    assert "<script" not in svg
    assert "http://www.w3.org/2000/svg" in svg
    assert 'class="legend"' not in render_svg(pic, thumbnail=True)


@functools.cache
def _dp125_rows():
    return secrules.impact("DP125").rows


@st.composite
def row_subsets(draw):
    rows = _dp125_rows()
    picked = draw(st.lists(st.integers(0, len(rows) - 1), min_size=1, max_size=60, unique=True))
    return [rows[i] for i in sorted(picked)]


@settings(max_examples=20)
@given(rows=row_subsets())
def test_picture_counts_every_situation_once(reports, rows):
    report = attrs.evolve(reports["DP125"], rows=tuple(rows))
    pic = picture(report, Notes())
    assert sum(c.total for c in pic.cells) == len(rows)
    assert sum(c.changed for c in pic.cells) == sum(r.changed for r in rows)
    for cell in pic.cells:
        assert sum(n for _, n in cell.baseline) == cell.total
        assert sum(n for _, n in cell.proposed) == cell.total


def test_default_grid_skips_parameters_the_row_determines():
    scenarios = [
        Scenario({"who": who, "code": code, "what": what})
        for who, code in (("alpha", "01"), ("beta", "02"), ("gamma", "03"))
        for what in ("x", "y")
    ]
    grid = default_grid(scenarios)
    assert grid.rows == ("who",)
    assert grid.columns == ("what",)


def test_labels_are_readable_and_caveats_said_once(reports):
    assert humanise("enable_octet") == "Enable octet"
    assert split_caveat("FF (as RTDS sends)") == ("FF", "as RTDS sends")
    assert split_caveat("G10") == ("G10", "")
    notes = Notes()
    assert notes.value("1111100 (illustrative)") == "1111100 [1]"
    assert notes.value("2020-01-01 (illustrative)") == "2020-01-01 [1]"
    assert notes.items == ["illustrative"]
    md = render_impact([reports["DP131"]], "md")
    rows = md[md.index("**Result:**") : md.index("Notes:")]
    assert "not the real Table 28d" not in rows
    notes_part = md[md.index("Notes:") : md.index("Assumptions and inferences")]
    assert notes_part.count("illustrative, not the real Table 28d") == 1
    assert "| Enable flag octet |" not in md or "enable_octet" in md


def test_html_ids_never_wrap_and_glossary_defines_terms_used(reports):
    page = render_impact([reports["DP131"]], "html")
    assert ".id,td.id" in page
    assert "white-space:nowrap" in page
    assert '<td class="id">A131-1</td>' in page
    glossary = page[page.index('id="glossary"') :]
    for term in ("indeterminate", "RTDS", "Table 28d", "baseline"):
        assert f"<dt>{term}</dt>" in glossary
    assert "Enable flag octet" in page
    assert "<th>enable_octet</th>" not in page


def test_whole_paper_page_has_an_overview_with_links_and_thumbnails(reports):
    # All nine are modelled; an item without a model is still listed as such in the overview.
    unmodelled = [attrs.evolve(secrules.get_proposal("DP126"), factory=None)]
    page = render_impact(list(reports.values()), "html", not_modelled=unmodelled)
    overview = page[page.index('id="overview"') : page.index('<section class="proposal"')]
    for pid in MODELLED:
        assert f'<a href="#{pid}">{pid}</a>' in overview
        assert f'<section class="proposal" id="{pid}">' in page
    assert overview.count('class="grid thumb"') == len(MODELLED)
    assert "not modelled yet" in overview
    assert "@page{size:A4" in page


def test_sensitivity_over_budget_or_turned_off_says_not_computed(monkeypatch, run_cli):
    """An uncomputed sensitivity is said plainly in every format, never left to read as robust."""
    monkeypatch.setattr("secrules.report.impact.SENSITIVITY_BUDGET", 10)
    report = secrules.core.compute_impact(secrules.get_proposal("DP133"), Dp133Model())
    text = render_impact([report], "text")
    assert "Sensitivity to assumptions not computed: 32 alternatives x 1,270 situations" in text
    assert "robust to A133-3" not in text
    data = json.loads(render_impact([report], "json"))
    assert data["sensitivity"] == []
    assert data["sensitivity_note"].startswith("Sensitivity to assumptions not computed")
    forced = json.loads(render_impact([report], "json", sensitivity=True))
    assert forced["sensitivity_note"] == ""
    assert forced["sensitivity"][0]["robust"] is True
    off = run_cli("impact", "DP131", "--no-sensitivity").out
    assert "not computed (turned off for this report)" in off


def test_glossary_matches_whole_terms_not_their_common_words():
    # "ESME variant" (DP125) is not the ECDSA signing variant; "GBCS variant" (DP129) is.
    def terms(text):
        return {term.term for term in glossary_for([text])}

    ecdsa = "ECDSA, GBCS variant, CNSA variant"
    assert ecdsa not in terms("the ESME variant recorded in the SMI")
    assert ecdsa in terms("signed with the GBCS variant")
    assert ecdsa in terms("signed with the CNSA variant")
