"""The HTML impact report: one standalone page a committee reads and prints (A4).

For each proposal: a generated summary (:mod:`secrules.report.summary`), the picture of its
scenario space (:mod:`secrules.report.svg`, one per reading of the baseline), its sensitivity
to its assumptions, the changed situations, assumptions, notes; with several proposals, an
overview first (status, outcome, changed counts, thumbnails linking to each). Provenance of the
run and a glossary of the terms used close the page. No script, no network.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from secrules.core.impact import ImpactReport, ImpactRow
from secrules.core.proposals import Assumption, Proposal
from secrules.core.sensitivity import Sensitivity
from secrules.report.grid import picture
from secrules.report.labels import Notes, field_name, glossary_for
from secrules.report.provenance import RunInfo, inputs
from secrules.report.readings import reading_assumptions, reading_difference
from secrules.report.summary import Summary
from secrules.report.svg import render_svg

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:64rem;padding:0 1rem;
color:#222;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:2px solid #ccc;padding-bottom:.2rem}
h3{font-size:1.05rem;margin-bottom:.3rem}
.id,td.id,th.id,code,.sha{white-space:nowrap}
.sha{font-family:ui-monospace,monospace;font-size:.8em}
dt{font-weight:600;margin-top:.3rem}dd{margin-left:1.5rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.summary{background:#f5f8fb;border-left:4px solid #0072B2;padding:.5rem 1rem;margin:.5rem 0}
.summary p{margin:.3rem 0}
.robust{color:#05603a}.depends{color:#a33;font-weight:600}
.assumed{color:#a33;font-weight:600}.inferred{color:#a60}.stated{color:#276}
.warn{color:#a33;font-weight:600}
figure{margin:.5rem 0 1rem}figcaption{font-size:.9em;color:#444}
svg.grid{max-width:100%;height:auto}
.thumb svg{width:11rem;height:auto}
.changed-mark{font-weight:700}
.notes li,.members{font-size:.9em}
@page{size:A4;margin:14mm}
@media print{
body{margin:0;max-width:none;padding:0;font-size:9.5pt}
section.proposal{break-before:page}
figure,tr,.summary{break-inside:avoid}
a{color:inherit;text-decoration:none}
table{font-size:8.5pt}
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _sens_html(items: tuple[Sensitivity, ...], summary: Summary) -> str:
    if not items:
        return f'<p class="sensitivity">{_e(summary.sensitivity[0])}</p>'
    lis = "".join(
        f'<li class="{"robust" if s.robust else "depends"}">{_e(line)}</li>'
        for s, line in zip(items, summary.sensitivity, strict=True)
    )
    return f'<ul class="sensitivity">{lis}</ul>'


def _rows_table(report: ImpactReport, rows: Sequence[ImpactRow], notes: Notes) -> str:
    model = report.model
    keys = [name for name, _ in rows[0].scenario.params]
    head = "".join(f"<th>{_e(field_name(model, k))}</th>" for k in keys)
    out = [
        f"<table class=rows><thead><tr>{head}<th>baseline</th><th>proposed</th></tr></thead><tbody>"
    ]
    for row in rows:
        cells = "".join(f"<td>{_e(notes.value(row.scenario[k]))}</td>" for k in keys)
        mark = ' class="changed"' if row.changed else ""
        out.append(
            f"<tr{mark}>{cells}<td>{_e(row.baseline.verdict)}</td>"
            f"<td>{'<span class=changed-mark>→ </span>' if row.changed else ''}"
            f"{_e(row.proposed.verdict)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _figure(report: ImpactReport, notes: Notes, *, caption: str) -> tuple[str, str]:
    pic = picture(report, notes, caption=caption)
    merged = [line for line in pic.lines if line.merged]
    members = "".join(
        f'<p class="members"><i>{_e(line.label)}</i>: {_e("; ".join(line.members[:12]))}'
        f"{' ...' if len(line.members) > 12 else ''}</p>"
        for line in merged
    )
    body = (
        f"<figure>{render_svg(pic)}<figcaption>{_e(report.id)}: rows are"
        f" {_e(pic.row_axis)}, columns {_e(pic.column_axis)}.</figcaption>{members}</figure>"
    )
    return body, render_svg(pic, thumbnail=True)


def _section(
    report: ImpactReport,
    summary: Summary,
    sens: tuple[Sensitivity, ...],
    *,
    all_rows: bool,
) -> tuple[str, str]:
    notes = Notes()
    model = report.model
    proposal = report.proposal
    out = [
        f'<section class="proposal" id="{_e(report.id)}">',
        f'<h2><span class="id">{_e(report.id)}</span> {_e(report.title)}</h2>',
        '<div class="summary">',
        *(f"<p>{_e(s)}</p>" for s in summary.sentences()),
        "<p><b>Sensitivity to assumptions:</b></p>",
        _sens_html(sens, summary),
        "</div>",
    ]
    thumb = ""
    for each in report.by_reading:
        caption = report.id
        if each.reading is not None:
            caption = f"{report.id}, reading held by {each.reading.held_by}"
        figure, small = _figure(each, notes, caption=caption)
        if each.reading is not None:
            out.append(
                f"<h3>Reading: {_e(each.reading.name)}</h3><p>{_e(each.reading.text)}"
                f" ({_e(each.reading.provenance)}; {each.changed_count} of {each.total}"
                " situations change)</p>"
            )
        out.append(figure)
        thumb = thumb or small
    if report.alternatives:
        out.append(f'<p class="difference">{_e(reading_difference(report))}</p>')
    out.append("<h3>Details</h3><dl>")
    out.append(f"<dt>Status</dt><dd>{_e(proposal.status)}</dd>")
    out.append(f"<dt>Raised by</dt><dd>{_e(proposal.raised_by)}</dd>")
    out.append(f"<dt>Declared scope</dt><dd>{_e(model.scope)}</dd>")
    for regime, text in model.regimes.items():
        out.append(f"<dt>{_e(str(regime).capitalize())}</dt><dd>{_e(text)}</dd>")
    table = "none" if report.table is None else report.table.describe()
    out.append(f"<dt>Parameter table</dt><dd>{_e(table)}</dd>")
    out.append("<dt>Input tables</dt><dd><ul>")
    out.extend(
        f'<li><code>{_e(t.file)}</code> SHA-256 <span class="sha">{_e(t.sha256)}</span></li>'
        for t in inputs(report)
    )
    out.append("</ul></dd></dl>")
    changed = report.changed_rows
    if changed:
        out.append(f"<h3>Changed situations ({len(changed)})</h3>")
        out.append(_rows_table(report, changed, notes))
    if all_rows:
        out.append(f"<details><summary>All {report.total} situations</summary>")
        out.append(_rows_table(report, report.rows, notes))
        out.append("</details>")
    if report.assumptions:
        out.append("<h3>Assumptions and inferences</h3>")
        out.append(_assumption_table(report.assumptions))
        for reading, extra in reading_assumptions(report):
            out.append(f"<p>Under {_e(reading.name)} ({_e(reading.id)}):</p>")
            out.append(_assumption_table(extra))
    if notes.items:
        out.append('<h3>Notes</h3><ol class="notes">')
        out.extend(f"<li>{_e(text)}</li>" for _, text in notes.numbered())
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out), thumb


def _assumption_table(assumptions: Sequence[Assumption]) -> str:
    rows = "".join(
        f'<tr><td class="id">{_e(a.id)}</td><td class="{_e(a.provenance.value)}">'
        f"{_e(a.provenance)}</td><td>{_e(a.text)}</td><td>{_e(a.source)}</td></tr>"
        for a in assumptions
    )
    return (
        "<table><thead><tr><th class=id>id</th><th>provenance</th><th>text</th>"
        f"<th>source</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _title(reports: Sequence[ImpactReport]) -> str:
    return f": {reports[0].id}" if len(reports) == 1 else ""


def render_html(
    reports: Sequence[ImpactReport],
    *,
    run: RunInfo,
    summaries: Sequence[Summary],
    sensitivities: Sequence[tuple[Sensitivity, ...]],
    all_rows: bool = False,
    not_modelled: Sequence[Proposal] = (),
) -> str:
    """The standalone page for ``reports`` (their summaries and sensitivities given)."""
    sections, thumbs = [], []
    for report, summary, sens in zip(reports, summaries, sensitivities, strict=True):
        body, thumb = _section(report, summary, sens, all_rows=all_rows)
        sections.append(body)
        thumbs.append(thumb)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>secrules impact report{_title(reports)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Impact of proposals to change the Smart Energy Code</h1>",
        (
            '<p class="how">Each proposal is modelled as a finite set of situations, each judged'
            " under the <b>baseline</b> rule (as it stood) and the <b>proposed</b> rule. The"
            " picture shows every situation: each cell is split, baseline on the left, proposed"
            " on the right; cells whose verdict changes have a heavy outline and a number."
            " Assumptions are marked <span class=stated>stated</span>,"
            " <span class=inferred>inferred</span> or <span class=assumed>assumed</span>."
            ' Terms are defined in the <a href="#glossary">glossary</a>.</p>'
        ),
    ]
    if len(reports) > 1 or not_modelled:
        out.append('<section id="overview"><h2>Overview</h2><table class="overview"><thead><tr>')
        out.append(
            "<th class=id>item</th><th>title</th><th>status</th><th>outcome</th>"
            "<th>changed</th><th>picture</th></tr></thead><tbody>"
        )
        for report, thumb in zip(reports, thumbs, strict=True):
            rid = _e(report.id)
            out.append(
                f'<tr><td class="id"><a href="#{rid}">{rid}</a></td><td>{_e(report.title)}</td>'
                f"<td>{_e(report.proposal.status)}</td><td>{_e(report.proposal.outcome)}</td>"
                f"<td>{report.changed_count} of {report.total}</td>"
                f'<td class="thumb"><a href="#{rid}" aria-label="{rid} picture">{thumb}</a>'
                "</td></tr>"
            )
        out.extend(
            f'<tr><td class="id">{_e(p.id)}</td><td>{_e(p.title)}</td><td>{_e(p.status)}</td>'
            f"<td>{_e(p.outcome)}</td><td colspan=2>not modelled yet</td></tr>"
            for p in not_modelled
        )
        out.append("</tbody></table></section>")
    out.extend(sections)
    out.append('<section id="provenance"><h2>About this report</h2><ul>')
    out.extend(f"<li>{_e(line)}</li>" for line in run.lines()[: 1 + len(run.documents)])
    out.append("</ul><table><thead><tr><th>input table</th><th>SHA-256</th></tr></thead><tbody>")
    out.extend(
        f'<tr><td><code>{_e(t.file)}</code></td><td class="sha">{_e(t.sha256)}</td></tr>'
        for t in run.inputs
    )
    out.append("</tbody></table></section>")
    terms = glossary_for(html.unescape(part) for part in out)
    out.append('<section id="glossary"><h2>Glossary</h2><dl>')
    out.extend(f"<dt>{_e(t.term)}</dt><dd>{_e(t.definition)}</dd>" for t in terms)
    out.append("</dl></section></body></html>")
    return "\n".join(out) + "\n"
