"""DP128 / MP128A "Gas Network Operators SMKI Requirements" (Cadent).

Problem (paper of 28 May 2020): Gas Network Operators (GNOs) must place SMKI Organisation
Certificates in the SMKI Repository and pass SREPT, at a cost and with no benefit as they receive
no alerts. DP128 was split; MP128A was implemented on 29 Jun 2023 (June 2023 SEC Release),
changing Section L and Appendix B (SECCo modification page).

The baseline is the SEC domain's exit rule (:func:`secrules.sec.smki.exit_rules`): what Section L
required of a Subscriber's Organisation Certificates when it ceased to be a DCC User, which the
bundled table records as nothing (A128-1, inferred). MP128A adds an exception to it for Gas
Network Operators, ``mp128a.gno-exit-certificates``: submit a Certificate Revocation Request and
replace the Organisation Certificate by an ACB certificate on every Device (A128-2). Its duty is
``data/dp128.toml``'s ``[exit_duty]``.

Scenario space: CRR submitted (yes / no) x certificate replaced on all, some or no Devices: 6
scenarios, all of which change. Each scenario also carries the state finding of the domain rule
``sec.smki.anchor-replaceable`` (A128-3): whether a Device is left orphaned, the same in both
regimes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Finding, Outcome, Verdict
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
from secrules.errors import DataFileError
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec.roles import UserRole
from secrules.sec.smki import (
    EXIT_RULE,
    Anchor,
    ExitDuties,
    SubscriberExit,
    anchor_findings,
    exit_rules,
    load_exit_duties,
    read_exit_duties,
)

__all__ = [
    "DUTY_MET",
    "DUTY_NOT_MET",
    "EXCEPTION_RULE",
    "EXTENTS",
    "NO_DUTY",
    "Dp128Model",
    "Mp128a",
    "load_mp128a",
]

#: The rule MP128A adds: an exception to ``sec.l.subscriber-exit-certificates`` for GNOs.
EXCEPTION_RULE = "mp128a.gno-exit-certificates"
#: On how many of its Devices the GNO's certificate was replaced by the ACB's.
EXTENTS = ("all", "some", "none")
DUTY_MET = "duty met"
DUTY_NOT_MET = "duty not met"
NO_DUTY = "no duty"
#: DP128's own table: MP128A's exit duty, the fleet of a scenario and the A128-* assumptions.
TABLE = "dp128.toml"


@attrs.frozen
class Mp128a:
    """MP128A's exit duty for GNOs, the scenario fleet, and the assumptions, from one table."""

    duty: ExitDuties
    #: Devices anchored to a scenario's GNO, and how many are replaced in a "some" scenario.
    devices: int
    some: int
    fleet_provenance: Provenance
    assumptions: tuple[Assumption, ...]
    table: TableSource | None = attrs.field(default=None, eq=False)

    def anchors(self, extent: str) -> tuple[Anchor, ...]:
        """The Devices' anchors when the certificate was replaced on ``extent`` of them."""
        replaced = {"all": self.devices, "some": self.some, "none": 0}[extent]
        return (Anchor.ACB,) * replaced + (Anchor.NETWORK_OPERATOR,) * (self.devices - replaced)


