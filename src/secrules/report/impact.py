"""Render impact reports for a committee: text, Markdown, JSON or a standalone HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence

from secrules.core.impact import ImpactReport, ImpactRow
from secrules.core.proposals import Assumption, Proposal
from secrules.errors import InvalidValueError
from secrules.report.serialise import as_json, report_head

__all__ = ["IMPACT_FORMATS", "render_impact", "write_impact_json"]

IMPACT_FORMATS = ("text", "md", "json", "html")


def render_impact(
    reports: Sequence[ImpactReport],
    fmt: str,
    *,
    all_rows: bool = False,
    not_modelled: Sequence[Proposal] = (),
) -> str:
    """Render ``reports`` in ``fmt``; JSON always carries every row.

    Text, Markdown and HTML show the changed rows, or every row with ``all_rows``. Items listed in
    ``not_modelled`` are named as such, never presented as results.
    """
    if fmt == "json":
        return _json(reports, not_modelled)
    if fmt == "text":
        return _text(reports, all_rows=all_rows, not_modelled=not_modelled)
    if fmt == "md":
        return _markdown(reports, all_rows=all_rows, not_modelled=not_modelled)
    if fmt == "html":
        return _html(reports, all_rows=all_rows, not_modelled=not_modelled)
    msg = f"unknown impact format {fmt!r}; expected one of {', '.join(IMPACT_FORMATS)}"
    raise InvalidValueError(msg)


def _dumps(value: object, indent: str) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it nested ``indent`` deep."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def write_impact_json(
    reports: Sequence[ImpactReport],
    write: Callable[[str], object],
    *,
    not_modelled: Sequence[Proposal] = (),
) -> None:
    """Write the JSON of :func:`render_impact` piece by piece, each row as it is serialised.

    The text is exactly ``render_impact(reports, "json", ...)``, but the document is never
    built whole: memory holds one row's JSON at a time, however many scenarios a model has.
    """
    single = len(reports) == 1 and not not_modelled
    outer = "" if single else "    "
    if not single:
        write('{\n  "reports": [' if reports else '{\n  "reports": []')
    for number, report in enumerate(reports):
        if not single:
            write(("," if number else "") + "\n" + outer)
        head = _dumps(report_head(report), outer)
        write(head[: -len("\n" + outer + "}")] + ",\n" + outer + '  "rows": [')
        inner = outer + "    "
        for index, row in enumerate(report.rows):
            write(("," if index else "") + "\n" + inner + _dumps(as_json(row), inner))
        write(("\n" + outer + "  ]" if report.rows else "]") + "\n" + outer + "}")
    if not single:
        if reports:
            write("\n  ]")
        modelled = [{"proposal": p.id, "title": p.title} for p in not_modelled]
        write(',\n  "not_modelled": ' + _dumps(modelled, "  ") + "\n}")
    write("\n")


def _json(reports: Sequence[ImpactReport], not_modelled: Sequence[Proposal]) -> str:
    if len(reports) == 1 and not not_modelled:
        payload: object = as_json(reports[0])
    else:
        payload = {
            "reports": [as_json(r) for r in reports],
            "not_modelled": [{"proposal": p.id, "title": p.title} for p in not_modelled],
        }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _rows(report: ImpactReport, *, all_rows: bool) -> tuple[ImpactRow, ...]:
    return report.rows if all_rows else report.changed_rows


def _summary(report: ImpactReport) -> str:
    line = f"{report.changed_count} of {report.total} scenarios change"
    stray = report.out_of_scope_changes
    if stray:
        return f"{line}; WARNING: {len(stray)} changed rows lie outside the declared scope"
    return f"{line} (all inside the declared scope)" if report.changed_count else line


def _table_line(report: ImpactReport) -> str:
    """Which parameter table the report was computed from, and its SHA-256."""
    if report.table is None:
        return "no parameter table"
    return report.table.describe()


def _assumption_line(a: Assumption) -> str:
    return f"{a.id} [{a.provenance}] {a.text}" + (f" (source: {a.source})" if a.source else "")


def _text(
    reports: Sequence[ImpactReport], *, all_rows: bool, not_modelled: Sequence[Proposal]
) -> str:
    out: list[str] = []
    for report in reports:
        model = report.model
        out.append(f"{report.id}  {report.title}")
        out.append(f"  status:    {report.proposal.status}")
        out.append(f"  raised by: {report.proposal.raised_by}")
        out.append(f"  table:     {_table_line(report)}")
        out.append(f"  scope:     {model.scope}")
        for regime, text in model.regimes.items():
            out.append(f"  {regime + ':':10} {text}")
        out.append(f"  {_summary(report)}")
        rows = _rows(report, all_rows=all_rows)
        if rows:
            cells = [(r.scenario.describe(), r.baseline.verdict, r.proposed.verdict) for r in rows]
            widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(_HEAD)]
            out.append("")
            head = "  ".join(h.ljust(w) for h, w in zip(_HEAD, widths, strict=True))
            out.append(f"  {head}".rstrip())
            for row, cell in zip(rows, cells, strict=True):
                mark = "  *" if row.changed and all_rows else ""
                line = "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True))
                out.append(f"  {line}{mark}".rstrip())
        if report.assumptions:
            out.append("")
            out.append("  Assumptions and inferences (provenance in brackets):")
            out.extend(f"  - {_assumption_line(a)}" for a in report.assumptions)
        out.append("")
    out.extend(f"{p.id}  {p.title}: not modelled yet ({p.status})" for p in not_modelled)
    return "\n".join(out).rstrip() + "\n"


_HEAD = ("scenario", "baseline", "proposed")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(
    reports: Sequence[ImpactReport], *, all_rows: bool, not_modelled: Sequence[Proposal]
) -> str:
    out: list[str] = []
    if len(reports) > 1:
        out += ["| proposal | title | changed | status |", "|---|---|---|---|"]
        out.extend(
            f"| {pid} | {_md_cell(title)} | {changed} | {_md_cell(status)} |"
            for pid, title, changed, status in _summary_rows(reports)
        )
        out.append("")
    for report in reports:
        model = report.model
        out.append(f"## {report.id}: {report.title}")
        out.append("")
        out.append(f"- **Status:** {_md_cell(report.proposal.status)}")
        out.append(f"- **Raised by:** {_md_cell(report.proposal.raised_by)}")
        out.append(f"- **Parameter table:** {_md_cell(_table_line(report))}")
        out.append(f"- **Scope:** {_md_cell(model.scope)}")
        for regime, text in model.regimes.items():
            out.append(f"- **{regime.capitalize()}:** {_md_cell(text)}")
        out.append(f"- **Result:** {_summary(report)}")
        out.append("")
        rows = _rows(report, all_rows=all_rows)
        if rows:
            keys = list(rows[0].scenario.as_dict())
            out.append("| " + " | ".join([*keys, "baseline", "proposed", "changed"]) + " |")
            out.append("|" + "---|" * (len(keys) + 3))
            for row in rows:
                values = [_md_value(v) for v in row.scenario.as_dict().values()]
                out.append(
                    "| "
                    + " | ".join(
                        [
                            *values,
                            _md_cell(row.baseline.verdict),
                            _md_cell(row.proposed.verdict),
                            "**yes**" if row.changed else "no",
                        ]
                    )
                    + " |"
                )
            out.append("")
        if report.assumptions:
            out.append("| id | provenance | assumption or inference | source |")
            out.append("|---|---|---|---|")
            out.extend(
                f"| {a.id} | {a.provenance} | {_md_cell(a.text)} | {_md_cell(a.source)} |"
                for a in report.assumptions
            )
            out.append("")
    if not_modelled:
        out.append("## Not modelled yet")
        out.append("")
        out.extend(f"- {p.id}: {p.title} ({_md_cell(p.status)})" for p in not_modelled)
        out.append("")
    return "\n".join(out)


def _plain(value: object) -> str:
    """A scenario value as people read it: lists joined, booleans as yes / no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _md_value(value: object) -> str:
    return _md_cell(_plain(value))


