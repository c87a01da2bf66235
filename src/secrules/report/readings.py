"""What the difference between the readings of an ambiguous baseline means, in one sentence."""

from __future__ import annotations

from secrules.core.impact import ImpactReport
from secrules.core.proposals import Assumption, Reading

__all__ = ["reading_assumptions", "reading_difference"]


def reading_assumptions(report: ImpactReport) -> list[tuple[Reading, tuple[Assumption, ...]]]:
    """Each other reading with the assumptions it rests on that the report's own does not.

    A reading may state an assumption differently (DP129's A129-4 is the baseline as each
    reading has it): reports list the authoritative reading's assumptions, then these, so that
    every assumption under every reading is shown. Readings with nothing of their own are left
    out.
    """
    own = set(report.assumptions)
    out = []
    for alt in report.alternatives:
        extra = tuple(a for a in alt.assumptions if a not in own)
        if alt.reading is not None and extra:
            out.append((alt.reading, extra))
    return out


def reading_difference(report: ImpactReport) -> str:
    """One sentence on what the difference between the readings of the baseline means.

    Computed from the reports per reading (``report.by_reading``); "" when the model declares
    no alternative reading.
    """
    if not report.alternatives or report.reading is None:
        return ""
    own = report.reading
    pid = report.id
    others = report.alternatives
    if all(_changed_keys(alt) == _changed_keys(report) for alt in others):
        return (
            f"The readings agree: {pid} changes the same {report.changed_count} rows under each,"
            " so the ambiguity of the baseline does not matter here."
        )
    mine = report.changed_count
    head = (
        f"Under {own.name} (authoritative) {pid} changes no verdict, so it is a clarification"
        if mine == 0
        else f"Under {own.name} (authoritative) {pid} changes {mine} of {report.total} verdicts"
    )
    tails = "; ".join(
        f"under {alt.reading.name if alt.reading else 'another reading'} it changes "
        f"{alt.changed_count} of {alt.total}"
        for alt in others
    )
    return (
        f"{head}; {tails}: the difference lies in how the baseline is read, not in what {pid} says."
    )


def _changed_keys(report: ImpactReport) -> frozenset[tuple[object, str, str]]:
    return frozenset(
        (row.scenario, row.baseline.verdict, row.proposed.verdict) for row in report.changed_rows
    )
