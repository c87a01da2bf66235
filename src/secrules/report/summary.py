"""The plain-language summary of an impact report, generated from the model's own data.

Four sentences for a reader who has never seen secrules, none written per proposal: what the
proposal changes (the model's two regimes), who is affected (the parameter values the changed
situations share), how many situations change and in which direction, and what the result rests
on (its assumptions by provenance, its reading of the baseline, and its computed sensitivity to
each assumption with declared alternatives, :func:`secrules.core.sensitivity.sensitivity`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import attrs

from secrules.core.findings import Outcome
from secrules.core.impact import ImpactReport
from secrules.core.regimes import Regime
from secrules.core.sensitivity import Sensitivity, sensitivity_of
from secrules.report.labels import field_name, plain, split_caveat

__all__ = ["NO_VARIATIONS", "SENSITIVITY_SKIPPED", "Summary", "summarise"]

_SHOWN = 6
#: What a summary says of a model that declares no alternative for any assumption.
NO_VARIATIONS = (
    "No alternatives are declared for this model's assumptions, so its sensitivity to them"
    " is not computed."
)
#: What a summary says when the sensitivity was too large to compute by default.
SENSITIVITY_SKIPPED = (
    "Sensitivity to assumptions not computed: {alternatives} alternatives x {total} situations"
    " exceeds the default budget of {budget} evaluations; run with --sensitivity"
    " (secrules.report.render_impact(..., sensitivity=True)) to compute it."
)


@attrs.frozen
class Summary:
    """The summary of one report: four sentences, then one line per sensitivity result."""

    changes: str
    affected: str
    counts: str
    rests_on: str
    sensitivity: tuple[str, ...]

    def sentences(self) -> tuple[str, ...]:
        """The four sentences, in reading order."""
        return (self.changes, self.affected, self.counts, self.rests_on)


def _listing(items: list[str], joiner: str = "or") -> str:
    shown = items[:_SHOWN]
    more = len(items) - len(shown)
    if more:
        return ", ".join(shown) + f" {joiner} {more} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def _q(text: str) -> str:
    return f"\u201c{text}\u201d"


def _per_reading(report: ImpactReport, sentence: Callable[[ImpactReport], str]) -> str:
    """``sentence`` for the report, and for each other reading of its baseline when it has any."""
    own = sentence(report)
    if report.reading is None or not report.alternatives:
        return own
    parts = [(report.reading, own)] + [
        (alt.reading, sentence(alt)) for alt in report.alternatives if alt.reading is not None
    ]
    shown = [(reading, text.removeprefix("Affected: ")) for reading, text in parts]
    return " ".join(f"Under {reading.name}: {text[0].lower()}{text[1:]}" for reading, text in shown)


def _affected(report: ImpactReport) -> str:
    return _per_reading(report, _affected_one)


def _affected_one(report: ImpactReport) -> str:
    changed = report.changed_rows
    if not changed:
        return "No situation is affected."
    model = report.model
    parts = []
    listed: list[str] = []
    for name, _ in report.rows[0].scenario.params:
        every = dict.fromkeys(plain(r.scenario[name]) for r in report.rows)
        hit = dict.fromkeys(plain(r.scenario[name]) for r in changed)
        if listed:
            seen: dict[tuple[str, ...], set[str]] = {}
            for r in report.rows:
                key = tuple(plain(r.scenario[n]) for n in listed)
                seen.setdefault(key, set()).add(plain(r.scenario[name]))
            if all(len(v) == 1 for v in seen.values()):
                continue  # said already by the parameters listed before it
        if len(hit) < len(every):
            values = [split_caveat(v)[0] for v in hit]
            parts.append(f"{field_name(model, name)} is {_listing(values)}")
            listed.append(name)
    where = "; ".join(parts) if parts else "every kind of situation the model varies"
    return f"Affected: only situations where {where}." if parts else f"Affected: {where}."


def _counts(report: ImpactReport) -> str:
    return _per_reading(report, _counts_one)


def _counts_one(report: ImpactReport) -> str:
    if not report.changed_count:
        return f"None of the {report.total} situations modelled changes its verdict."
    moves = Counter((r.baseline.verdict, r.proposed.verdict) for r in report.changed_rows)
    shown = "; ".join(
        f"{n} from {_q(before)} to {_q(after)}" for (before, after), n in moves.most_common()
    )
    text = f"{report.changed_count} of {report.total} situations change: {shown}."
    stray = report.out_of_scope_changes
    if stray:
        text += f" WARNING: {len(stray)} of them lie outside the proposal's declared scope."
    else:
        text += " All lie inside the proposal's declared scope."
    return text


def _rests_on(report: ImpactReport) -> str:
    kinds = Counter(a.provenance.value for a in report.assumptions)
    n = len(report.assumptions)
    text = (
        f"The result rests on {n} assumption{'s' * (n != 1)} and inference{'s' * (n != 1)}"
        if n
        else "The result rests on no declared assumption"
    )
    if n:
        text += (
            " ("
            + ", ".join(f"{kinds[k]} {k}" for k in ("assumed", "inferred", "stated") if kinds[k])
            + ")"
        )
    if report.reading is not None:
        text += f", and on the reading of the baseline held by {report.reading.held_by}"
        others = "; ".join(
            f"under the reading held by {alt.reading.held_by}, {alt.changed_count} change"
            for alt in report.alternatives
            if alt.reading is not None
        )
        if others:
            text += f" ({others})"
    undecided = any(
        f.outcome is Outcome.INDETERMINATE for r in report.rows for f in (r.baseline, r.proposed)
    )
    text += "."
    if undecided:
        text += (
            " Where the public documents do not give a value, the verdict is indeterminate,"
            " never a pass."
        )
    return text


def summarise(
    report: ImpactReport,
    sensitivities: tuple[Sensitivity, ...] | None = None,
    *,
    skipped: str = "",
) -> Summary:
    """The summary of ``report``; ``sensitivities`` are computed when not given."""
    model = report.model
    base = model.regimes.get(Regime.BASELINE, "")
    proposed = model.regimes.get(Regime.PROPOSED, "")
    changes = (
        f"What changes. Baseline: {base} Proposed: {proposed}"
        if base and proposed
        else f"What changes: {model.summary or report.title}."
    )
    if sensitivities is None:
        has = any(True for _ in model.variations())
        sensitivities = report.sensitivity or (sensitivity_of(report) if has else ())
    lines = tuple(s.describe(report.changed_count) for s in sensitivities) or (
        skipped or NO_VARIATIONS,
    )
    return Summary(changes, _affected(report), _counts(report), _rests_on(report), lines)
