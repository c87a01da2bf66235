"""Render impact reports for a committee: text, Markdown, JSON or a standalone HTML page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from secrules.core.impact import ImpactReport, ImpactRow
from secrules.core.proposals import Assumption, Proposal, ProposalModel
from secrules.core.sensitivity import sensitivity_of
from secrules.errors import InvalidValueError
from secrules.report.html import render_html
from secrules.report.labels import WIDTH, Notes, field_name, glossary_for, wrap
from secrules.report.provenance import RunInfo, run_info
from secrules.report.readings import reading_assumptions, reading_difference
from secrules.report.serialise import as_json, report_head
from secrules.report.summary import SENSITIVITY_SKIPPED, Summary, summarise

__all__ = ["IMPACT_FORMATS", "SENSITIVITY_BUDGET", "render_impact", "write_impact_json"]

IMPACT_FORMATS = ("text", "md", "json", "html")


def render_impact(
    reports: Sequence[ImpactReport],
    fmt: str,
    *,
    all_rows: bool = False,
    not_modelled: Sequence[Proposal] = (),
    date: dt.date | str | None = None,
    sensitivity: bool | None = None,
) -> str:
    """Render ``reports`` in ``fmt``; JSON always carries every row.

    Text, Markdown and HTML show the changed rows, or every row with ``all_rows``. Items listed in
    ``not_modelled`` are named as such, never presented as results. Every format opens with a
    generated summary of each proposal and its computed sensitivity to its assumptions, and
    carries the run's provenance: secrules version, ``date`` (else ``SOURCE_DATE_EPOCH``, else
    today), the documents modelled and each input table's SHA-256. Text and Markdown wrap at
    100 columns. ``sensitivity`` None computes the sensitivity when it costs at most
    :data:`SENSITIVITY_BUDGET` scenario evaluations (and says plainly when it was not computed);
    True always, False never.
    """
    if fmt not in IMPACT_FORMATS:
        msg = f"unknown impact format {fmt!r}; expected one of {', '.join(IMPACT_FORMATS)}"
        raise InvalidValueError(msg)
    if fmt == "json":
        return _json(reports, not_modelled, date, sensitivity=sensitivity)
    run = run_info(reports, date)
    reports = [_with_sensitivity(r, sensitivity=sensitivity) for r in reports]
    sens = [r.sensitivity for r in reports]
    summaries = [
        summarise(r, s, skipped=_skipped(r, sensitivity=sensitivity))
        for r, s in zip(reports, sens, strict=True)
    ]
    if fmt == "text":
        return _text(reports, summaries, run, all_rows=all_rows, not_modelled=not_modelled)
    if fmt == "md":
        return _markdown(reports, summaries, run, all_rows=all_rows, not_modelled=not_modelled)
    return render_html(
        reports,
        run=run,
        summaries=summaries,
        sensitivities=sens,
        all_rows=all_rows,
        not_modelled=not_modelled,
    )


#: The most scenario evaluations a report spends on sensitivity unless asked for more
#: (alternatives x scenarios; DP133's bundled table needs 32 x 1,270 = 40,640).
SENSITIVITY_BUDGET = 200_000


def _sensitivity_cost(report: ImpactReport) -> int:
    return report.total * sum(1 for _ in report.model.variations())


def _skipped(report: ImpactReport, *, sensitivity: bool | None) -> str:
    """The summary's line when the sensitivity was declared but not computed, else ""."""
    if report.sensitivity or sensitivity is True:
        return ""
    alternatives = sum(1 for _ in report.model.variations())
    if not alternatives:
        return ""
    if sensitivity is False:
        return "Sensitivity to assumptions not computed (turned off for this report)."
    return SENSITIVITY_SKIPPED.format(
        alternatives=f"{alternatives:,}",
        total=f"{report.total:,}",
        budget=f"{SENSITIVITY_BUDGET:,}",
    )


def _with_sensitivity(report: ImpactReport, *, sensitivity: bool | None = None) -> ImpactReport:
    """``report`` (and each alternative reading) with its sensitivity computed when not yet.

    Every report says how its result moves with each assumption that has declared
    alternatives; a model that declares none gets an honest "none declared" line, and one whose
    sensitivity is over :data:`SENSITIVITY_BUDGET` (or turned off) says it was not computed.
    """
    alternatives = tuple(
        _with_sensitivity(alt, sensitivity=sensitivity) for alt in report.alternatives
    )
    sens = report.sensitivity
    wanted = sensitivity is True or (
        sensitivity is None and _sensitivity_cost(report) <= SENSITIVITY_BUDGET
    )
    if not sens and wanted and any(True for _ in report.model.variations()):
        sens = sensitivity_of(report)
    if sens is report.sensitivity and alternatives == report.alternatives:
        return report
    return attrs.evolve(report, sensitivity=sens, alternatives=alternatives)


