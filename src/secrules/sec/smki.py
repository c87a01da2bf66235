"""SMKI Organisation Certificates of Network Operators on Devices, as the SEC stood on 28 May 2020.

A Network Operator places its SMKI Organisation Certificate on a Device as the Device's
network-operator trust anchor. Once there, only that Network Operator can change it, and only
while it is a DCC User (stated as MP128A's issue on the SECCo modification page; GBCS CS02b
0x0103 ``networkOperatorByNetworkOperator``). Two labelled rules:

- ``sec.l.subscriber-exit-certificates`` (base rule, over a :class:`SubscriberExit`): the duties
  SEC Section L and Appendix B place on a Subscriber's Organisation Certificates when it ceases
  to be a DCC User. The bundled table (``data/smki_certificates.toml``) records none (inferred
  from DP128's problem), so the rule is NOT_APPLICABLE; a table that records a duty makes it
  PASS or FAIL.
- ``sec.smki.anchor-replaceable`` (over a :class:`DeviceAnchor`): a Device whose
  network-operator certificate belongs to a party that is no longer a DCC User is *orphaned*
  (FAIL); any other anchor can still be replaced (PASS).

:class:`OperatorFleet` is the lifecycle both rules judge: a Network Operator installs Devices
anchored to it, may replace its anchor with an Access Control Broker (ACB) certificate while it is
a DCC User, may submit a Certificate Revocation Request (CRR), and ceases to be a DCC User.
"""

from __future__ import annotations

import enum
import functools
import os

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, bundled_once, load_table
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.core.sources import data_file
from secrules.core.validation import require_type
from secrules.errors import InvalidValueError
from secrules.sec.roles import UserRole

__all__ = [
    "ANCHOR_RULE",
    "EXIT_RULE",
    "SMKI_TABLE",
    "Anchor",
    "DeviceAnchor",
    "ExitDuties",
    "OperatorFleet",
    "SubscriberExit",
    "anchor_findings",
    "anchor_rule",
    "exit_duties",
    "exit_rule",
    "exit_rules",
    "load_exit_duties",
    "read_exit_duties",
]

#: Rule ids (one hop from this module).
EXIT_RULE = "sec.l.subscriber-exit-certificates"
ANCHOR_RULE = "sec.smki.anchor-replaceable"
#: The bundled table of what the SEC required of a Subscriber's certificates at exit.
SMKI_TABLE = "smki_certificates.toml"

ORPHANED = "orphaned"
REPLACEABLE = "replaceable"


class Anchor(enum.Enum):
    """Whose certificate a Device holds as its network-operator trust anchor."""

    NETWORK_OPERATOR = "network operator"
    ACB = "ACB"


@attrs.frozen
class SubscriberExit:
    """A Subscriber ceasing to be a DCC User: its role, whether it sent a CRR, its Devices.

    ``anchors`` holds, for each Device anchored to it when it began to exit, that Device's anchor
    at the moment it ceases to be a DCC User.
    """

    role: UserRole
    crr_submitted: bool
    anchors: tuple[Anchor, ...]

    @property
    def replaced(self) -> int:
        """How many of its Devices now hold an ACB certificate."""
        return sum(1 for a in self.anchors if a is Anchor.ACB)

    @property
    def remaining(self) -> int:
        """How many of its Devices still hold its own certificate."""
        return len(self.anchors) - self.replaced

    @property
    def extent(self) -> str:
        """``all``, ``some`` or ``none``: on how many Devices the ACB replaced its certificate."""
        if self.remaining == 0:
            return "all"
        return "none" if self.replaced == 0 else "some"


@attrs.frozen
class DeviceAnchor:
    """One Device's network-operator anchor, and whether the anchor's owner is a DCC User."""

    anchor: Anchor
    owner_is_user: bool