def _summary_rows(reports: Sequence[ImpactReport]) -> list[tuple[str, str, str, str]]:
    return [(r.id, r.title, f"{r.changed_count} of {r.total}", r.proposal.status) for r in reports]


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
dt{font-weight:600;margin-top:.3rem}dd{margin-left:1.5rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
tr.changed td{background:#fff6d5}
.assumed{color:#a33;font-weight:600}.inferred{color:#a60}.stated{color:#276}
.warn{color:#a33;font-weight:600}
"""


def _html(
    reports: Sequence[ImpactReport], *, all_rows: bool, not_modelled: Sequence[Proposal]
) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>secrules impact report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Impact of proposals to change the Smart Energy Code</h1>",
        (
            "<p>Baseline is the rule as it stood; proposed is the rule as proposed. Provenance"
            " marks how each assumption is known: <span class=stated>stated</span>,"
            " <span class=inferred>inferred</span>, <span class=assumed>assumed</span>"
            " (a modelling choice, not the code's text).</p>"
        ),
    ]
    if len(reports) > 1:
        out.append(
            "<table><thead><tr><th>proposal</th><th>title</th><th>changed</th>"
            "<th>status</th></tr></thead><tbody>"
        )
        out.extend(
            f'<tr><td><a href="#{e(pid)}">{e(pid)}</a></td><td>{e(title)}</td>'
            f"<td>{e(changed)}</td><td>{e(status)}</td></tr>"
            for pid, title, changed, status in _summary_rows(reports)
        )
        out.append("</tbody></table>")
    for report in reports:
        model = report.model
        out.append(f'<section id="{e(report.id)}"><h2>{e(report.id)}: {e(report.title)}</h2>')
        out.append("<dl>")
        out.append(f"<dt>Status</dt><dd>{e(report.proposal.status)}</dd>")
        out.append(f"<dt>Raised by</dt><dd>{e(report.proposal.raised_by)}</dd>")
        out.append(f"<dt>Parameter table</dt><dd>{e(_table_line(report))}</dd>")
        out.append(f"<dt>Scope</dt><dd>{e(model.scope)}</dd>")
        for regime, text in model.regimes.items():
            out.append(f"<dt>{e(regime.capitalize())}</dt><dd>{e(text)}</dd>")
        warn = " class=warn" if report.out_of_scope_changes else ""
        out.append(f"<dt>Result</dt><dd{warn}>{e(_summary(report))}</dd></dl>")
        rows = _rows(report, all_rows=all_rows)
        if rows:
            keys = list(rows[0].scenario.as_dict())
            out.append("<table><thead><tr>")
            out.extend(f"<th>{e(k)}</th>" for k in [*keys, "baseline", "proposed"])
            out.append("</tr></thead><tbody>")
            for row in rows:
                cls = ' class="changed"' if row.changed else ""
                cells = [_md_value(v) for v in row.scenario.as_dict().values()]
                cells += [row.baseline.verdict, row.proposed.verdict]
                out.append(f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
            out.append("</tbody></table>")
        if report.assumptions:
            out.append(
                "<h3>Assumptions and inferences</h3><table><thead><tr><th>id</th>"
                "<th>provenance</th><th>text</th><th>source</th></tr></thead><tbody>"
            )
            out.extend(
                f"<tr><td>{e(a.id)}</td><td class={e(a.provenance.value)}>{e(a.provenance)}</td>"
                f"<td>{e(a.text)}</td><td>{e(a.source)}</td></tr>"
                for a in report.assumptions
            )
            out.append("</tbody></table>")
        out.append("</section>")
    if not_modelled:
        out.append("<h2>Not modelled yet</h2><ul>")
        out.extend(f"<li>{e(p.id)}: {e(p.title)} ({e(p.status)})</li>" for p in not_modelled)
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
