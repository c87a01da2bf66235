"""MP130 "CH order and delivery changes due to COVID-19" (DCC; Urgent).

Problem (SECCo modification page, Ofgem's SECMP130 decision): social distancing allowed only
essential Communications Hub installs while manufacturers kept producing and the DCC's Service
Providers had to accept the hubs; Suppliers had to receive the deliveries they ordered, so
warehouses filled up. The Authority approved MP130 on 26 May 2020; it was implemented on 27 May.

The baseline is the SEC domain's CH ordering rules (:func:`secrules.sec.ch_ordering.rules`).
MP130's "new, temporary obligations" (Ofgem) are a reform of them, with the values the public
sources do not state held as assumed parameters in ``data/mp130.toml``:

- ``mp130.delivery-deferral`` (exception to ``sec.ch.delivery-acceptance``): the DCC may hold
  stock or defer deliveries on a Party's behalf;
- ``mp130.order-commitment`` (exception to ``sec.ch.order-amendment``): no amendment inside the
  order commitment period (A130-2, length assumed);
- ``mp130.restart-minimum`` (added): once deliveries restart, a Party takes at least the minimum
  order quantity (A130-3, quantity assumed).

Scenario space: 5 events, 4 of which change.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
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
from secrules.core.rules import WORST, Combiner, Rule, RuleSet
from secrules.core.sources import data_file
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec.ch_ordering import (
    AMENDMENT_RULE,
    DELIVERY_RULE,
    ChEvent,
    ChEventKind,
    ChOrdering,
    load_ch_ordering,
    rules,
)

__all__ = [
    "COMMITMENT_RULE",
    "DEFERRAL_RULE",
    "EVENTS",
    "MINIMUM_RULE",
    "NOT_PERMITTED",
    "NO_RULE",
    "PERMITTED",
    "Mp130",
    "Mp130Model",
    "load_mp130",
]

DEFERRAL_RULE = "mp130.delivery-deferral"
COMMITMENT_RULE = "mp130.order-commitment"
MINIMUM_RULE = "mp130.restart-minimum"
PERMITTED = "permitted"
NOT_PERMITTED = "not permitted"
NO_RULE = "no rule"
#: MP130's own table: its assumed parameters and the A130-* assumptions.
TABLE = "mp130.toml"

INSIDE = "inside the commitment period"
OUTSIDE = "outside the commitment period"
AT_LEAST = "accepts at least the minimum"
BELOW = "accepts less than the minimum"
#: The five events of the scenario space, as (event, case).
EVENTS: tuple[tuple[ChEventKind, str], ...] = (
    (ChEventKind.DEFERRAL_REQUEST, "deliveries paused"),
    (ChEventKind.ORDER_AMENDMENT, INSIDE),
    (ChEventKind.ORDER_AMENDMENT, OUTSIDE),
    (ChEventKind.RESTART_DELIVERY, AT_LEAST),
    (ChEventKind.RESTART_DELIVERY, BELOW),
)


@attrs.frozen
class Mp130:
    """MP130's assumed parameters: the commitment period and the minimum after restart."""

    commitment_weeks: int
    commitment_provenance: Provenance
    commitment_source: str
    minimum: int
    minimum_provenance: Provenance
    minimum_source: str
    assumptions: tuple[Assumption, ...]
    table: TableSource | None = attrs.field(default=None, eq=False)

    def commitment_clause(self) -> ClauseRef:
        """The period's length as a clause reference (assumed in the bundle)."""
        return ClauseRef(
            "MP130 model",
            f"order commitment period: {self.commitment_weeks} weeks before delivery",
            "parameter of the model",
            self.commitment_provenance,
            note=self.commitment_source,
        )

    def minimum_clause(self) -> ClauseRef:
        """The minimum quantity as a clause reference (assumed in the bundle)."""
        return ClauseRef(
            "MP130 model",
            f"minimum order quantity after restart: {self.minimum} Communications Hubs",
            "parameter of the model",
            self.minimum_provenance,
            note=self.minimum_source,
        )