def _run_json(run: RunInfo) -> dict[str, Any]:
    return {
        "secrules": run.version,
        "date": run.date,
        "documents": [{"document": d, "versions": list(v)} for d, v in run.documents],
        "inputs": [{"file": t.file, "sha256": t.sha256, "bundled": t.bundled} for t in run.inputs],
    }


def _dumps(value: object, indent: str) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it nested ``indent`` deep."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def write_impact_json(
    reports: Sequence[ImpactReport],
    write: Callable[[str], object],
    *,
    not_modelled: Sequence[Proposal] = (),
    date: dt.date | str | None = None,
    sensitivity: bool | None = None,
) -> None:
    """Write the JSON of :func:`render_impact` piece by piece, each row as it is serialised.

    The text is exactly ``render_impact(reports, "json", ...)``, but the document is never
    built whole: memory holds one row's JSON at a time, however many scenarios a model has.
    Each report's ``rows`` come last in its object; the run's provenance (``run``) closes the
    document.
    """
    run = run_info(reports, date)
    reports = [_with_sensitivity(r, sensitivity=sensitivity) for r in reports]
    single = len(reports) == 1 and not not_modelled
    outer = "" if single else "    "
    if not single:
        write('{\n  "reports": [' if reports else '{\n  "reports": []')
    for number, report in enumerate(reports):
        skipped = _skipped(report, sensitivity=sensitivity)
        summary = summarise(report, report.sensitivity, skipped=skipped)
        if not single:
            write(("," if number else "") + "\n" + outer)
        head = report_head(report) | {
            "summary": list(summary.sentences()),
            "sensitivity_note": skipped,
        }
        text = _dumps(head, outer)
        write(text[: -len("\n" + outer + "}")] + ",\n" + outer + '  "rows": [')
        inner = outer + "    "
        for index, row in enumerate(report.rows):
            write(("," if index else "") + "\n" + inner + _dumps(as_json(row), inner))
        write("\n" + outer + "  ]" if report.rows else "]")
        if single:
            write(',\n  "run": ' + _dumps(_run_json(run), "  "))
        write("\n" + outer + "}")
    if not single:
        if reports:
            write("\n  ]")
        modelled = [{"proposal": p.id, "title": p.title} for p in not_modelled]
        write(',\n  "not_modelled": ' + _dumps(modelled, "  "))
        write(',\n  "run": ' + _dumps(_run_json(run), "  ") + "\n}")
    write("\n")


def _json(
    reports: Sequence[ImpactReport],
    not_modelled: Sequence[Proposal],
    date: dt.date | str | None,
    *,
    sensitivity: bool | None,
) -> str:
    parts: list[str] = []
    write_impact_json(
        reports, parts.append, not_modelled=not_modelled, date=date, sensitivity=sensitivity
    )
    return "".join(parts)


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


def _md_assumption(a: Assumption) -> list[str]:
    source = f" (source: {_md_cell(a.source)})" if a.source else ""
    return _bullet(f"**{a.id}** [{a.provenance}] {_md_cell(a.text)}{source}")


def _describe(row: ImpactRow, notes: Notes) -> str:
    """``roles=ES,RSA part=G10``, each value's caveat replaced by its note mark."""
    parts = []
    for name, value in row.scenario.params:
        shown = ",".join(map(str, value)) if isinstance(value, tuple) else value
        parts.append(f"{name}={notes.value(shown)}")
    return " ".join(parts)


def _fits(lines: Sequence[str]) -> bool:
    return all(len(line) <= WIDTH for line in lines)