@attrs.frozen
class ExitDuties:
    """What a Subscriber must do with its Organisation Certificates before it ceases to be a User.

    Read from a ``[subscriber_exit]``-shaped table: ``crr_required`` (submit a Certificate
    Revocation Request), ``replace_required`` (replace its certificate by an ACB certificate on
    every Device), the clause they form, and whence that is known.
    """

    crr_required: bool
    replace_required: bool
    clause: str
    sec_version: str
    provenance: Provenance
    source: str
    document: str = "SEC Section L / Appendix B"
    #: The table file and its SHA-256 (None for duties built in code).
    table: TableSource | None = attrs.field(default=None, eq=False)

    @property
    def any(self) -> bool:
        """True when the duties ask anything at all."""
        return self.crr_required or self.replace_required

    def describe(self) -> str:
        """``submit a CRR and replace its certificate by an ACB certificate on every Device``."""
        parts = []
        if self.crr_required:
            parts.append("submit a Certificate Revocation Request")
        if self.replace_required:
            parts.append(
                "replace its Organisation Certificate by an ACB certificate on every Device"
            )
        return " and ".join(parts) or "nothing"

    def as_clause(self) -> ClauseRef:
        """The duties as a clause reference (its provenance is the table row's)."""
        return ClauseRef(
            self.document, self.clause, self.sec_version, self.provenance, note=self.source
        )

    def judge(self, subject: SubscriberExit) -> Verdict:
        """PASS when ``subject`` did all the duties ask, FAIL naming what it left undone."""
        if not self.any:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"no duty on a Subscriber's Organisation Certificates at exit ({self.clause})",
            )
        missing = []
        if self.crr_required and not subject.crr_submitted:
            missing.append("no Certificate Revocation Request was submitted")
        if self.replace_required and subject.remaining:
            missing.append(
                f"{subject.remaining} of {len(subject.anchors)} Devices still hold its certificate"
            )
        if missing:
            return Verdict(Outcome.FAIL, f"exit duties not met: {'; '.join(missing)}")
        return Verdict(Outcome.PASS, f"exit duties met: {self.describe()}")


def read_exit_duties(row: TableReader, *, document: str, table: TableSource | None) -> ExitDuties:
    """Exit duties from one table row (``crr_required``, ``replace_required``, clause, source)."""
    return ExitDuties(
        crr_required=row.flag("crr_required"),
        replace_required=row.flag("replace_required"),
        clause=row.text("clause"),
        sec_version=row.text("sec_version"),
        provenance=row.provenance(),
        source=row.text("source"),
        document=document,
        table=table,
    )