@bundled_once
def load_mp130(path: str | os.PathLike[str] | None = None) -> Mp130:
    """MP130's table from ``path``, or the bundled ``mp130.toml`` (read once) when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=TABLE)
    commitment = table.table("order_commitment")
    weeks = commitment.integer("weeks")
    if weeks < 1:
        raise commitment.error("the commitment period must be at least 1 week", "weeks")
    restart = table.table("restart_minimum")
    quantity = restart.integer("quantity")
    if quantity < 1:
        raise restart.error("the minimum quantity must be at least 1", "quantity")
    return Mp130(
        commitment_weeks=weeks,
        commitment_provenance=commitment.provenance(),
        commitment_source=commitment.text("source"),
        minimum=quantity,
        minimum_provenance=restart.provenance(),
        minimum_source=restart.text("source"),
        assumptions=read_assumptions(table),
        table=table.source,
    )


def _is(kind: ChEventKind) -> Callable[[ChEvent], bool]:
    def when(event: ChEvent) -> bool:
        return event.kind is kind

    return when


def _deferral_rule(mp130: Mp130) -> Rule[ChEvent]:
    def fn(event: ChEvent) -> Verdict:
        del event
        return Verdict(Outcome.PASS, "the DCC may hold stock or defer the delivery")

    return Rule(
        id=DEFERRAL_RULE,
        title="MP130: the DCC may hold stock or defer deliveries on a Party's behalf",
        clauses=(cite("sec.mp130.deferral"),),
        fn=fn,
        data_files=(data_file(mp130.table, TABLE),),
        text=f"Exception to {DELIVERY_RULE}: the DCC may hold stock or defer Communications Hub"
        " deliveries on Parties' behalf.",
        exception_to=DELIVERY_RULE,
        when=_is(ChEventKind.DEFERRAL_REQUEST),
    )


def _commitment_rule(mp130: Mp130) -> Rule[ChEvent]:
    weeks = mp130.commitment_weeks

    def fn(event: ChEvent) -> Verdict:
        before = event.weeks_before_delivery
        if before is not None and before < weeks:
            return Verdict(
                Outcome.FAIL,
                f"amended {before} weeks before delivery, inside the {weeks}-week commitment"
                " period",
            )
        return Verdict(Outcome.PASS, f"amended {before} weeks before delivery")

    return Rule(
        id=COMMITMENT_RULE,
        title="MP130: an order is committed for the order commitment period",
        clauses=(cite("sec.mp130.order-commitment"), mp130.commitment_clause()),
        fn=fn,
        data_files=(data_file(mp130.table, TABLE),),
        text=f"Exception to {AMENDMENT_RULE}: a Party may not amend a Communications Hub order"
        f" within the order commitment period ({weeks} weeks before delivery, A130-2).",
        exception_to=AMENDMENT_RULE,
        when=_is(ChEventKind.ORDER_AMENDMENT),
    )


def _minimum_rule(mp130: Mp130) -> Rule[ChEvent]:
    minimum = mp130.minimum

    def fn(event: ChEvent) -> Verdict:
        if event.kind is not ChEventKind.RESTART_DELIVERY or event.accepted is None:
            return Verdict(Outcome.NOT_APPLICABLE, "not a delivery after the restart")
        if event.accepted < minimum:
            return Verdict(
                Outcome.FAIL, f"accepted {event.accepted}, below the minimum of {minimum}"
            )
        return Verdict(Outcome.PASS, f"accepted {event.accepted}, at least {minimum}")

    return Rule(
        id=MINIMUM_RULE,
        title="MP130: once deliveries restart a Party takes the minimum order quantity",
        clauses=(cite("sec.mp130.restart-minimum"), mp130.minimum_clause()),
        fn=fn,
        data_files=(data_file(mp130.table, TABLE),),
        text="Once Communications Hub deliveries restart, a Party must take at least the minimum"
        f" order quantity ({minimum}, A130-3).",
    )


class Mp130Model(ProposalModel[ChEvent]):
    """Communications Hub ordering events, before and after MP130."""

    summary: ClassVar[str] = MODEL_SUMMARIES["MP130"]
    scope: ClassVar[str] = (
        "Deferral requests, order amendments inside the order commitment period, and"
        " deliveries after the restart"
    )
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "SEC before MP130: a Party receives the deliveries it ordered;"
            " orders may be amended as the pre-MP130 rules allow (A130-1, assumed).",
            Regime.PROPOSED: "MP130 (implemented 27 May 2020): deliveries may be deferred, orders"
            " are committed for a period (A130-2) and a minimum is taken after restart (A130-3).",
        }
    )
    combine: ClassVar[Combiner] = WORST
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {Outcome.PASS: PERMITTED, Outcome.FAIL: NOT_PERMITTED, Outcome.NOT_APPLICABLE: NO_RULE}
    )
    #: ``--table`` / ``table=`` replace MP130's own table (its assumed parameters).
    table_name: ClassVar[str] = TABLE

    def __init__(self, mp130: Mp130 | None = None, baseline: ChOrdering | None = None) -> None:
        self.mp130 = mp130 or load_mp130()
        self.ordering = baseline or load_ch_ordering()
        self.rulesets()

    def with_table(self, path: str | os.PathLike[str]) -> Mp130Model:
        """The model on the user's copy of ``mp130.toml`` at ``path``."""
        return Mp130Model(load_mp130(path), self.ordering)

    @property
    def table_source(self) -> TableSource | None:
        """MP130's table in use (bundled or the user's) and its SHA-256."""
        return self.mp130.table

    def baseline(self) -> RuleSet[ChEvent]:
        """The CH ordering rules before MP130 (the ``sec`` domain package)."""
        return rules(self.ordering)

    def reform(self, baseline: RuleSet[ChEvent]) -> RuleSet[ChEvent]:
        """MP130: two exceptions to the domain rules, and the restart minimum added."""
        return baseline.derive(
            "MP130 proposed",
            add=[
                _deferral_rule(self.mp130),
                _commitment_rule(self.mp130),
                _minimum_rule(self.mp130),
            ],
        )

    def _event(self, kind: ChEventKind, case: str) -> ChEvent:
        weeks, minimum = self.mp130.commitment_weeks, self.mp130.minimum
        if kind is ChEventKind.ORDER_AMENDMENT:
            return ChEvent(kind, weeks_before_delivery=weeks - 1 if case == INSIDE else weeks)
        if kind is ChEventKind.RESTART_DELIVERY:
            return ChEvent(kind, accepted=minimum if case == AT_LEAST else minimum - 1)
        return ChEvent(kind)

    def subject(self, scenario: Scenario) -> ChEvent:
        """The event of ``scenario``, with the model's period and minimum."""
        if isinstance(scenario.subject, ChEvent):
            return scenario.subject
        return self._event(ChEventKind(scenario["event"]), str(scenario["case"]))

    def scenarios(self) -> Iterator[Scenario]:
        """The five events, in a stable order."""
        for kind, case in EVENTS:
            yield Scenario({"event": kind.value, "case": case}, subject=self._event(kind, case))

    def in_scope(self, scenario: Scenario) -> bool:
        """Every event but an amendment outside the commitment period.

        This holds while the pre-MP130 freeze (A130-1) is no longer than MP130's period; a
        longer one would make MP130 relax amendments outside it.
        """
        event = self.subject(scenario)
        if event.kind is ChEventKind.ORDER_AMENDMENT:
            before = event.weeks_before_delivery
            return before is not None and before < self.mp130.commitment_weeks
        return True

    def variations(self) -> Iterable[Variation]:
        """A130-1: orders already frozen; A130-2 and A130-3: other lengths and quantities."""
        mp, base = self.mp130, self.ordering
        for weeks in (mp.commitment_weeks, mp.commitment_weeks // 2):
            frozen = attrs.evolve(base, frozen_weeks=weeks)
            yield Variation(
                "A130-1",
                f"orders already frozen {weeks} weeks before delivery",
                functools.partial(Mp130Model, mp, frozen),
            )
        for weeks in (1, 4, 26):
            yield Variation(
                "A130-2",
                f"{weeks}-week commitment period",
                functools.partial(Mp130Model, attrs.evolve(mp, commitment_weeks=weeks), base),
            )
        for quantity in (1, 1000):
            yield Variation(
                "A130-3",
                f"minimum of {quantity}",
                functools.partial(Mp130Model, attrs.evolve(mp, minimum=quantity), base),
            )

    def assumptions(self) -> tuple[Assumption, ...]:
        """A130-1 to A130-5; A130-1, A130-2 and A130-3 are stated from the tables' values."""
        rows = {a.id: a for a in self.mp130.assumptions}

        def source(ident: str, default: str) -> str:
            row = rows.get(ident)
            return row.source if row is not None else default

        base, mp = self.ordering, self.mp130
        amend = (
            "at any time before its delivery"
            if base.frozen_weeks == 0
            else f"until {base.frozen_weeks} weeks before its delivery"
        )
        return restate(
            mp.assumptions,
            (
                derived_assumption(
                    "A130-1",
                    f"Before MP130, an order could be amended {amend}",
                    base.amendment_provenance,
                    table=base.source,
                    key="amendment.frozen_weeks",
                    source=source("A130-1", base.amendment_source),
                ),
                derived_assumption(
                    "A130-2",
                    "MP130's order commitment period: an order may not be amended within"
                    f" {mp.commitment_weeks} weeks of its delivery",
                    mp.commitment_provenance,
                    table=mp.table,
                    key="order_commitment.weeks",
                    source=source("A130-2", mp.commitment_source),
                ),
                derived_assumption(
                    "A130-3",
                    "Once deliveries restart, a Party accepts at least"
                    f" {mp.minimum} Communications Hubs of a delivery it ordered",
                    mp.minimum_provenance,
                    table=mp.table,
                    key="restart_minimum.quantity",
                    source=source("A130-3", mp.minimum_source),
                ),
            ),
        )
