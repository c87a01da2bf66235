"""Render check findings, file by file: text or JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from secrules.core.files import display_name, json_text
from secrules.core.findings import Finding, Outcome
from secrules.errors import InvalidValueError
from secrules.report.serialise import as_json

__all__ = ["OUTCOME_LABELS", "FileFindings", "outcome_label", "plural", "render_findings"]

#: The word every text report prints for an outcome (JSON keeps ``pass``, ``fail``,
#: ``not_applicable``, ``indeterminate``). INDETERMINATE reads UNDECIDED: the rule applies but
#: secrules could not decide it (a signature without a key, a MAC, a fact not in the payload).
OUTCOME_LABELS = {
    Outcome.PASS: "PASS",
    Outcome.FAIL: "FAIL",
    Outcome.NOT_APPLICABLE: "N/A",
    Outcome.INDETERMINATE: "UNDECIDED",
}
_WIDTH = max(len(label) for label in OUTCOME_LABELS.values())


def outcome_label(outcome: Outcome) -> str:
    """The text-report word for ``outcome``: PASS, FAIL, N/A or UNDECIDED."""
    return OUTCOME_LABELS[outcome]


def plural(count: int, noun: str) -> str:
    """``"1 finding"``, ``"2 findings"``: a count with its noun (plural by adding ``s``)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _finding_tuple(value: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(value)


@attrs.frozen
class FileFindings:
    """The findings of ``secrules check`` on one input.

    ``name`` is the file name as given (it may hold undecodable bytes as surrogates); renderers
    print it with :func:`~secrules.core.files.display_name`, so it is always printable.
    """

    name: str
    kind: str
    findings: tuple[Finding, ...] = attrs.field(converter=_finding_tuple)

    @property
    def failed(self) -> int:
        """Number of FAIL findings."""
        return sum(1 for f in self.findings if f.outcome is Outcome.FAIL)

    @property
    def undecided(self) -> int:
        """Number of INDETERMINATE (UNDECIDED) findings."""
        return sum(1 for f in self.findings if f.outcome is Outcome.INDETERMINATE)


def _where(finding: Finding) -> str:
    parts = []
    if finding.path:
        parts.append(finding.path)
    if finding.offset is not None:
        parts.append(f"offset {finding.offset}")
    return f" at {', '.join(parts)}" if parts else ""


def render_findings(
    results: Sequence[FileFindings], fmt: str, *, regime: str, quiet: bool = False
) -> str:
    """Text (one line per finding) or JSON (see docs/json-format.md).

    Text labels outcomes PASS, FAIL, N/A and UNDECIDED (:data:`OUTCOME_LABELS`); FAIL and
    UNDECIDED findings also cite their clauses, and ``quiet`` keeps only those findings (and
    each file's summary line). JSON always carries every finding, with the outcome values
    ``pass``, ``fail``, ``not_applicable`` and ``indeterminate``.
    """
    if fmt == "json":
        payload = {
            "regime": regime,
            "failed": sum(r.failed for r in results),
            "files": [
                {
                    "file": display_name(r.name),
                    "kind": r.kind,
                    "failed": r.failed,
                    "findings": [as_json(f) for f in r.findings],
                }
                for r in results
            ],
        }
        return json_text(payload)
    if fmt != "text":
        msg = f"unknown findings format {fmt!r}; expected text or json"
        raise InvalidValueError(msg)
    out: list[str] = []
    for r in results:
        counts = f"{plural(len(r.findings), 'finding')}, {r.failed} failed"
        if r.undecided:
            counts += f", {r.undecided} undecided"
        out.append(f"{display_name(r.name)}: {r.kind}, {counts} ({regime})")
        for f in r.findings:
            notable = f.outcome in (Outcome.FAIL, Outcome.INDETERMINATE)
            if quiet and not notable:
                continue
            label = outcome_label(f.outcome).ljust(_WIDTH)
            out.append(f"  {label}  {f.rule_id}{_where(f)}: {f.message}")
            if notable and f.clauses:
                out.append(f"  {'':{_WIDTH}}  [{'; '.join(str(c) for c in f.clauses)}]")
    return "\n".join(out) + "\n"
