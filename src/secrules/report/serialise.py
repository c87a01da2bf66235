"""JSON-ready forms of every value secrules reports: the one place serialisation lives.

:func:`as_json` turns a clause, finding, assumption, table source, impact row or report, or a
proposal into plain dicts, lists and strings (see docs/json-format.md). Core value objects
know nothing of JSON.
"""

from __future__ import annotations

import functools
from typing import Any

from secrules.core.clauses import ClauseRef
from secrules.core.findings import Finding
from secrules.core.impact import ImpactReport, ImpactRow
from secrules.core.proposals import Assumption, Proposal, Reading
from secrules.core.sensitivity import Sensitivity
from secrules.core.sources import TableSource
from secrules.errors import InvalidValueError
from secrules.report.readings import reading_difference

__all__ = ["as_json", "report_head"]


@functools.singledispatch
def as_json(value: object) -> Any:  # noqa: ANN401 - JSON values are heterogeneous
    """The JSON-ready form of ``value``; InvalidValueError for a type secrules does not report."""
    raise InvalidValueError(f"secrules does not serialise {type(value).__name__}")


@as_json.register
def _clause(value: ClauseRef) -> dict[str, Any]:
    out: dict[str, Any] = {
        "document": value.document,
        "clause": value.clause,
        "version": value.version,
        "provenance": value.provenance.value,
    }
    if value.note:
        out["note"] = value.note
    if value.id:
        out["id"] = value.id
    return out


@as_json.register
def _finding(value: Finding) -> dict[str, Any]:
    return {
        "rule_id": value.rule_id,
        "outcome": value.outcome.value,
        "verdict": value.verdict,
        "message": value.message,
        "path": value.path,
        "offset": value.offset,
        "clauses": [_clause(c) for c in value.clauses],
    }


@as_json.register
def _assumption(value: Assumption) -> dict[str, str]:
    return {
        "id": value.id,
        "text": value.text,
        "provenance": value.provenance.value,
        "source": value.source,
    }


@as_json.register
def _table(value: TableSource) -> dict[str, str | bool]:
    return {
        "name": value.name,
        "file": value.file,
        "bundled": value.bundled,
        "sha256": value.sha256,
    }


@as_json.register
def _row(value: ImpactRow) -> dict[str, Any]:
    return {
        "scenario": value.scenario.as_dict(),
        "baseline": value.baseline.verdict,
        "proposed": value.proposed.verdict,
        "changed": value.changed,
    }


@as_json.register
def _report(value: ImpactReport) -> dict[str, Any]:
    return report_head(value) | {"rows": [_row(row) for row in value.rows]}


def report_head(value: ImpactReport) -> dict[str, Any]:
    """An impact report's JSON without its ``rows`` (the last key), for writing rows as they go."""
    model = value.model
    return {
        "proposal": value.proposal.id,
        "title": value.proposal.title,
        "status": value.proposal.status,
        "raised_by": value.proposal.raised_by,
        "scope": model.scope,
        "regimes": {str(k): v for k, v in model.regimes.items()},
        "total": value.total,
        "changed_count": value.changed_count,
        "table": None if value.table is None else _table(value.table),
        "assumptions": [_assumption(a) for a in value.assumptions],
        "reading": None if value.reading is None else value.reading.id,
        "readings": [_per_reading(r) for r in value.by_reading if r.reading is not None],
        "reading_difference": reading_difference(value),
        "sensitivity": [_sensitivity(s, value.changed_count) for s in value.sensitivity],
    }


@as_json.register
def _reading(value: Reading) -> dict[str, Any]:
    return {
        "id": value.id,
        "name": value.name,
        "held_by": value.held_by,
        "text": value.text,
        "provenance": value.provenance.value,
        "source": value.source,
        "authoritative": value.authoritative,
    }


def _per_reading(report: ImpactReport) -> dict[str, Any]:
    assert report.reading is not None  # noqa: S101 - filtered by the caller
    return {
        **_reading(report.reading),
        "total": report.total,
        "changed_count": report.changed_count,
        "changed": [_row(row) for row in report.changed_rows],
        "assumptions": [_assumption(a) for a in report.assumptions],
        "sensitivity": [_sensitivity(s, report.changed_count) for s in report.sensitivity],
    }


def _sensitivity(value: Sensitivity, changed: int) -> dict[str, Any]:
    return {
        "assumption": value.assumption,
        "robust": value.robust,
        "alternatives": [
            {"label": label, "changed_count": count, "same": label not in value.differing}
            for label, count in value.counts
        ],
        "text": value.describe(changed),
    }


@as_json.register
def _proposal(value: Proposal) -> dict[str, Any]:
    model = value.model
    return {
        "id": value.id,
        "title": value.title,
        "raised_by": value.raised_by,
        "raised": value.raised,
        "status": value.status,
        "outcome": value.outcome,
        "modification": value.modification or None,
        "provenance": value.provenance.value,
        "modelled": value.modelled,
        "model": model.summary if model is not None else None,
    }