@bundled_once
def load_exit_duties(path: str | os.PathLike[str] | None = None) -> ExitDuties:
    """The exit duties of ``path`` (same schema as ``smki_certificates.toml``), else the bundle.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=SMKI_TABLE)
    table.text("as_at")
    return read_exit_duties(
        table.table("subscriber_exit"), document=table.text("document"), table=table.source
    )


def exit_duties() -> ExitDuties:
    """The bundled exit duties of 28 May 2020 (read once)."""
    return load_exit_duties()


def exit_rule(duties: ExitDuties | None = None) -> Rule[SubscriberExit]:
    """``sec.l.subscriber-exit-certificates``: the Section L / Appendix B duties at exit.

    Cites SEC Section L (registered clause ``sec.l.subscriber-obligations``) and the duties'
    own row.
    """
    if duties is not None and not isinstance(duties, ExitDuties):
        raise InvalidValueError(f"duties must be ExitDuties, not {type(duties).__name__}")
    duties = duties or exit_duties()
    return Rule(
        id=EXIT_RULE,
        title="A Subscriber ceasing to be a DCC User meets the duties on its certificates",
        clauses=(cite("sec.l.subscriber-obligations"), duties.as_clause()),
        fn=duties.judge,
        data_files=(data_file(duties.table, SMKI_TABLE),),
        text="When a Subscriber ceases to be a DCC User it must do what Section L and Appendix B"
        f" require of its Organisation Certificates: {duties.describe()}.",
    )


def exit_rules(duties: ExitDuties | None = None) -> RuleSet[SubscriberExit]:
    """Section L's rules on a Subscriber's exit, as at 28 May 2020 (one base rule)."""
    if duties is not None:
        require_type(duties, "duties", (ExitDuties,), "ExitDuties (see load_exit_duties)")
    return RuleSet.of("SEC Section L as at 2020-05-28", [exit_rule(duties)])


def _anchor_verdict(device: DeviceAnchor) -> Verdict:
    if device.anchor is Anchor.NETWORK_OPERATOR and not device.owner_is_user:
        return Verdict(
            Outcome.FAIL,
            "the Device holds the certificate of a Network Operator that is no longer a DCC"
            " User: no one can replace it",
            label=ORPHANED,
        )
    owner = "the ACB" if device.anchor is Anchor.ACB else "its Network Operator, a DCC User"
    return Verdict(Outcome.PASS, f"{owner} can replace the anchor", label=REPLACEABLE)


@functools.cache
def anchor_rule() -> Rule[DeviceAnchor]:
    """``sec.smki.anchor-replaceable``: an anchor whose owner has left the DCC is orphaned."""
    return Rule(
        id=ANCHOR_RULE,
        title="A Device's network-operator anchor can be replaced",
        clauses=(cite("sec.mp128a.issue"), cite("gbcs.cs02b.network-operator")),
        fn=_anchor_verdict,
        text="Once a Network Operator's certificate is on a Device only that Network Operator"
        " can change it, and only while it is a DCC User; a Device anchored to one that is not"
        " is orphaned.",
    )


def anchor_findings(subject: SubscriberExit) -> tuple[Finding, ...]:
    """``sec.smki.anchor-replaceable`` on each of ``subject``'s Devices once it has left."""
    rule = anchor_rule()
    return tuple(
        finding
        for anchor in subject.anchors
        for finding in rule.evaluate(DeviceAnchor(anchor, owner_is_user=False))
    )


@attrs.frozen
class OperatorFleet:
    """A Network Operator's Devices and standing: the lifecycle its exit duties are about.

    Every transition returns a new fleet. Replacing an anchor needs the operator to be a DCC
    User (the stated issue); once it has left, the fleet no longer changes.
    """

    role: UserRole = UserRole.GAS_TRANSPORTER
    anchors: tuple[Anchor, ...] = ()
    crr_submitted: bool = False
    dcc_user: bool = True

    def install(self) -> OperatorFleet:
        """A new Device anchored to the operator (only while it is a DCC User)."""
        if not self.dcc_user:
            return self
        return attrs.evolve(self, anchors=(*self.anchors, Anchor.NETWORK_OPERATOR))

    def can_replace(self, index: int) -> bool:
        """True if the operator may now replace Device ``index``'s anchor with the ACB's."""
        return self.dcc_user and 0 <= index < len(self.anchors)

    def replace(self, index: int) -> OperatorFleet:
        """Device ``index`` re-anchored to the ACB (CS02b, signed by the operator itself)."""
        if not self.can_replace(index):
            return self
        anchors = list(self.anchors)
        anchors[index] = Anchor.ACB
        return attrs.evolve(self, anchors=tuple(anchors))

    def submit_crr(self) -> OperatorFleet:
        """The operator submits a Certificate Revocation Request (only while a DCC User)."""
        return attrs.evolve(self, crr_submitted=True) if self.dcc_user else self

    def leave(self) -> tuple[OperatorFleet, SubscriberExit]:
        """The operator ceases to be a DCC User: the fleet after, and the exit to judge."""
        exit_ = SubscriberExit(self.role, self.crr_submitted, self.anchors)
        return attrs.evolve(self, dcc_user=False), exit_

    def devices(self) -> tuple[DeviceAnchor, ...]:
        """Each Device's anchor and whether its owner is a DCC User."""
        return tuple(
            DeviceAnchor(a, owner_is_user=self.dcc_user or a is Anchor.ACB) for a in self.anchors
        )