def _text(
    reports: Sequence[ImpactReport],
    summaries: Sequence[Summary],
    run: RunInfo,
    *,
    all_rows: bool,
    not_modelled: Sequence[Proposal],
) -> str:
    out: list[str] = []
    for report, summary in zip(reports, summaries, strict=True):
        model = report.model
        notes = Notes()
        out.extend(wrap(f"{report.id}  {report.title}", first="", indent="    "))
        out.append("  Summary:")
        for sentence in summary.sentences():
            out.extend(wrap(sentence, indent="    "))
        out.append("  Sensitivity to assumptions:")
        for line in summary.sensitivity:
            out.extend(wrap(line, first="    - ", indent="      "))
        fields = [
            ("status:", report.proposal.status),
            ("raised by:", report.proposal.raised_by),
            ("table:", _table_line(report)),
            ("scope:", model.scope),
            *((f"{regime}:", text) for regime, text in model.regimes.items()),
        ]
        for label, text in fields:
            out.extend(wrap(text, first=f"  {label:10} ", indent=" " * 13))
        if report.reading is not None:
            out.extend(wrap(_reading_label(report), first="  reading:   ", indent=" " * 13))
        out.extend(wrap(_summary(report), indent="  "))
        _text_rows(out, _rows(report, all_rows=all_rows), notes, all_rows=all_rows)
        if report.alternatives:
            out.append("")
            out.append("  Readings of the baseline (impact computed under each):")
            for line in _reading_lines(report):
                out.extend(wrap(line, first="  - ", indent="    "))
            out.extend(wrap(reading_difference(report), indent="  "))
            for alt in report.alternatives:
                if alt.reading is None:
                    continue
                rows = _rows(alt, all_rows=all_rows)
                if rows:
                    out.append("")
                    out.extend(wrap(f"Under {alt.reading.name} ({alt.reading.id}):", indent="  "))
                    _text_rows(out, rows, notes, all_rows=all_rows)
                for line in _sensitivity_lines(alt):
                    out.extend(
                        wrap(f"under {alt.reading.name}: {line}", first="  - ", indent="    ")
                    )
        if notes.items:
            out.append("")
            out.append("  Notes:")
            for number, text in notes.numbered():
                out.extend(wrap(text, first=f"  [{number}] ", indent="      "))
        if report.assumptions:
            out.append("")
            out.append("  Assumptions and inferences (provenance in brackets):")
            for a in report.assumptions:
                out.extend(wrap(_assumption_line(a), first="  - ", indent="    "))
            for reading, extra in reading_assumptions(report):
                out.extend(wrap(f"Under {reading.name} ({reading.id}):", indent="  "))
                for a in extra:
                    out.extend(wrap(_assumption_line(a), first="  - ", indent="    "))
        out.append("")
    for p in not_modelled:
        out.extend(wrap(f"{p.id}  {p.title}: not modelled yet ({p.status})", indent="    "))
    out.append("")
    out.append("About this run:")
    for line in run.lines():
        out.extend(wrap(line, first="  ", indent="    "))
    return "\n".join(out).rstrip() + "\n"


_HEAD = ("scenario", "baseline", "proposed")


def _text_rows(out: list[str], rows: Sequence[ImpactRow], notes: Notes, *, all_rows: bool) -> None:
    """The rows as an aligned table, or as a list when the table is wider than 100 columns."""
    if not rows:
        return
    cells = [(_describe(r, notes), r.baseline.verdict, r.proposed.verdict) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(_HEAD)]
    table = ["  " + "  ".join(h.ljust(w) for h, w in zip(_HEAD, widths, strict=True))]
    for row, cell in zip(rows, cells, strict=True):
        mark = "  *" if row.changed and all_rows else ""
        line = "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True))
        table.append(f"  {line}{mark}")
    out.append("")
    if _fits([t.rstrip() for t in table]):
        out.extend(t.rstrip() for t in table)
        return
    for row, (described, before, after) in zip(rows, cells, strict=True):
        out.extend(wrap(described, first="  - ", indent="      "))
        mark = "  *" if row.changed and all_rows else ""
        out.extend(wrap(f"baseline {before} -> proposed {after}{mark}", indent="      "))


def _reading_label(report: ImpactReport) -> str:
    reading = report.reading
    if reading is None:
        return ""
    lead = ", authoritative" if reading.authoritative else ""
    return f"{reading.id}: {reading.name} (held by {reading.held_by}{lead}; {reading.provenance})"


def _reading_lines(report: ImpactReport) -> list[str]:
    """One line per reading: its label and its changed count (empty with one reading)."""
    if not report.alternatives:
        return []
    return [
        f"{_reading_label(r)}: {r.changed_count} of {r.total} scenarios change"
        for r in report.by_reading
    ]


def _sensitivity_lines(report: ImpactReport) -> list[str]:
    return [s.describe(report.changed_count) for s in report.sensitivity]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _bullet(text: str, lead: str = "- ") -> list[str]:
    return wrap(text, first=lead, indent="  ")


