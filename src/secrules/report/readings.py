"""What the difference between the readings of an ambiguous baseline means, in one sentence."""

from __future__ import annotations

from secrules.core.impact import ImpactReport

__all__ = ["reading_difference"]


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
