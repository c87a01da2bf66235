"""Communications Hub ordering and delivery, as the SEC stood before MP130 (14 May 2020).

Two labelled rules over a :class:`ChEvent` (something a Party does about a Communications Hub
order):

- ``sec.ch.delivery-acceptance``: a Party receives the Communications Hub deliveries it ordered,
  so a request to defer one is refused (stated as MP130's issue on the SECCo modification page
  and in Ofgem's SECMP130 decision);
- ``sec.ch.order-amendment``: an order may be amended until ``frozen_weeks`` weeks before its
  delivery. The pre-MP130 amendment rules are not public: the bundled table holds 0 (amendable at
  any time), an *assumed* value (A130-1).

The values are data (``data/ch_ordering.toml``); pass your own copy to :func:`load_ch_ordering`.
The clause numbers of the CH ordering provisions are not given in those sources.
"""

from __future__ import annotations

import enum
import os

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.core.sources import data_file
from secrules.core.validation import require_type

__all__ = [
    "AMENDMENT_RULE",
    "CH_ORDERING_TABLE",
    "DELIVERY_RULE",
    "ChEvent",
    "ChEventKind",
    "ChOrdering",
    "amendment_rule",
    "delivery_rule",
    "load_ch_ordering",
    "rules",
]

#: Rule ids (one hop from this module).
DELIVERY_RULE = "sec.ch.delivery-acceptance"
AMENDMENT_RULE = "sec.ch.order-amendment"
#: The bundled table of the CH ordering provisions before MP130.
CH_ORDERING_TABLE = "ch_ordering.toml"


class ChEventKind(enum.Enum):
    """What a Party does about a Communications Hub order."""

    DEFERRAL_REQUEST = "deferral request"
    ORDER_AMENDMENT = "order amendment"
    RESTART_DELIVERY = "delivery after restart"


@attrs.frozen
class ChEvent:
    """One event about a Communications Hub order.

    ``weeks_before_delivery``: for an amendment, how many weeks before the delivery it comes;
    ``accepted``: for a delivery after the restart, how many hubs the Party accepts.
    """

    kind: ChEventKind
    weeks_before_delivery: int | None = None
    accepted: int | None = None


@attrs.frozen
class ChOrdering:
    """The CH ordering provisions before MP130, as read from one table."""

    document: str
    as_at: str
    must_accept: bool
    delivery_provenance: Provenance
    delivery_source: str
    #: An order may be amended until this many weeks before its delivery (0: at any time).
    frozen_weeks: int
    amendment_provenance: Provenance
    amendment_source: str
    #: The table file and its SHA-256 (None when built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)


@bundled_once
def load_ch_ordering(path: str | os.PathLike[str] | None = None) -> ChOrdering:
    """The provisions of ``path`` (same schema as ``ch_ordering.toml``), else the bundle.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=CH_ORDERING_TABLE)
    delivery = table.table("delivery")
    amendment = table.table("amendment")
    frozen = amendment.integer("frozen_weeks")
    if frozen < 0:
        raise amendment.error("must not be negative", "frozen_weeks")
    return ChOrdering(
        document=table.text("document"),
        as_at=table.text("as_at"),
        must_accept=delivery.flag("must_accept"),
        delivery_provenance=delivery.provenance(),
        delivery_source=delivery.text("source"),
        frozen_weeks=frozen,
        amendment_provenance=amendment.provenance(),
        amendment_source=amendment.text("source"),
        source=table.source,
    )


def delivery_rule(ordering: ChOrdering) -> Rule[ChEvent]:
    """``sec.ch.delivery-acceptance``: a Party receives the deliveries it ordered."""
    must = ordering.must_accept

    def fn(event: ChEvent) -> Verdict:
        if event.kind is not ChEventKind.DEFERRAL_REQUEST:
            return Verdict(Outcome.NOT_APPLICABLE, "not a request to defer a delivery")
        if must:
            return Verdict(Outcome.FAIL, "a Party must receive the deliveries it ordered")
        return Verdict(Outcome.PASS, "the table lets a Party defer a delivery")

    return Rule(
        id=DELIVERY_RULE,
        title="A Party receives the Communications Hub deliveries it ordered",
        clauses=(
            cite("sec.ch.delivery-acceptance"),
            ClauseRef(
                ordering.document,
                "delivery: must_accept" if must else "delivery: deferral permitted",
                f"as at {ordering.as_at}",
                ordering.delivery_provenance,
                note=ordering.delivery_source,
            ),
        ),
        fn=fn,
        data_files=(data_file(ordering.source, CH_ORDERING_TABLE),),
        text="A Party must receive the Communications Hub deliveries it has ordered; it cannot"
        " ask for one to be held or deferred.",
    )


def amendment_rule(ordering: ChOrdering) -> Rule[ChEvent]:
    """``sec.ch.order-amendment``: an order may be amended until ``frozen_weeks`` before it."""
    frozen = ordering.frozen_weeks

    def fn(event: ChEvent) -> Verdict:
        if event.kind is not ChEventKind.ORDER_AMENDMENT or event.weeks_before_delivery is None:
            return Verdict(Outcome.NOT_APPLICABLE, "not an order amendment")
        weeks = event.weeks_before_delivery
        if weeks < frozen:
            return Verdict(
                Outcome.FAIL, f"amended {weeks} weeks before delivery, inside {frozen} weeks"
            )
        return Verdict(Outcome.PASS, f"amended {weeks} weeks before delivery")

    when = "at any time" if frozen == 0 else f"until {frozen} weeks before its delivery"
    return Rule(
        id=AMENDMENT_RULE,
        title="A Communications Hub order may be amended before its delivery",
        clauses=(
            cite("sec.ch.order-amendment"),
            ClauseRef(
                ordering.document,
                f"amendment: frozen_weeks = {frozen}",
                f"as at {ordering.as_at}",
                ordering.amendment_provenance,
                note=ordering.amendment_source,
            ),
        ),
        fn=fn,
        data_files=(data_file(ordering.source, CH_ORDERING_TABLE),),
        text=f"A Party may amend a Communications Hub order {when}.",
    )


def rules(ordering: ChOrdering | None = None) -> RuleSet[ChEvent]:
    """The CH ordering rules before MP130: delivery acceptance and order amendment."""
    if ordering is not None:
        require_type(ordering, "ordering", (ChOrdering,), "a ChOrdering (see load_ch_ordering)")
    chosen = ordering or load_ch_ordering()
    return RuleSet.of(
        f"{chosen.document} as at {chosen.as_at}",
        [delivery_rule(chosen), amendment_rule(chosen)],
    )