def _markdown(  # noqa: PLR0915 - one report section after another, in reading order
    reports: Sequence[ImpactReport],
    summaries: Sequence[Summary],
    run: RunInfo,
    *,
    all_rows: bool,
    not_modelled: Sequence[Proposal],
) -> str:
    out: list[str] = []
    if len(reports) > 1:
        out += ["| proposal | title | changed | status |", "|---|---|---|---|"]
        for pid, title, changed, status in _summary_rows(reports):
            line = f"| {pid} | {_md_cell(title)} | {changed} | {_md_cell(status)} |"
            if len(line) > WIDTH:
                room = WIDTH - len(line) + len(status) - 3
                line = f"| {pid} | {_md_cell(title)} | {changed} | {_md_cell(status[:room])}... |"
            out.append(line)
        out.append("")
    for report, summary in zip(reports, summaries, strict=True):
        model = report.model
        notes = Notes()
        out.extend(wrap(f"## {report.id}: {report.title}", indent=""))
        out.append("")
        for sentence in summary.sentences():
            out.extend(wrap(_md_cell(sentence)))
            out.append("")
        out.append("**Sensitivity to assumptions:**")
        out.append("")
        for line in summary.sensitivity:
            out.extend(_bullet(_md_cell(line)))
        out.append("")
        out.extend(_bullet(f"**Status:** {_md_cell(report.proposal.status)}"))
        out.extend(_bullet(f"**Raised by:** {_md_cell(report.proposal.raised_by)}"))
        out.extend(_bullet(f"**Parameter table:** {_md_cell(_table_line(report))}"))
        out.extend(_bullet(f"**Scope:** {_md_cell(model.scope)}"))
        for regime, text in model.regimes.items():
            out.extend(_bullet(f"**{regime.capitalize()}:** {_md_cell(text)}"))
        if report.reading is not None:
            out.extend(_bullet(f"**Reading:** {_md_cell(_reading_label(report))}"))
        out.extend(_bullet(f"**Result:** {_summary(report)}"))
        out.append("")
        _md_rows(out, _rows(report, all_rows=all_rows), model, notes)
        if report.alternatives:
            out.append("Readings of the baseline (impact computed under each):")
            out.append("")
            for line in _reading_lines(report):
                out.extend(_bullet(_md_cell(line)))
            out.append("")
            out.extend(wrap(_md_cell(reading_difference(report))))
            out.append("")
            for alt in report.alternatives:
                if alt.reading is None:
                    continue
                rows = _rows(alt, all_rows=all_rows)
                if rows:
                    out.extend(wrap(f"Under {_md_cell(alt.reading.name)}:"))
                    out.append("")
                    _md_rows(out, rows, model, notes)
                for line in _sensitivity_lines(alt):
                    out.extend(_bullet(_md_cell(f"under {alt.reading.name}: {line}")))
                out.append("")
        if notes.items:
            out.append("Notes:")
            out.append("")
            for number, text in notes.numbered():
                out.extend(_bullet(_md_cell(text), lead=f"{number}. "))
            out.append("")
        if report.assumptions:
            out.append("Assumptions and inferences (provenance in brackets):")
            out.append("")
            for a in report.assumptions:
                out.extend(_md_assumption(a))
            out.append("")
            for reading, extra in reading_assumptions(report):
                out.extend(wrap(f"Under {_md_cell(reading.name)} ({_md_cell(reading.id)}):"))
                out.append("")
                for a in extra:
                    out.extend(_md_assumption(a))
                out.append("")
    if not_modelled:
        out.append("## Not modelled yet")
        out.append("")
        for p in not_modelled:
            out.extend(_bullet(f"{p.id}: {p.title} ({_md_cell(p.status)})"))
        out.append("")
    out.append("## About this run")
    out.append("")
    for line in run.lines():
        out.extend(_bullet(_md_cell(line)))
    out.append("")
    terms = glossary_for(out)
    if terms:
        out.append("## Glossary")
        out.append("")
        for term in terms:
            out.extend(_bullet(f"**{term.term}**: {term.definition}"))
        out.append("")
    return "\n".join(out)


def _md_rows(
    out: list[str], rows: Sequence[ImpactRow], model: ProposalModel[Any], notes: Notes
) -> None:
    """The rows as a Markdown table, or as a list when the table is wider than 100 columns."""
    if not rows:
        return
    keys = [name for name, _ in rows[0].scenario.params]
    table = ["| " + " | ".join([*keys, "baseline", "proposed", "changed"]) + " |"]
    table.append("|" + "---|" * (len(keys) + 3))
    for row in rows:
        values = [_md_cell(notes.value(row.scenario[k])) for k in keys]
        table.append(
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
    if _fits(table):
        out.extend(table)
    else:
        for row in rows:
            shown = "; ".join(
                f"{field_name(model, k)}: {_md_cell(notes.value(row.scenario[k]))}" for k in keys
            )
            change = " (**changed**)" if row.changed else ""
            out.extend(
                _bullet(
                    f"{shown}: baseline {_md_cell(row.baseline.verdict)}, proposed"
                    f" {_md_cell(row.proposed.verdict)}{change}"
                )
            )
    out.append("")


def _summary_rows(reports: Sequence[ImpactReport]) -> list[tuple[str, str, str, str]]:
    return [(r.id, r.title, f"{r.changed_count} of {r.total}", r.proposal.status) for r in reports]