@bundled_once
def load_mp128a(path: str | os.PathLike[str] | None = None) -> Mp128a:
    """DP128's table from ``path``, or the bundled ``dp128.toml`` (read once) when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=TABLE)
    duty = read_exit_duties(
        table.table("exit_duty"),
        document="SEC Modification MP128A (Section L, Appendix B)",
        table=table.source,
    )
    fleet = table.table("fleet")
    devices, some = fleet.integer("devices"), fleet.integer("some")
    if devices < 2:  # "some" needs at least two Devices
        raise fleet.error("a fleet needs at least 2 Devices, so that 'some' differs", "devices")
    if not 0 < some < devices:
        raise fleet.error(f"'some' must lie strictly between 0 and {devices}", "some")
    fleet.text("source")
    return Mp128a(
        duty=duty,
        devices=devices,
        some=some,
        fleet_provenance=fleet.provenance(),
        assumptions=read_assumptions(table),
        table=table.source,
    )


def _is_gno(subject: SubscriberExit) -> bool:
    return subject.role is UserRole.GAS_TRANSPORTER


def gno_exit_rule(mp128a: Mp128a, base: Rule[SubscriberExit]) -> Rule[SubscriberExit]:
    """``mp128a.gno-exit-certificates``: the exception MP128A adds for Gas Network Operators."""
    duty = mp128a.duty
    if not duty.any:
        raise DataFileError(
            "MP128A's exit duty asks nothing (crr_required and replace_required are both false)",
            file=mp128a.table.label if mp128a.table else TABLE,
            key="exit_duty",
        )

    def fn(subject: SubscriberExit) -> Verdict:
        return duty.judge(subject)

    return Rule(
        id=EXCEPTION_RULE,
        title="MP128A: a GNO ceasing to be a DCC User revokes and replaces its certificates",
        clauses=(cite("sec.mp128a"), duty.as_clause()),
        fn=fn,
        data_files=(data_file(mp128a.table, TABLE), *base.data_files),
        text=f"Exception to {base.id}: before ceasing to be a DCC User, a Gas Network Operator"
        f" must {duty.describe()}.",
        exception_to=base.id,
        when=_is_gno,
    )


class Dp128Model(ProposalModel[SubscriberExit]):
    """A Gas Network Operator's exit from the DCC, before and after MP128A."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP128"]
    scope: ClassVar[str] = (
        "Every exit of a Gas Network Operator from the DCC: MP128A puts a duty where there was"
        " none (A128-1), so every scenario may change"
    )
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "SEC Section L as at 28 May 2020: no duty on a GNO's Organisation"
            " Certificates when it ceases to be a DCC User (A128-1, inferred).",
            Regime.PROPOSED: "MP128A (implemented 29 Jun 2023): before it ceases to be a DCC"
            " User, a GNO submits a CRR and replaces its certificates with ACB certificates.",
        }
    )
    combine: ClassVar[Combiner] = WORST
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {Outcome.PASS: DUTY_MET, Outcome.FAIL: DUTY_NOT_MET, Outcome.NOT_APPLICABLE: NO_DUTY}
    )
    #: ``--table`` / ``table=`` replace DP128's own table (MP128A's duty and the fleet).
    table_name: ClassVar[str] = TABLE

    def __init__(self, mp128a: Mp128a | None = None, baseline: ExitDuties | None = None) -> None:
        self.mp128a = mp128a or load_mp128a()
        self.duties = baseline or load_exit_duties()
        self.rulesets()

    def with_table(self, path: str | os.PathLike[str]) -> Dp128Model:
        """The model on the user's copy of ``dp128.toml`` at ``path``."""
        return Dp128Model(load_mp128a(path), self.duties)

    @property
    def table_source(self) -> TableSource | None:
        """DP128's table in use (bundled or the user's) and its SHA-256."""
        return self.mp128a.table

    def baseline(self) -> RuleSet[SubscriberExit]:
        """Section L's exit rule as at 28 May 2020 (the ``sec`` domain package)."""
        return exit_rules(self.duties)

    def reform(self, baseline: RuleSet[SubscriberExit]) -> RuleSet[SubscriberExit]:
        """MP128A: an exception to the exit rule for Gas Network Operators (A128-2)."""
        rule = gno_exit_rule(self.mp128a, baseline.rule(EXIT_RULE))
        return baseline.derive("DP128 proposed (MP128A)", add=[rule])

    def subject(self, scenario: Scenario) -> SubscriberExit:
        """The GNO's exit in ``scenario``."""
        if isinstance(scenario.subject, SubscriberExit):
            return scenario.subject
        return SubscriberExit(
            UserRole.GAS_TRANSPORTER,
            bool(scenario["crr_submitted"]),
            self.mp128a.anchors(str(scenario["replaced_by_acb"])),
        )

    def scenarios(self) -> Iterator[Scenario]:
        """CRR submitted (yes, no) x replaced on all, some or no Devices; orphaned stated."""
        for crr in (True, False):
            for extent in EXTENTS:
                subject = SubscriberExit(UserRole.GAS_TRANSPORTER, crr, self.mp128a.anchors(extent))
                orphaned = any(f.outcome is Outcome.FAIL for f in anchor_findings(subject))
                yield Scenario(
                    {"crr_submitted": crr, "replaced_by_acb": extent, "orphaned": orphaned},
                    subject=subject,
                )

    def state_findings(self, scenario: Scenario) -> tuple[Finding, ...]:
        """``sec.smki.anchor-replaceable`` on each Device once the GNO has left (A128-3).

        The same in both regimes: MP128A changes whether the exit met a duty, not who can
        replace a certificate.
        """
        return anchor_findings(self.subject(scenario))

    def in_scope(self, scenario: Scenario) -> bool:
        """Every exit of a Gas Network Operator."""
        return _is_gno(self.subject(scenario))

    def variations(self) -> Iterable[Variation]:
        """A128-1: a duty already in the baseline; A128-5: other fleets."""
        mp, base = self.mp128a, self.duties
        for label, crr, replace in (
            ("baseline already required a CRR", True, False),
            ("baseline already required replacement by the ACB", False, True),
            ("baseline already required both", True, True),
        ):
            duties = attrs.evolve(base, crr_required=crr, replace_required=replace)
            yield Variation("A128-1", label, functools.partial(Dp128Model, mp, duties))
        for devices, some in ((3, 1), (3, 2), (10, 5)):
            fleet = attrs.evolve(mp, devices=devices, some=some)
            yield Variation(
                "A128-5",
                f"{devices} Devices, {some} replaced in 'some'",
                functools.partial(Dp128Model, fleet, base),
            )

    def assumptions(self) -> tuple[Assumption, ...]:
        """A128-1 to A128-6; A128-1, A128-2 and A128-5 are stated from the tables' values."""
        rows = {a.id: a for a in self.mp128a.assumptions}

        def source(ident: str, default: str) -> str:
            row = rows.get(ident)
            return row.source if row is not None else default

        base, duty, mp = self.duties, self.mp128a.duty, self.mp128a
        return restate(
            self.mp128a.assumptions,
            (
                derived_assumption(
                    "A128-1",
                    "Before MP128A, a Subscriber ceasing to be a DCC User "
                    + (
                        f"must {base.describe()}"
                        if base.any
                        else "has no duty on its Organisation Certificates"
                    ),
                    base.provenance,
                    table=base.table,
                    key="subscriber_exit",
                    source=source("A128-1", base.source),
                ),
                derived_assumption(
                    "A128-2",
                    f"MP128A: before ceasing to be a DCC User a GNO must {duty.describe()};"
                    " doing less is a breach",
                    Provenance.weakest(
                        (duty.provenance, rows["A128-2"].provenance)
                        if "A128-2" in rows
                        else (duty.provenance,)
                    ),
                    table=mp.table,
                    key="exit_duty",
                    source=source("A128-2", duty.source),
                ),
                derived_assumption(
                    "A128-5",
                    f"Each scenario's GNO has {mp.devices} Devices anchored to it; 'some"
                    f" replaced' means {mp.some} of them",
                    mp.fleet_provenance,
                    table=mp.table,
                    key="fleet",
                    source=source("A128-5", "modelling choice"),
                ),
            ),
        )
