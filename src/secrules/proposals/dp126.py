"""DP126 "Smart meter consumer data access and control" (Citizens Advice).

Problem (paper of 28 May 2020, stated): the DCC does not check, for each individual data request,
that the DCC User holds permission, risking incorrect logging or processing, breaches and consent
failures. DP126's solution and outcome are not known.

The baseline is DCC access control as it stood (:func:`secrules.sec.data_access.rules`: the
rule ``sec.dcc.access-control``, role eligibility and the User's relation to the device; consent
is the User's own duty under Section I). The proposal's change is an *assumed* per-request
consent check (``data/dp126.toml``, A126-1 and A126-2), added as the rule
``dp126.per-request-consent``: a request for personal data is served only if a consent record
covers its MPxN, data class and time.

Scenario space: eligible x data class x consent (valid, absent, expired) = 12 requests.
Baseline serves 6, proposed 4; exactly 2 change.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from itertools import combinations
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
    Variation,
    derived_assumption,
    read_assumptions,
    restate,
)
from secrules.core.regimes import Regime
from secrules.core.rules import ALL_MUST_PASS, Combiner, Rule, RuleSet
from secrules.core.sources import data_file
from secrules.errors import InvalidValueError
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec.data_access import (
    COVERAGE_FIELDS,
    Consent,
    DataClass,
    DataRequest,
    rules,
)

__all__ = [
    "CONSENT_RULE",
    "CONSENT_STATES",
    "REFUSED",
    "SERVED",
    "Dp126Check",
    "Dp126Model",
    "load_dp126",
]

#: The rule DP126 adds (A126-1).
CONSENT_RULE = "dp126.per-request-consent"
SERVED = "served"
REFUSED = "refused"
#: The consent a scenario's User holds (A126-6).
CONSENT_STATES = ("valid", "expired", "absent")
TABLE = "dp126.toml"

#: The scenarios' request time and MPxN (any values; the check compares, never parses them).
_AT = datetime(2020, 5, 28, 12, 0, tzinfo=UTC)
_MPXN = "1234567890123"


@attrs.frozen
class Dp126Check:
    """The per-request consent check DP126 is assumed to add, as read from one table."""

    personal_classes: frozenset[DataClass]
    covers: tuple[str, ...]
    clause: str
    provenance: Provenance
    source: str
    assumptions: tuple[Assumption, ...]
    #: The table file and its SHA-256 (None for a check built in code).
    table: TableSource | None = attrs.field(default=None, eq=False)

    def clause_ref(self) -> ClauseRef:
        """The assumed check as a clause reference (document: this model's table)."""
        return ClauseRef(
            f"DP126 model ({self.table.label if self.table else TABLE})",
            self.clause,
            "paper of 28 May 2020",
            self.provenance,
            note=self.source,
        )


@bundled_once
def load_dp126(path: str | os.PathLike[str] | None = None) -> Dp126Check:
    """DP126's table from ``path``, or the bundled ``dp126.toml`` (read once) when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=TABLE)
    check = table.table("check")
    classes = []
    for i, name in enumerate(check.texts("personal_classes")):
        try:
            classes.append(DataClass.parse(name))
        except InvalidValueError as exc:
            raise check.error(str(exc), f"personal_classes[{i}]") from None
    covers = check.texts("covers")
    for i, name in enumerate(covers):
        if name not in COVERAGE_FIELDS:
            allowed = ", ".join(COVERAGE_FIELDS)
            raise check.error(f"{name!r} is not one of {allowed}", f"covers[{i}]")
    return Dp126Check(
        personal_classes=frozenset(classes),
        covers=tuple(dict.fromkeys(covers)),
        clause=check.text("clause"),
        provenance=check.provenance(),
        source=check.text("source"),
        assumptions=read_assumptions(table),
        table=table.source,
    )


def consent_rule(check: Dp126Check) -> Rule[DataRequest]:
    """``dp126.per-request-consent`` (A126-1): personal data only under a covering consent."""
    personal = check.personal_classes
    covers = check.covers

    def fn(request: DataRequest) -> Verdict:
        if request.data_class not in personal:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"{request.data_class.value} data is not personal data: no consent check",
            )
        if request.consent is None:
            return Verdict(Outcome.FAIL, "the User holds no consent record for this request")
        gap = request.consent.gap(request, covers)
        if gap is not None:
            return Verdict(Outcome.FAIL, gap)
        return Verdict(Outcome.PASS, "a consent record covers the request")

    shown = ", ".join(covers) or "nothing"
    return Rule(
        id=CONSENT_RULE,
        title="DP126: the DCC serves personal data only under a consent record covering it",
        clauses=(cite("sec.dp126.problem"), check.clause_ref()),
        fn=fn,
        data_files=(data_file(check.table, TABLE),),
        text="For each request for personal data, the DCC checks that the User holds a consent"
        f" record covering it ({shown}); requests for other data are not checked.",
    )


def _consent(state: str, data_class: DataClass) -> Consent | None:
    if state == "absent":
        return None
    if state == "valid":
        return Consent(_MPXN, {data_class}, _AT - timedelta(days=30), _AT + timedelta(days=335))
    return Consent(_MPXN, {data_class}, _AT - timedelta(days=400), _AT - timedelta(days=35))


def _listing(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Dp126Model(ProposalModel[DataRequest]):
    """Whether the DCC serves a data request, before and after a per-request consent check."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP126"]
    scope: ClassVar[str] = (
        "Requests from an eligible User for personal data (A126-2) whose consent record is"
        " absent or does not cover the request (A126-1)"
    )
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "DCC access control as it stood: role eligibility and relation to"
            " the device; consent is the User's own duty (SEC Section I).",
            Regime.PROPOSED: "Assumption A126-1: as the baseline, plus a per-request check that"
            " a consent record covers each request for personal data.",
        }
    )
    combine: ClassVar[Combiner] = ALL_MUST_PASS
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {Outcome.PASS: SERVED, Outcome.FAIL: REFUSED}
    )
    table_name: ClassVar[str] = TABLE

    def __init__(self, check: Dp126Check | None = None) -> None:
        self.check = check or load_dp126()
        self.rulesets()

    def with_table(self, path: str | os.PathLike[str]) -> Dp126Model:
        """The model on the user's copy of ``dp126.toml`` at ``path``."""
        return Dp126Model(load_dp126(path))

    @property
    def table_source(self) -> TableSource | None:
        """DP126's table in use (bundled or the user's) and its SHA-256."""
        return self.check.table

    def baseline(self) -> RuleSet[DataRequest]:
        """DCC access control as it stood (the ``sec`` domain package)."""
        return rules()

    def reform(self, baseline: RuleSet[DataRequest]) -> RuleSet[DataRequest]:
        """The baseline plus the assumed per-request consent check (A126-1, A126-4)."""
        return baseline.derive("DP126 proposed (assumed)", add=[consent_rule(self.check)])

    def scenarios(self) -> Iterator[Scenario]:
        """Eligible (yes/no) x data class x consent state: 12 requests (A126-6)."""
        for eligible in (True, False):
            for data_class in DataClass:
                for state in CONSENT_STATES:
                    yield Scenario(
                        {"eligible": eligible, "data_class": data_class.value, "consent": state},
                        subject=DataRequest(
                            _MPXN, data_class, _AT, eligible, _consent(state, data_class)
                        ),
                    )

    def subject(self, scenario: Scenario) -> DataRequest:
        """The request of ``scenario`` (built from its params when it carries none)."""
        if isinstance(scenario.subject, DataRequest):
            return scenario.subject
        data_class = DataClass.parse(scenario["data_class"])
        state = str(scenario["consent"])
        if state not in CONSENT_STATES:
            raise InvalidValueError(
                f"unknown consent state {state!r}; expected one of {', '.join(CONSENT_STATES)}"
            )
        return DataRequest(
            _MPXN, data_class, _AT, bool(scenario["eligible"]), _consent(state, data_class)
        )

    def in_scope(self, scenario: Scenario) -> bool:
        """An eligible request for personal data without a consent record that covers it."""
        request = self.subject(scenario)
        if not request.eligible or request.data_class not in self.check.personal_classes:
            return False
        consent = request.consent
        return consent is None or consent.gap(request, self.check.covers) is not None

    def assumptions(self) -> tuple[Assumption, ...]:
        """A126-1 to A126-6; A126-1 and A126-2 stated from the table's ``[check]``."""
        check = self.check
        rows = {a.id: a for a in check.assumptions}

        def source(ident: str) -> str:
            row = rows.get(ident)
            return row.source if row is not None else check.source

        covers = _listing([f.replace("_", " ") for f in check.covers])
        personal = _listing([c.value for c in DataClass if c in check.personal_classes])
        derived = (
            derived_assumption(
                "A126-1",
                "Proposed: a request for personal data is served only if the User holds a"
                f" consent record covering: {covers}",
                check.provenance,
                table=check.table,
                key="check.covers",
                source=source("A126-1"),
            ),
            derived_assumption(
                "A126-2",
                f"The personal data classes, which need consent, are: {personal}",
                check.provenance,
                table=check.table,
                key="check.personal_classes",
                source=source("A126-2"),
            ),
        )
        return restate(check.assumptions, derived)

    def variations(self) -> Iterator[Variation]:
        """Every subset of the coverage fields (A126-1) and of the data classes (A126-2)."""
        for n in range(len(COVERAGE_FIELDS) + 1):
            for covers in combinations(COVERAGE_FIELDS, n):
                yield Variation(
                    "A126-1",
                    "covers " + (", ".join(covers) or "nothing"),
                    functools.partial(self._covering, covers),
                )
        classes = list(DataClass)
        for n in range(len(classes) + 1):
            for chosen in combinations(classes, n):
                yield Variation(
                    "A126-2",
                    "personal: " + (", ".join(c.value for c in chosen) or "none"),
                    functools.partial(self._personal, frozenset(chosen)),
                )

    def _covering(self, covers: tuple[str, ...]) -> Dp126Model:
        return Dp126Model(attrs.evolve(self.check, covers=covers))

    def _personal(self, classes: frozenset[DataClass]) -> Dp126Model:
        return Dp126Model(attrs.evolve(self.check, personal_classes=classes))
